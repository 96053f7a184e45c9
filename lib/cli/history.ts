/** `npm run history -- [--days 90] [--out ./data/history.db]`: write a generated history to look at (report, dashboard). */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { exitWithHelpIfAsked, exitWithUsageError } from "@/lib/cli/common";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { loadConfig } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";

exitWithHelpIfAsked(`
usage: npm run -s history -- [--days 90] [--out ./data/history.db] [--seed 2026]

Writes a generated (not measured) history of one result a minute per series into a new database, to try the report
and the dashboard on months of data: DATABASE_PATH=./data/history.db npm run -s report -- --since 90d.
`);
let values: { days: string; out: string; seed: string };
try {
  ({ values } = parseArgs({ options: { days: { type: "string", default: "90" }, out: { type: "string", default: "./data/history.db" }, seed: { type: "string", default: "2026" } } }));
} catch (err) {
  exitWithUsageError(`${(err as Error).message} (usage: npm run -s history -- [--days 90] [--out FILE] [--seed N])`);
}
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 400) exitWithUsageError("--days: a whole number from 1 to 400");
if (existsSync(values.out)) exitWithUsageError(`${values.out} exists: generate into a new file`);
const store = openDatabase(values.out);
migrateDatabase(store.db);
const summary = generateHistory(store, loadConfig({ DATABASE_PATH: values.out }), { days, now: Date.now(), seed: Number(values.seed) });
store.close();
console.log(`${values.out}: ${summary.results} results over ${days} days, ${summary.measuredIncidents} measured and ${summary.officialIncidents} official incidents`);
console.log(`try: DATABASE_PATH=${values.out} npm run -s report -- --since 90d`);
