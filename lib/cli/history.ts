/** `npm run history -- [--days 90] [--out ./data/history.db]`: write a generated history to look at (report, dashboard). */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { exitWithHelpIfAsked, exitWithUsageError } from "@/lib/cli/common";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { loadConfig } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";

exitWithHelpIfAsked(`
usage: npm run -s history -- [--days 90] [--out ./data/history.db] [--seed 2026] [--vantages N]

Writes a generated (not measured) history of one result a minute per series into a new database, to try the report
and the dashboard on months of data: DATABASE_PATH=./data/history.db npm run -s report -- --since 90d.
--vantages N writes a hub's database instead: vantages v1 … vN each measure every series, with their own incidents
and the hub's verdict over them; the hub's config must list them (vantages: - { id: v1, … }), as npm run bench does.
`);
let values: { days: string; out: string; seed: string; vantages?: string };
try {
  ({ values } = parseArgs({ options: { days: { type: "string", default: "90" }, out: { type: "string", default: "./data/history.db" }, seed: { type: "string", default: "2026" }, vantages: { type: "string" } } }));
} catch (err) {
  exitWithUsageError(`${(err as Error).message} (usage: npm run -s history -- [--days 90] [--out FILE] [--seed N] [--vantages N])`);
}
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 400) exitWithUsageError("--days: a whole number from 1 to 400");
const vantageCount = values.vantages === undefined ? null : Number(values.vantages);
if (vantageCount !== null && (!Number.isInteger(vantageCount) || vantageCount < 1 || vantageCount > 64)) exitWithUsageError("--vantages: a whole number from 1 to 64");
if (existsSync(values.out)) exitWithUsageError(`${values.out} exists: generate into a new file`);
const store = openDatabase(values.out);
migrateDatabase(store.db);
const vantages = vantageCount === null ? undefined : Array.from({ length: vantageCount }, (_, i) => `v${i + 1}`);
const summary = generateHistory(store, loadConfig({ DATABASE_PATH: values.out }), { days, now: Date.now(), seed: Number(values.seed), vantages });
store.close();
console.log(`${values.out}: ${summary.results} results over ${days} days${vantages ? ` from ${vantages.length} vantages (${vantages.join(", ")})` : ""}, ${summary.measuredIncidents} measured and ${summary.officialIncidents} official incidents`);
console.log(`try: DATABASE_PATH=${values.out} npm run -s report -- --since 90d`);
