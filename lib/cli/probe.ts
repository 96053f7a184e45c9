/** `npm run probe -- --once [--json] [--only KIND[,KIND…]] [--timeout MS]`: run the probes once, store, print. */
import { parseArgs } from "node:util";
import { createCliLogger, exitWithHelpIfAsked, exitWithUsageError, loadConfigOrExit, openStoreOrExit } from "@/lib/cli/common";
import { acquireWriterLease, describeHolder, holdWriterLease } from "@/lib/keep/writer-lease";
import { planProbes } from "@/lib/measure/targets";
import { Worker } from "@/lib/measure/worker";
import { PROBE_KINDS, withVantage, type ProbeKind, type ProbeResult } from "@/probes/types";

interface Args {
  json: boolean;
  only?: ProbeKind[];
  timeoutMs?: number;
}

const USAGE = `
usage: npm run -s probe -- --once [--json] [--only KIND[,KIND…]] [--timeout MS]

Runs the selected probes once now, stores the results in DATABASE_PATH and prints a table, or with --json only a
JSON array of results on stdout (-s keeps npm's banner out of it).
  --once            required: the scheduled worker is npm start
  --json            print the results as JSON
  --only KINDS      comma-separated kinds: ${PROBE_KINDS.join(", ")}
  --timeout MS      replace every selected probe's deadline (1 to 600000)
Exit 0 when the probes ran, whatever they found; exit 2 with a one-line reason for bad arguments or configuration,
or when a running worker holds DATABASE_PATH (its results already go there; one writer per database).
`;

function parseCli(argv: string[]): Args {
  exitWithHelpIfAsked(USAGE, argv);
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { once: { type: "boolean" }, json: { type: "boolean" }, only: { type: "string" }, timeout: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    exitWithUsageError(`${(err as Error).message} (usage: npm run probe -- --once [--json] [--only KIND[,KIND…]] [--timeout MS])`);
  }
  if (!values.once) exitWithUsageError("--once is required: the scheduled worker is `npm start`");
  const only = values.only?.split(",").map((k) => k.trim());
  const unknown = only?.find((k) => !(PROBE_KINDS as readonly string[]).includes(k));
  if (only && (unknown !== undefined || only.length === 0)) exitWithUsageError(`--only: unknown kind "${unknown ?? ""}" (kinds: ${PROBE_KINDS.join(", ")})`);
  const timeoutMs = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000)) {
    exitWithUsageError("--timeout: must be a whole number of milliseconds from 1 to 600000");
  }
  return { json: values.json ?? false, only: only as ProbeKind[] | undefined, timeoutMs };
}

function formatTable(results: ProbeResult[]): string {
  const cell = (v: number | null) => (v == null ? "-" : String(Math.round(v)));
  const rows = results.map((r) => [r.probe, r.outcome, r.errorClass ?? "-", r.httpStatus ?? "-", cell(r.ttfbMs), cell(r.ttftMs), cell(r.totalMs), r.message ?? ""]);
  const header = ["probe", "outcome", "errorClass", "http", "ttfbMs", "ttftMs", "totalMs", "message"];
  const table = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...table.map((row) => (i === header.length - 1 ? 0 : (row[i] ?? "").length))));
  return table.map((row) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n") + "\n";
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2));
  const config = loadConfigOrExit({ withoutAlerts: true });
  const log = createCliLogger(config, args.json);
  const plan = planProbes(config, { only: args.only, timeoutMs: args.timeoutMs });
  if (plan.probes.length === 0) exitWithUsageError(`nothing to run: ${plan.skippedForBrowser ?? "every selected probe needs ANTHROPIC_API_KEY"}`);
  const store = openStoreOrExit(config);
  // One writer per database, as for a second worker: refuse before any probe is sent, naming the holder.
  const lease = acquireWriterLease(store.db);
  if (!lease.ok) {
    store.close();
    exitWithUsageError(`a running worker holds ${config.databasePath}: ${describeHolder(lease.holder)}; its results already go there (stop it, or point DATABASE_PATH elsewhere)`);
  }
  // Said once the run is sure to happen, so a refusal above stays one line.
  if (plan.skippedForKey.length > 0) log.warn(`ANTHROPIC_API_KEY is not set: skipping ${plan.skippedForKey.join(", ")}`);
  if (plan.skippedForBrowser) log.warn(plan.skippedForBrowser);
  if (lease.tookOverFrom) log.warn(`took over the writer lease of a worker that ${lease.holderGone ? "is no longer running" : "stopped renewing it"}: ${describeHolder(lease.tookOverFrom)}`);
  // The one-off probe records results and nothing else: its config holds no alerts (loaded without them), and it
  // gets no channels, so no outbox row is written and nothing is sent, whatever witness.config.yaml says.
  const worker = new Worker(config, store.db, createCliLogger(config, true), undefined, []);
  // Renewed while the probes run (a stream may outlast the lease's stale limit). Should a worker take the database
  // over meanwhile (only if this process stalled past that limit), probes still in flight are not stored.
  const held = holdWriterLease(store.db, lease.token, log, { onLost: () => void worker.stop(0) });
  let results: ProbeResult[];
  try {
    results = (await Promise.all(plan.probes.map((p) => worker.runAndStore(p)))).filter((r): r is ProbeResult => r !== null);
  } finally {
    held.release();
    store.close();
  }
  // Each result names the place that measured it (PRODUCT.md "One result"): this install, as `vantage.id` calls it.
  process.stdout.write(args.json ? `${JSON.stringify(results.map((r) => withVantage(r, config.vantage.id)), null, 2)}\n` : formatTable(results));
}

await main();
