/**
 * How every page reads Witness's data: through the web process's cache (lib/web/cache.ts: same database, unchanged,
 * at most 30 s old), with a friendly outcome instead of a crash when there is no database yet (the worker has not
 * run) or it cannot be read. Server-only: pages call it at request time, never at module load.
 */
import type { Config } from "@/lib/config";
import type { Db } from "@/db/client";
import { readThrough } from "@/lib/web/cache";
import { getWebContext } from "@/lib/web/context";

/** `now` is when the data was read from the database: the instant it describes, and what "Data read at" shows. */
export type Loaded<T> =
  | { status: "ok"; data: T; config: Config; now: number; dataTag: string }
  | { status: "empty"; config: Config; now: number }
  | { status: "error"; config: Config; now: number };

/**
 * The data `key` names (one key per distinct read: `home`, `charts:24h`, `incident:m-42`), read by `read` or taken
 * from the cache; "empty" when no database exists yet (or it has no tables), "error" when reading failed.
 */
export function readData<T>(key: string, read: (db: Db, config: Config, now: number) => T): Loaded<T> {
  const context = getWebContext();
  const { config } = context;
  try {
    const snapshot = readThrough(context, key, read);
    if (!snapshot) return { status: "empty", config, now: Date.now() };
    return { status: "ok", data: snapshot.value, config, now: snapshot.readAt, dataTag: snapshot.dataTag };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A database the worker created but has not migrated yet: no data, not a fault.
    if (/no such table/i.test(message)) return { status: "empty", config, now: Date.now() };
    console.error(`witness web: cannot read the database: ${message}`);
    return { status: "error", config, now: Date.now() };
  }
}
