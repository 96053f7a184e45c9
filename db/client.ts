/**
 * Opens the SQLite file the worker writes and the web app reads. One function so every
 * process gets the same pragmas; the caller owns the handle and must close() it.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import * as schema from "@/db/schema";

/** The drizzle handle; `$client` is the better-sqlite3 connection under it (the online backup needs it). */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface OpenDatabaseOptions {
  /** Open without write access; the file must already exist (the web app's side). */
  readonly?: boolean;
}

/** A file's (device, inode): what a path named when it was opened, to tell later whether it still names that file. */
export interface FileId {
  dev: bigint;
  ino: bigint;
}

export interface OpenedDatabase {
  sqlite: Database.Database;
  db: Db;
  /** The main file and its -wal as they were just after opening (null in memory; `wal` null without one yet). */
  opened: { main: FileId; wal: FileId | null } | null;
  close(): void;
}

/** Twice the WAL the default autocheckpoint (1000 pages of 4 KiB) lets grow: what a WAL is trimmed to once reset. */
export const JOURNAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/** better-sqlite3 treats these as private, non-file databases: no directory, no WAL. */
function isInMemory(path: string): boolean {
  return path === ":memory:" || path === "";
}

export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): OpenedDatabase {
  const readonly = opts.readonly ?? false;
  const inMemory = isInMemory(path);

  let sqlite: Database.Database;
  try {
    // A fresh install has no data/ directory yet; the writer creates it, a reader must not.
    if (!inMemory && !readonly) mkdirSync(dirname(resolve(path)), { recursive: true });
    sqlite = new Database(path, readonly ? { readonly: true, fileMustExist: true } : {});
  } catch (err) {
    throw openError(path, readonly, err);
  }

  try {
    // WAL lets the web app read while the worker writes; it is a property of the file,
    // so only the writer sets it (a readonly handle cannot, and :memory: has no WAL).
    if (!readonly && !inMemory) sqlite.pragma("journal_mode = WAL");
    // A reader that pins the WAL lets it grow without bound; once the WAL is reset, trim the file back to this.
    if (!readonly && !inMemory) sqlite.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    // Wait for the other process's write lock instead of failing with SQLITE_BUSY at once.
    sqlite.pragma("busy_timeout = 5000");
    // Under WAL, NORMAL is durable across app crashes and much cheaper than FULL.
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
  } catch (err) {
    // The first statement is where "file is not a database" and lock errors surface.
    sqlite.close();
    throw openError(path, readonly, err);
  }

  const db = drizzle(sqlite, { schema });
  const main = inMemory ? null : fileIdOf(path);
  return {
    sqlite,
    db,
    opened: main ? { main, wal: fileIdOf(`${path}-wal`) } : null,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

/** The (device, inode) of the file at `path`, or null when there is none. */
export function fileIdOf(path: string): FileId | null {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
  return stat ? { dev: stat.dev, ino: stat.ino } : null;
}

/** Names the path and the mode; the reason comes from SQLite/fs and carries no secrets. */
function openError(path: string, readonly: boolean, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const mode = readonly ? "read-only" : "read-write";
  return new Error(`Cannot open SQLite database ${JSON.stringify(path)} (${mode}): ${reason}`, {
    cause,
  });
}
