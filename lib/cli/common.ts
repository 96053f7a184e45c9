/** What every command does first: configuration, logger and a migrated database, with exit 2 on bad input. */
import { ConfigError, loadConfig, type Config } from "@/lib/config";
import { createLogger, type Logger } from "@/lib/log";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";

/** Exit 2 with a one-line reason on stderr: the CLI contract for bad arguments or configuration. */
export function exitWithUsageError(reason: string): never {
  process.stderr.write(`witness: ${reason.split("\n")[0]}\n`);
  process.exit(2);
}

/** Load configuration or exit 2 naming the key path. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) exitWithUsageError(`configuration: ${err.message}`);
    throw err;
  }
}

export function createCliLogger(config: Config, quiet = false): Logger {
  return createLogger({ secrets: config.apiKey ? [config.apiKey] : [], quiet });
}

/** Open the database at DATABASE_PATH and apply migrations, or exit 2 saying why. */
export function openStoreOrExit(config: Config): OpenedDatabase {
  try {
    const store = openDatabase(config.databasePath);
    migrateDatabase(store.db);
    return store;
  } catch (err) {
    exitWithUsageError(`database: ${(err as Error).message}`);
  }
}

/** `--help` or `-h` anywhere in argv: print `usage` on stdout and exit 0, before anything else is read or opened. */
export function exitWithHelpIfAsked(usage: string, argv: readonly string[] = process.argv.slice(2)): void {
  if (!argv.some((a) => a === "--help" || a === "-h")) return;
  process.stdout.write(`${usage.trim()}\n`);
  process.exit(0);
}
