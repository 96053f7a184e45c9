/**
 * The web process's one rule for fresh data. What a page or feed shows is read from the database and kept in this
 * process, keyed by what was read (`home`, `incident:m-42`), and reused only while all of these hold:
 *
 * - it was read from the same database: same path, device and inode, same open handle (lib/web/context.ts);
 * - that database has not changed since: SQLite's `PRAGMA data_version`, which moves whenever another connection (the
 *   worker) commits;
 * - it is younger than FRESH_FOR_MS.
 *
 * Nothing is kept on disk, so a restart, or a server started on another database, begins with nothing cached.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import type { Config } from "@/lib/config";
import type { Db } from "@/db/client";
import type { WebContext } from "@/lib/web/context";

/** The oldest data a visitor may be shown: the dashboard says it refreshes every 30 s. */
export const FRESH_FOR_MS = 30_000;

/** Keys are bounded by the routes, but an incident slug comes from the URL: cap what visitors can make us hold. */
export const MAX_ENTRIES = 500;

export interface Snapshot<T> {
  value: T;
  /** When it was read from the database (epoch ms); also the `now` it was computed for. */
  readAt: number;
  /**
   * Which state of the database it was read from, as an opaque tag: two reads with the same tag saw the same data. The
   * home page and /api/v1/status carry it, so the live view can tell a page from before the status it follows.
   */
  dataTag: string;
}

interface Entry {
  version: string;
  snapshot: Snapshot<unknown>;
}

/**
 * A render the front server (lib/web/front.ts) keeps as a snapshot: the snapshot is then served for up to
 * FRESH_FOR_MS, so its age must count from the oldest data the render used, not from when the render ran. Inside a
 * scope, cached data older than half of FRESH_FOR_MS is read again, so a snapshot always has at least that long to live.
 */
export interface RenderScope {
  /** The readAt of the oldest data the render used; null while it has read none through this cache. */
  oldestReadAt: number | null;
}

// One cache and one scope store per process, whichever bundle (pages, route handlers, the front) loaded this module.
const holder = globalThis as unknown as { __witnessCache?: Map<string, Entry>; __witnessRenderScope?: AsyncLocalStorage<RenderScope> };
const entries = (holder.__witnessCache ??= new Map());
const scopes = (holder.__witnessRenderScope ??= new AsyncLocalStorage<RenderScope>());

/** Run `fn` (a render) in a fresh scope; `scope.oldestReadAt` tells, once it has finished, how old its data was. */
export function inRenderScope<T>(scope: RenderScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** The database's version as this rule sees it: which file and handle, and SQLite's count of others' commits. */
export function dataVersion(context: Pick<WebContext, "store" | "identity">): string | null {
  if (!context.store || !context.identity) return null;
  return `${context.identity}@${context.store.sqlite.pragma("data_version", { simple: true }) as number}`;
}

/**
 * `read` once per key while the database is the same, unchanged, and the copy is fresh (see the file's comment); null
 * when there is no database to read. A read that throws is not kept, so the next visit tries again.
 */
export function readThrough<T>(context: WebContext, key: string, read: (db: Db, config: Config, now: number) => T, now: number = Date.now()): Snapshot<T> | null {
  const { store, config } = context;
  const version = dataVersion(context);
  if (!store || version === null) return null;
  const scope = scopes.getStore();
  const maxAge = scope ? FRESH_FOR_MS / 2 : FRESH_FOR_MS;
  const hit = entries.get(key);
  if (hit && hit.version === version && now - hit.snapshot.readAt < maxAge && hit.snapshot.readAt <= now) {
    if (scope) scope.oldestReadAt = Math.min(scope.oldestReadAt ?? Infinity, hit.snapshot.readAt);
    return hit.snapshot as Snapshot<T>;
  }
  const snapshot: Snapshot<T> = { value: read(store.db, config, now), readAt: now, dataTag: dataTagOf(version) };
  if (scope) scope.oldestReadAt = Math.min(scope.oldestReadAt ?? Infinity, now);
  // Re-inserting moves the key to the end: the Map's order is then least recently refreshed first.
  entries.delete(key);
  entries.set(key, { version, snapshot });
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  return snapshot;
}

/** The version as visitors may see it: a short hash, since the version names the database's file and inode. */
function dataTagOf(version: string): string {
  return createHash("sha256").update(version).digest("base64url").slice(0, 12);
}

/** Forget everything (tests). */
export function clearCache(): void {
  entries.clear();
}
