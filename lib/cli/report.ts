/**
 * `npm run -s report -- [--json] [--since 24h|7d|30d|90d]`: measured vs official, per surface, for an SLA talk.
 * `--storage` instead: what each table holds and weighs (lib/keep/storage.ts).
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { exitWithHelpIfAsked, exitWithUsageError, loadConfigOrExit } from "@/lib/cli/common";
import { formatStorage, readStorage } from "@/lib/keep/storage";
import { buildReport, WINDOWS, type Report, type SurfaceReport, type WindowName } from "@/lib/judge/report";
import { openDatabase } from "@/db/client";

const USAGE = `
usage: npm run -s report -- [--json] [--since 24h|7d|30d|90d | --storage]

Measured against official, per surface, from DATABASE_PATH (read-only): uptime, disagreement minutes, the grade and
every incident. --json prints one JSON object on stdout (npm run -s keeps npm's banner out: pipe it to jq).
  --since WINDOW    24h, 7d (default), 30d or 90d
  --storage         instead: what each table holds and weighs
`;

function parseCli(argv: string[]): { json: boolean; storage: boolean; window: WindowName } {
  exitWithHelpIfAsked(USAGE, argv);
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { json: { type: "boolean" }, since: { type: "string" }, storage: { type: "boolean" } }, strict: true, allowPositionals: false }));
  } catch (err) {
    exitWithUsageError(`${(err as Error).message} (usage: npm run -s report -- [--json] [--since 24h|7d|30d|90d | --storage])`);
  }
  const window = values.since ?? "7d";
  if (!(window in WINDOWS)) exitWithUsageError(`--since: must be one of ${Object.keys(WINDOWS).join(", ")}`);
  if (values.storage && values.since !== undefined) exitWithUsageError("--storage and --since: give one of them");
  return { json: values.json ?? false, storage: values.storage ?? false, window: window as WindowName };
}

const pct = (v: number | null) => (v === null ? "no data" : `${(v * 100).toFixed(3)}%`);
const minutes = (v: number | null) => (v === null ? "never" : `${v} min`);

function formatSurface(s: SurfaceReport): string {
  const lines = [
    `${s.name} (official component ${s.componentId}; series: ${s.series.join(", ") || "none yet"})`,
    `  measured uptime ${pct(s.measuredUptime)} over ${s.measuredMinutes} min with data (${s.noDataMinutes} min no data)`,
    `  official uptime ${pct(s.officialUptime)} over ${s.officialMinutes} min the page was read`,
    `  disagreement ${s.disagreement.totalMinutes} min; official "operational" while measured down: ${s.disagreement.officialUpMeasuredDownMinutes} min`,
    `  grade ${s.ack.grade ?? "n/a (nothing to acknowledge)"}; median acknowledgement ${minutes(s.ack.medianAckDelayMs === null ? null : Math.round(s.ack.medianAckDelayMs / 60_000))}; never acknowledged ${s.ack.neverAcknowledged} of ${s.ack.accountableIncidents}`,
  ];
  for (const i of s.incidents) {
    const ack = i.ackWords + (i.accountable ? "" : " (too short to grade)");
    const share = i.failureWords ? `${i.failureWords}; ` : "";
    lines.push(`  - ${i.startedAt} → ${i.endedAt ?? "ongoing"} (${i.durationMinutes} min) ${i.severity}, ${ack}; ${share}${i.errorMix}; ${i.series.join(", ")}`);
  }
  for (const o of s.officialWithoutImpact) {
    const what = o.measuredImpact === "none" ? "with no measured impact" : `from when Witness was not running (measured ${o.measuredMinutes} of ${o.minutes} min)`;
    lines.push(`  ! official incident ${what}: ${JSON.stringify(o.name)} (${o.impact}) at ${o.createdAt}${o.vanished ? `; vanished from the page unresolved, last seen ${o.resolvedAt}` : ""}`);
  }
  return lines.join("\n");
}

function formatReport(r: Report): string {
  return [`Witness report, last ${r.window} (${r.from} → ${r.to})`, ...r.surfaces.map(formatSurface)].join("\n\n") + "\n";
}

const args = parseCli(process.argv.slice(2));
const config = loadConfigOrExit({ withoutAlerts: true });
if (!existsSync(config.databasePath)) exitWithUsageError(`database: ${config.databasePath} does not exist yet (run npm start or npm run probe first)`);
let store;
try {
  store = openDatabase(config.databasePath, { readonly: true });
} catch (err) {
  exitWithUsageError(`database: ${(err as Error).message}`);
}
if (args.storage) {
  const storage = readStorage(store.sqlite);
  store.close();
  process.stdout.write(args.json ? `${JSON.stringify(storage, null, 2)}\n` : formatStorage(storage));
} else {
  const report = buildReport(store.db, config, args.window, Date.now());
  store.close();
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
}
