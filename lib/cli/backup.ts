/** `npm run backup -- PATH`: a consistent copy of the live database, safe while the worker writes (lib/keep/backup.ts). */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { exitWithHelpIfAsked, exitWithUsageError, loadConfigOrExit } from "@/lib/cli/common";
import { backupDatabase, backupTarget, refusalFor } from "@/lib/keep/backup";
import { openDatabase } from "@/db/client";

const USAGE = `
usage: npm run -s backup -- PATH [--force]

Copies the database at DATABASE_PATH (default ./data/witness.db) to PATH with SQLite's online backup: safe while
the worker writes, never the live file itself. PATH may be an existing directory: the copy is then named
witness-<UTC time>.db. The directory PATH names must exist (a typo is not a new directory), and an existing file is
replaced only with --force.
Exit 0 once the copy passes PRAGMA integrity_check; exit 2 with a one-line reason otherwise.
Restore: stop Witness, copy the backup to DATABASE_PATH (delete any -wal and -shm file beside it), start Witness.
`;

exitWithHelpIfAsked(USAGE);
let positionals: string[];
let force = false;
try {
  let values: { force?: boolean };
  ({ positionals, values } = parseArgs({ options: { force: { type: "boolean" } }, strict: true, allowPositionals: true }));
  force = values.force === true;
} catch (err) {
  exitWithUsageError(`${(err as Error).message} (usage: npm run -s backup -- PATH [--force])`);
}
if (positionals.length !== 1 || !positionals[0]) exitWithUsageError("give one PATH to write the backup to (usage: npm run -s backup -- PATH)");
const config = loadConfigOrExit({ withoutAlerts: true });
if (config.databasePath === ":memory:" || config.databasePath === "") exitWithUsageError("DATABASE_PATH is :memory:: there is no file to back up");
if (!existsSync(config.databasePath)) exitWithUsageError(`database: ${config.databasePath} does not exist (set DATABASE_PATH to the live database)`);
const target = backupTarget(positionals[0], new Date());
const refusal = refusalFor(target, config.databasePath);
if (refusal) exitWithUsageError(`refusing to overwrite the live database: ${refusal}`);
if (!existsSync(dirname(target))) exitWithUsageError(`directory ${dirname(target)} does not exist: create it first (mkdir -p ${dirname(target)}) or give another PATH`);
if (existsSync(target) && !force) exitWithUsageError(`${target} exists: pass --force to replace it, or give another PATH`);

let store;
try {
  store = openDatabase(config.databasePath, { readonly: true });
} catch (err) {
  exitWithUsageError(`database: ${(err as Error).message}`);
}
try {
  const summary = await backupDatabase(store.sqlite, target);
  process.stdout.write(`${summary.path}: ${(summary.bytes / 1_048_576).toFixed(1)} MB in ${summary.ms} ms, integrity_check ok\n`);
} catch (err) {
  exitWithUsageError(`backup failed: ${(err as Error).message}`);
} finally {
  store.close();
}
