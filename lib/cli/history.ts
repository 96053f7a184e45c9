/** `npm run history -- [--days 90] [--out ./data/history.db]`: write a generated history to look at (report, dashboard). */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { loadConfig } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";

const { values } = parseArgs({ options: { days: { type: "string", default: "90" }, out: { type: "string", default: "./data/history.db" }, seed: { type: "string", default: "2026" } } });
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 400) throw new Error("--days: a whole number from 1 to 400");
if (existsSync(values.out)) throw new Error(`${values.out} exists: generate into a new file`);
const store = openDatabase(values.out);
migrateDatabase(store.db);
const summary = generateHistory(store, loadConfig({ DATABASE_PATH: values.out }), { days, now: Date.now(), seed: Number(values.seed) });
store.close();
console.log(`${values.out}: ${summary.results} results over ${days} days, ${summary.measuredIncidents} measured and ${summary.officialIncidents} official incidents`);
console.log(`try: DATABASE_PATH=${values.out} npm run report -- --since 90d`);
