/**
 * The database's data version as the front server (lib/web/front.ts) knows it: read every VERSION_POLL_MS rather
 * than per request, and at once when anything named after the database file changes in its directory, so a commit or
 * a file moved over it (a restore followed by a visit within 250 ms) is seen before the next poll.
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";

/** How often the data version is read: far below a probe interval, far above a request rate. */
export const VERSION_POLL_MS = 250;

export interface VersionWatch {
  now(): string;
  /** Read the version again now: a render has just read the database, and may have seen a commit not yet seen here. */
  reread(): void;
  stop(): void;
}

/** Keep `readVersion()` current (see the file's comment); `databasePath` adds the directory watch. */
export function watchVersion(readVersion: () => string, databasePath: string | undefined): VersionWatch {
  let version = safeVersion(readVersion);
  const poll = setInterval(() => (version = safeVersion(readVersion)), VERSION_POLL_MS);
  poll.unref();
  const watcher = watchDatabase(databasePath, () => (version = safeVersion(readVersion)));
  return {
    now: () => version,
    reread: () => (version = safeVersion(readVersion)),
    stop: () => {
      clearInterval(poll);
      watcher?.close();
    },
  };
}

/** Call `onChange` when anything named after the database file (itself, -wal, -journal) changes in its directory. */
function watchDatabase(path: string | undefined, onChange: () => void): FSWatcher | null {
  if (!path || path === ":memory:") return null;
  // Not -shm: reading the version itself touches it, and reacting to it would loop.
  const names = new Set(["", "-wal", "-journal"].map((suffix) => basename(path) + suffix));
  let queued = false;
  try {
    const watcher = watch(dirname(resolve(path)), { persistent: false }, (_event, file) => {
      if (queued || (file !== null && !names.has(String(file)))) return;
      // One re-read per burst of events (a commit is several writes).
      queued = true;
      setTimeout(() => {
        queued = false;
        onChange();
      }, 20).unref();
    });
    watcher.on("error", () => watcher.close());
    return watcher;
  } catch {
    // No directory yet or no inotify: the poll alone keeps the version.
    return null;
  }
}

function safeVersion(readVersion: () => string): string {
  try {
    return readVersion();
  } catch {
    // Unreadable now (file being replaced): a version no snapshot has, so nothing stale is reused.
    return `unreadable@${Date.now()}`;
  }
}
