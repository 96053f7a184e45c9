/**
 * The web process's view of Witness: configuration parsed once, and the database opened read-only once. A public
 * page can then never change data, and SQLite never sees a second writer. Missing database: null (no data yet).
 */
import { existsSync } from "node:fs";
import { loadConfig, type Config } from "@/lib/config";
import { openDatabase, type OpenedDatabase } from "@/db/client";

interface WebContext {
  config: Config;
  store: OpenedDatabase | null;
}

// Next may load this module more than once (route handlers and pages are separate bundles): keep one per process.
const holder = globalThis as unknown as { __witnessWeb?: WebContext };

/** The shared configuration and read-only database; the database is null until the worker has created it. */
export function getWebContext(): WebContext {
  const existing = holder.__witnessWeb;
  if (existing?.store) return existing;
  const config = existing?.config ?? loadConfig();
  const store = existsSync(config.databasePath) ? openDatabase(config.databasePath, { readonly: true }) : null;
  holder.__witnessWeb = { config, store };
  return holder.__witnessWeb;
}

/** Replace the context (tests point route handlers at a database of their own). */
export function setWebContext(context: WebContext | null): void {
  if (context === null) delete holder.__witnessWeb;
  else holder.__witnessWeb = context;
}
