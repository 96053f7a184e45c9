/**
 * Consistent copies of the live database. `cp` of a WAL database mid-write copies a main file and a WAL that do not
 * belong together, which is how SQLite files get lost; SQLite's online backup copies one snapshot instead. The copy is
 * written beside its destination, must pass `PRAGMA integrity_check`, is switched to a single self-contained file
 * (journal_mode DELETE: nothing to carry but the one file) and only then renamed into place.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";

export interface BackupSummary {
  path: string;
  bytes: number;
  ms: number;
}

/** Daily backups are named by their UTC time, so pruning can read a backup's age from its name. */
const DAILY_NAME = /^witness-(\d{8}T\d{6}Z)\.db$/;

/** `witness-20260301T040000Z.db`. */
export function backupFileName(at: Date): string {
  return `witness-${at.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}.db`;
}

/** The file a backup to `dest` writes: `dest` itself, or a dated name inside it when it is a directory. */
export function backupTarget(dest: string, at: Date): string {
  return existsSync(dest) && statSync(dest).isDirectory() ? join(dest, backupFileName(at)) : resolve(dest);
}

/** Why writing a backup to `target` would damage the live database at `livePath`, or null when it would not. */
export function refusalFor(target: string, livePath: string): string | null {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : join(existsSync(dirname(p)) ? realpathSync(dirname(p)) : dirname(p), basename(p)));
  const live = real(resolve(livePath));
  const wanted = real(target);
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    if (wanted === live + suffix) return `${target} is the live database${suffix ? `'s ${suffix.slice(1)} file` : ""}: choose another path`;
  }
  return null;
}

/**
 * Copy the database open in `source` to `target` and verify it. `pagesPerStep`: from the writer's own connection
 * (the worker) small steps keep the event loop free, and its writes update the copy as it goes; from another
 * process (the CLI) use one step, since another connection's write would restart a stepped copy.
 */
export async function backupDatabase(source: Database.Database, target: string, { pagesPerStep = 0x7fffffff } = {}): Promise<BackupSummary> {
  const started = performance.now();
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  try {
    await source.backup(partial, { progress: () => pagesPerStep });
    const copy = new Database(partial);
    try {
      const check = copy.pragma("integrity_check", { simple: true });
      if (check !== "ok") throw new Error(`the copy failed integrity_check: ${String(check).slice(0, 200)}`);
      copy.pragma("journal_mode = DELETE");
    } finally {
      copy.close();
    }
    renameSync(partial, target);
  } catch (err) {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(partial + suffix, { force: true });
    throw err;
  }
  return { path: target, bytes: statSync(target).size, ms: Math.round(performance.now() - started) };
}

/** Delete the dated backups in `dir` older than `keepDays`; other files are never touched. Returns the names deleted. */
export function pruneBackups(dir: string, keepDays: number, now: Date): string[] {
  if (!existsSync(dir)) return [];
  const cutoff = now.getTime() - keepDays * 86_400_000;
  const deleted: string[] = [];
  for (const name of readdirSync(dir)) {
    const stamp = DAILY_NAME.exec(name)?.[1];
    if (!stamp) continue;
    const at = Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
    if (at < cutoff) {
      rmSync(join(dir, name), { force: true });
      deleted.push(name);
    }
  }
  return deleted;
}
