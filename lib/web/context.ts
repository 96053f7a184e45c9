/**
 * The web process's view of Witness: configuration parsed once, and the database opened read-only. A public page can
 * then never change data, and SQLite never sees a second writer. Missing database: null (no data yet).
 *
 * The file at DATABASE_PATH can become another database under a running server (a restore moved over it, `npm run
 * demo` then `npm start` on a recreated file): every call compares the path's device and inode with the open
 * handle's, and reopens when they differ, so no page is read from a database that is no longer there.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig, type Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { openDatabase, type OpenedDatabase } from "@/db/client";

export interface WebContext {
  config: Config;
  store: OpenedDatabase | null;
  /**
   * Which database `store` is: its path, device and inode, and a serial per open handle (SQLite's data_version is
   * per connection, so two handles on one file must not share cached data). Null without a store.
   */
  identity: string | null;
}

interface Held extends WebContext {
  /** Set by tests: the context is used as given, never reopened. */
  pinned: boolean;
}

// Next may load this module more than once (route handlers and pages are separate bundles): keep one per process.
const holder = globalThis as unknown as { __witnessWeb?: Held; __witnessWebOpens?: number };

/** The shared configuration and read-only database; the database is null until the worker has created it. */
export function getWebContext(): WebContext {
  const held = holder.__witnessWeb;
  if (held?.pinned) return held;
  const config = held?.config ?? loadConfig();
  const file = fileId(config.databasePath);
  if (held && held.store && file !== null && held.identity?.startsWith(`${file}#`)) return held;
  // Never opened, gone, or another file now: drop the old handle. Reads are synchronous, so none is in flight.
  held?.store?.close();
  // The inode is read before opening: if the file is swapped in between, the next call sees a mismatch and reopens.
  const store = file === null ? null : openDatabase(config.databasePath, { readonly: true });
  const next: Held = { config, store, identity: store ? `${file}#${nextSerial()}` : null, pinned: false };
  holder.__witnessWeb = next;
  return next;
}

/** Replace the context (tests point route handlers at a database of their own); null forgets it. */
export function setWebContext(context: Pick<WebContext, "config" | "store"> | null): void {
  if (context === null) {
    delete holder.__witnessWeb;
    return;
  }
  const file = context.store ? fileId(context.store.sqlite.name) : null;
  const identity = context.store ? `${file ?? context.store.sqlite.name}#${nextSerial()}` : null;
  holder.__witnessWeb = { ...context, identity, pinned: true };
}

/** `path|device:inode` of the file at `path`, or null when there is none (or it is in memory). */
function fileId(path: string): string | null {
  if (path === ":memory:" || path === "") return null;
  const stat = statSync(path, { throwIfNoEntry: false, bigint: true });
  return stat ? `${resolve(path)}|${stat.dev}:${stat.ino}` : null;
}

function nextSerial(): number {
  holder.__witnessWebOpens = (holder.__witnessWebOpens ?? 0) + 1;
  return holder.__witnessWebOpens;
}

/** Whether absolute links (feeds, pages' Subscribe box and previews) follow each request's Host: no public URL is set. */
export function linksFollowHost(config: Config): boolean {
  return !config.publicUrl && !config.feed.siteUrl;
}

/** The start-up warning when feed links can only follow each request's Host header (lib/web/feeds.ts); null when set. */
export function publicUrlWarning(config: Config): string | null {
  if (!linksFollowHost(config)) return null;
  return "WITNESS_PUBLIC_URL is not set, so feed links follow each request's Host header: set WITNESS_PUBLIC_URL=https://… so feed links are absolute on your public address";
}

/**
 * Once per web process, as it starts (instrumentation.ts): what the operator should configure. Logged, never thrown:
 * a bad configuration is reported by the first page instead.
 */
export function warnAtStartup(write: (line: string) => void = (line) => process.stderr.write(line)): void {
  const flags = globalThis as unknown as { __witnessWebWarned?: boolean };
  if (flags.__witnessWebWarned) return;
  flags.__witnessWebWarned = true;
  let config: Config;
  try {
    config = getWebContext().config;
  } catch {
    return;
  }
  const log = createLogger({ secrets: config.apiKey ? [config.apiKey] : [], write });
  const warning = publicUrlWarning(config);
  if (warning) log.warn(`witness web: ${warning}`);
}
