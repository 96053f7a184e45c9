/**
 * How every page reads Witness's data: the shared web context (configuration, read-only database), the current
 * time, and a friendly outcome instead of a crash when there is no database yet (the worker has not run) or it
 * cannot be read. Server-only: pages call it at request or revalidation time, never at module load.
 */
import type { Config } from "@/lib/config";
import type { Db } from "@/db/client";
import { getWebContext } from "@/lib/web/context";

export type Loaded<T> =
  | { status: "ok"; data: T; config: Config; now: number }
  | { status: "empty"; config: Config; now: number }
  | { status: "error"; config: Config; now: number };

/** Run `read` against the database; "empty" when none exists yet (or it has no tables), "error" when reading failed. */
export function readData<T>(read: (db: Db, config: Config, now: number) => T): Loaded<T> {
  const { config, store } = getWebContext();
  const now = Date.now();
  if (!store) return { status: "empty", config, now };
  try {
    return { status: "ok", data: read(store.db, config, now), config, now };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A database the worker created but has not migrated yet: no data, not a fault.
    if (/no such table/i.test(message)) return { status: "empty", config, now };
    console.error(`witness web: cannot read the database: ${message}`);
    return { status: "error", config, now };
  }
}
