/** What every command does first: configuration, logger and a migrated database, with exit 2 on bad input. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildChannels } from "@/lib/alerts/channels";
import type { Channel } from "@/lib/alerts/types";
import { alertSecrets, vantageSecrets, ConfigError, loadConfig, type Config } from "@/lib/config";
import { createLogger, type Logger } from "@/lib/log";
import { findWriteProblem } from "@/lib/keep/database-file";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { planProbes } from "@/lib/measure/targets";
import { PROBE_KINDS } from "@/probes/types";

/** Exit 2 with a one-line reason on stderr: the CLI contract for bad arguments or configuration. */
export function exitWithUsageError(reason: string): never {
  process.stderr.write(`witness: ${reason.split("\n")[0]}\n`);
  process.exit(2);
}

/** Load configuration or exit 2 naming the key path. */
/** The configuration, or exit 2 naming the key path. `withoutAlerts`: a command that never alerts needs none of their secrets. */
export function loadConfigOrExit(opts: { withoutAlerts?: boolean } = {}): Config {
  try {
    return loadConfig(process.env, opts);
  } catch (err) {
    if (err instanceof ConfigError) exitWithUsageError(`configuration: ${err.message}`);
    throw err;
  }
}

export function createCliLogger(config: Config, quiet = false): Logger {
  keepRunningWithoutOutput();
  // Channel URLs carry their tokens (Slack, Discord, Teams), so every one of them is a secret to the log.
  return createLogger({ secrets: [...(config.apiKey ? [config.apiKey] : []), ...alertSecrets(config), ...vantageSecrets(config)], quiet });
}

/**
 * A log pipe whose reader went away (the terminal closed, a supervisor died) makes every write fail with EPIPE as an
 * `error` event: unheard, each one was an uncaught exception, whose log line failed again, and the worker spun at 30%
 * CPU past SIGTERM. The lines are lost, the process is not: it goes on measuring and stops when told.
 */
let outputGuarded = false;
function keepRunningWithoutOutput(): void {
  if (outputGuarded) return;
  outputGuarded = true;
  // Always, not only when nobody listens: a stream piped into these (tsx does) adds a listener that rethrows when alone.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
}

/**
 * Open the database at DATABASE_PATH for writing and apply migrations, or exit 2 saying why: a file this user cannot
 * write (a backup restored as root, a read-only disk), a file that is not Witness's (named, not overwritten), or one
 * that fails `PRAGMA quick_check` (never written into: restore a backup).
 * `checked`: the caller's parent (npm start) has just done that check on this file, so it is not read twice (the
 * quick_check alone takes 1.5 s on a 90-day database).
 */
export function openStoreOrExit(config: Config, { checked = false }: { checked?: boolean } = {}): OpenedDatabase {
  const path = config.databasePath;
  // First: SQLite would open a file it may not write read-only without a word, and fail at the first write.
  const unwritable = findWriteProblem(path);
  if (unwritable) exitWithUsageError(`database: ${unwritable}`);
  // Checked read-only first: opening for writing already switches the file to WAL, a write into a file we may refuse.
  if (!checked && path !== ":memory:" && path !== "" && existsSync(path)) refuseUnusableOrExit(path);
  let store: OpenedDatabase;
  try {
    store = openDatabase(path);
  } catch (err) {
    exitWithUsageError(`database: ${describeDatabaseError(err)}`);
  }
  try {
    migrateDatabase(store.db);
    return store;
  } catch (err) {
    store.close();
    exitWithUsageError(`database: ${path}: ${describeDatabaseError(err)}`);
  }
}

/** Exit 2 for someone else's SQLite file or one that fails `PRAGMA quick_check`, having written nothing into it. */
function refuseUnusableOrExit(path: string): void {
  let store: OpenedDatabase;
  try {
    store = openDatabase(path, { readonly: true });
  } catch (err) {
    exitWithUsageError(`database: ${describeDatabaseError(err)}`);
  }
  let problem: string | null = null;
  try {
    const foreign = foreignTables(store);
    if (foreign.length > 0) {
      problem = `${path} is not a Witness database (it has tables Witness did not create: ${foreign.slice(0, 5).join(", ")}): set DATABASE_PATH to a new file`;
    } else {
      const check = String(store.sqlite.pragma("quick_check", { simple: true }));
      if (check !== "ok") problem = `${path} fails PRAGMA quick_check (${check.split("\n")[0]?.slice(0, 120)}): refusing to write into it; stop Witness, move it aside and copy your latest backup (npm run -s backup) to ${path}`;
    }
  } catch (err) {
    problem = `${path}: ${describeDatabaseError(err)}`;
  } finally {
    store.close();
  }
  if (problem) exitWithUsageError(`database: ${problem}`);
}

/**
 * Tables in a file with no applied Witness migration: someone else's SQLite file. Empty for a new or Witness file. (An
 * empty migrations table is what an earlier failed start on that file left behind: still foreign.)
 */
function foreignTables(store: OpenedDatabase): string[] {
  const tables = store.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const applied = tables.includes(MIGRATIONS_TABLE) && (store.sqlite.prepare(`SELECT count(*) FROM ${MIGRATIONS_TABLE}`).pluck().get() as number) > 0;
  return applied ? [] : tables.filter((t) => t !== MIGRATIONS_TABLE);
}

/** Where drizzle records applied migrations. */
const MIGRATIONS_TABLE = "__drizzle_migrations";

/** The innermost reason (drizzle wraps SQLite's "table x already exists" in "Failed to run the query ..."), on one line. */
export function describeDatabaseError(err: unknown): string {
  let inner = err;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const reason = (inner instanceof Error ? inner.message : String(inner)).replace(/\s+/g, " ").trim();
  const outer = err instanceof Error && err !== inner ? err.message.split("\n")[0]!.slice(0, 80) : null;
  return (outer && outer.startsWith("Cannot open") ? `${outer.replace(/:.*$/, "")}: ${reason}` : reason).slice(0, 300);
}

/** The worker's refusals, before it opens anything: a database that would be thrown away, or nothing to run. */
export function refuseUselessStartOrExit(config: Config): void {
  if (config.databasePath === ":memory:" || config.databasePath === "") {
    exitWithUsageError("DATABASE_PATH=:memory: would throw away every result when Witness stops: set DATABASE_PATH to a file (default ./data/witness.db)");
  }
  const enabled = PROBE_KINDS.filter((kind) => config.probes[kind].enabled);
  if (enabled.length === 0) exitWithUsageError(`nothing to do: every probe is disabled${config.configPath ? ` in ${config.configPath}` : ""}; set probes.<kind>.enabled: true for at least one of ${PROBE_KINDS.join(", ")}`);
  const plan = planProbes(config);
  if (plan.probes.length === 0) {
    const needs = [plan.skippedForKey.length > 0 ? "ANTHROPIC_API_KEY" : null, plan.skippedForBrowser ? "a Chromium (CHROMIUM_PATH)" : null].filter(Boolean).join(" or ");
    exitWithUsageError(`nothing to do: the enabled probes (${enabled.join(", ")}) all need ${needs}; provide it, or enable one of edge, web, status, console`);
  }
}

/**
 * The version in the nearest package.json above this module, read at run time. Searched upwards rather than at a fixed
 * "../..": under npm start the worker runs as a bundle whose import.meta.url is db/migrate.ts's (lib/cli/serve.ts
 * bundleEntry), one level less deep than this file, and a fixed path then missed package.json ("witness unknown").
 */
export function witnessVersion(from: string = import.meta.url): string {
  for (let dir = dirname(fileURLToPath(from)); ; dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version ?? "unknown";
    } catch {
      if (dirname(dir) === dir) return "unknown";
    }
  }
}

/** `--help` or `-h` anywhere in argv: print `usage` on stdout and exit 0, before anything else is read or opened. */
export function exitWithHelpIfAsked(usage: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (!argv.some((a) => a === "--help" || a === "-h")) return;
  process.stdout.write(`${usage.trim()}\n`);
  process.exit(0);
}

/** Every configured alert channel, built; one that cannot be built is a configuration error: exit 2 with its key path. */
export function buildChannelsOrExit(config: Config): Channel[] {
  try {
    return buildChannels(config.alerts.channels);
  } catch (err) {
    if (err instanceof ConfigError) exitWithUsageError(`configuration: ${err.message}`);
    throw err;
  }
}
