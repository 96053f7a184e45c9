/**
 * Is the database file still the one the worker opened, and can this user write it? SQLite's own answers do not say: a file it may not write is opened read-only
 * without a word (the first write then fails "attempt to write a readonly database"), a read-only or failing disk
 * reads "disk I/O error" or "unable to open database file", a missing directory on a read-only disk ENOENT, and a file
 * deleted or replaced under it goes unnoticed (its writes go on into the old inode). So the file system is asked
 * directly, and the answer names the cause and the fix in one line.
 */
import { accessSync, closeSync, constants, existsSync, openSync, statSync, statfsSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import { fileIdOf, type FileId } from "@/db/client";

/** What must be writable for SQLite to write `file` in WAL mode: the file, its -wal and -shm, and the directory that must hold whichever of them is missing. */
function writeTargets(file: string): { path: string; toCreate: boolean }[] {
  if (!existsSync(file)) {
    let dir = dirname(file);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    return [{ path: dir, toCreate: true }];
  }
  const companions = [`${file}-wal`, `${file}-shm`];
  const targets = [file, ...companions.filter((c) => existsSync(c))].map((path) => ({ path, toCreate: false }));
  if (companions.some((c) => !existsSync(c))) targets.push({ path: dirname(file), toCreate: true });
  return targets;
}

/**
 * access(2) sees a read-only mount and file modes, but not ext4's emergency read-only state after disk errors; opening
 * for writing does. Only the -wal is opened so: closing any descriptor of a file drops every POSIX lock this process
 * holds on it, and SQLite holds its locks on the main file and the -shm (never on the -wal).
 */
function accessCode(path: string, openToo: boolean): string | null {
  try {
    accessSync(path, constants.W_OK);
    if (openToo) closeSync(openSync(path, "r+"));
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? "EIO";
  }
}

/** The user's name for chown, or its uid where it has none (a container run with an arbitrary uid). */
function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "");
  }
}

function ownership(path: string): string {
  try {
    const stat = statSync(path);
    return `${path} belongs to uid ${stat.uid} (mode 0${(stat.mode & 0o777).toString(8)})`;
  } catch {
    return `${path} cannot be read`;
  }
}

/**
 * Why `path` cannot be written by this process, as one line naming the fix; null when it can (or when it is not a
 * file). Asks the file system (access(2) answers EROFS for a read-only mount, EACCES for another user's file).
 */
export function findWriteProblem(path: string): string | null {
  if (path === ":memory:" || path === "") return null;
  const file = resolve(path);
  const denied: { path: string; toCreate: boolean }[] = [];
  for (const target of writeTargets(file)) {
    const code = accessCode(target.path, target.path === `${file}-wal`);
    if (code === "EACCES" || code === "EPERM") denied.push(target);
    else if (code === "EROFS") return `${file} is not writable: ${target.path} is on a read-only file system: remount it read-write (once the disk is checked) or set DATABASE_PATH to a writable disk`;
    else if (code !== null) return `${file} is not writable: ${target.path} answers ${code}${code === "EIO" ? " (a failing disk)" : ""}: check the disk (dmesg), and restore your latest backup to a good one if it is failing`;
  }
  if (denied.length === 0) return null;
  const user = whoAmI();
  if (denied.some((d) => d.toCreate && !existsSync(file))) {
    const home = dirname(file);
    return `${file} is not writable by user ${user}: ${ownership(denied[0]!.path)}, so it cannot be created: mkdir -p ${home} && chown ${user} ${home}, or set DATABASE_PATH to a directory ${user} owns`;
  }
  const paths = denied.map((d) => d.path);
  return `${file} is not writable by user ${user}: ${paths.map(ownership).join(", ")}; a backup restored as root? Run chown ${user} ${paths.join(" ")} and start Witness again`;
}

/** SQLite's codes for a write that the disk, not the data, refused; and "malformed", which follows a disk's I/O errors. */
const WRITE_REFUSED = /^SQLITE_(READONLY|IOERR|CANTOPEN|FULL)/;
const MAYBE_DISK = /^SQLITE_CORRUPT/;

/**
 * A failed write as a log line: for one the disk refused, why the database is not writable (a read-only or failing
 * disk, another user's file, a full disk) instead of SQLite's "disk I/O error"; any other error's own message.
 */
export function describeWriteError(err: unknown, path: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !(WRITE_REFUSED.test(code) || MAYBE_DISK.test(code))) return message;
  const problem = findWriteProblem(path);
  if (problem) return problem;
  if (MAYBE_DISK.test(code)) return message;
  const file = resolve(path);
  if (code.startsWith("SQLITE_FULL")) return `${file} is not writable: the disk is full (${freeSpace(file)}): free some space, or move DATABASE_PATH to a larger disk`;
  return `${file} is not writable: ${message} (${code}): check the disk (dmesg)`;
}

function freeSpace(file: string): string {
  try {
    const fs = statfsSync(dirname(file));
    return `${Math.floor((fs.bavail * fs.bsize) / 1024)} KB free`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? "free space unknown";
  }
}

export type FileChange = "deleted" | "replaced";

const sameFile = (a: FileId | null, b: FileId | null) => a !== null && b !== null && a.dev === b.dev && a.ino === b.ino;

/**
 * Does `path` still name the file this process opened? "deleted" (nothing there: our writes go to an unlinked inode,
 * lost when we stop), "replaced" (another file: a restore moved over it, which SQLite would pair with our -wal), or
 * null while it is the same. A path that cannot be read at all (a failing disk) is not a change: findWriteProblem says
 * what is wrong with it.
 */
export function detectFileChange(path: string, opened: FileId): FileChange | null {
  let now: FileId | null;
  try {
    now = fileIdOf(path);
  } catch {
    return null;
  }
  if (now === null) return "deleted";
  return sameFile(now, opened) ? null : "replaced";
}

/** Is the -wal beside `path` still the one this process opened (so frames left in it would be read with whatever file `path` names now)? */
export function isOwnWal(path: string, opened: FileId | null): boolean {
  try {
    return sameFile(fileIdOf(`${path}-wal`), opened);
  } catch {
    return false;
  }
}
