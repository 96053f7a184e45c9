/**
 * Probe timing under the worker's other work: a real Worker and Recorder on a database file, stream probes every
 * second, and the status probe reading a ~1 MB official page. Measures the event loop's delay, the probe ticks
 * that never ran, and how far the recorded TTFB/TTFT move from the simulator's injected delays.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { officialIncidents, officialIncidentUpdates, officialPayloads } from "@/db/schema";
import { loadConfig } from "@/lib/config";
import type { Logger } from "@/lib/log";
import { Recorder } from "@/lib/measure/recorder";
import type { RunOutput } from "@/lib/measure/run-probe";
import { planProbes } from "@/lib/measure/targets";
import { Worker } from "@/lib/measure/worker";
import type { StatusChange } from "@/lib/simulator";
import { startSimProcess, type SimProcess } from "@/tests/bench/sim-process";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";

const SECONDS = Number(process.env.BENCH_EVENTLOOP_SECONDS ?? 20);
const TTFB_MS = 200;
const GAP_MS = 50;
// Every 2 s rather than the real 60 s, so a short run records the page ten times instead of once.
const STATUS_EVERY_S = 2;
// The monitor's timer fires every RESOLUTION_MS and records the whole interval since the last firing: the delay is
// that interval minus the resolution. 1 ms catches every block longer than about a millisecond.
const RESOLUTION_MS = 1;
const MODELS = ["claude-haiku-4-5", "claude-sonnet-4-5"];

interface Scenario {
  name: string;
  status: StatusChange | null;
}

const SCENARIOS: Scenario[] = [
  // First, so the JIT is warm before any page that matters, and as the noise floor of this machine.
  { name: "operational fixture (baseline)", status: null },
  { name: "9,000 open incidents, unchanged (1.01 MB)", status: { bulkIncidents: { count: 9_000 } } },
  { name: "6,000 open incidents, all edited every read (0.91 MB)", status: { bulkIncidents: { count: 6_000, churn: true } } },
  { name: "50 incidents x 20 updates x 900 chars, edited every read (1.0 MB)", status: { bulkIncidents: { count: 50, updates: 20, bodyChars: 900, churn: true } } },
];

export async function benchEventLoop(): Promise<void> {
  const sim = await startSimProcess();
  const rows: (string | number)[][] = [];
  const costRows: (string | number)[][] = [];
  try {
    for (const scenario of SCENARIOS) {
      const out = await runScenario(sim, scenario);
      rows.push([scenario.name, ...out.row]);
      costRows.push([scenario.name, ...out.cost]);
    }
  } finally {
    await sim.stop();
  }
  printTable(
    `Event loop while the official page is recorded: ${SECONDS} s, ${MODELS.length} stream probes every 1 s, status every ${STATUS_EVERY_S} s, injected TTFB ${TTFB_MS} ms / gap ${GAP_MS} ms (delays in ms, monitorEventLoopDelay at ${RESOLUTION_MS} ms minus its resolution)`,
    ["page", "delay p50", "p99", "p99.9", "max", "status ticks recorded", "probe ticks due / run / lost (skipped)", "TTFB err median / p99 / max", "TTFT err median / max", "load avg"],
    rows,
  );
  printTable("What the recording cost and kept (Recorder.record, synchronous, per status result)", ["page", "record ms median", "record ms max", "incidents stored", "updates stored", "payloads stored"], costRows);
}

async function runScenario(sim: SimProcess, scenario: Scenario) {
  await sim.control("reset");
  await sim.control("fault", { target: "api", fault: "none", ttfbMs: TTFB_MS, gapMs: GAP_MS });
  if (scenario.status) await sim.control("status", scenario.status);
  const dir = mkdtempSync(join(tmpdir(), "witness-bench-eventloop-"));
  const configPath = join(dir, "witness.config.yaml");
  writeFileSync(
    configPath,
    [
      `models: [${MODELS.join(", ")}]`,
      "probes:",
      "  messages: { enabled: false }",
      "  edge: { enabled: false }",
      "  web: { enabled: false }",
      "  console: { enabled: false }",
      "  browser: { enabled: false }",
      "  code: { enabled: false }",
      "  stream: { intervalSeconds: 1, timeoutMs: 5000, idleTimeoutMs: 2000 }",
      `  status: { intervalSeconds: ${STATUS_EVERY_S} }`,
      "",
    ].join("\n"),
  );
  const env = { WITNESS_CONFIG: configPath, ANTHROPIC_API_KEY: "sk-bench-not-a-real-key", ANTHROPIC_BASE_URL: sim.url, STATUS_PAGE_URL: sim.url, DATABASE_PATH: join(dir, "w.db") };
  const config = loadConfig(env);
  const store = openDatabase(config.databasePath);
  migrateDatabase(store.db);

  const results: RunOutput["result"][] = [];
  const recordMs: number[] = [];
  const restore = timeStatusRecords(recordMs);
  const warnings: string[] = [];
  const log: Logger = { info: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const worker = new Worker(config, store.db, log, (run) => results.push(run.result));
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  try {
    worker.start(planProbes(config).probes);
    // The window starts half a second into a second, so exactly SECONDS ticks of each 1 s probe fall inside it.
    const t0 = Math.ceil((Date.now() + 2_000) / 1000) * 1000 + 500;
    const t1 = t0 + SECONDS * 1000;
    await sleep(t0 - Date.now());
    histogram.enable();
    await sleep(t1 - Date.now());
    histogram.disable();
    await worker.stop(5_000);

    const inWindow = results.filter((r) => Date.parse(r.startedAt) >= t0 && Date.parse(r.startedAt) < t1);
    const streams = inWindow.filter((r) => r.kind === "stream");
    const due = SECONDS * MODELS.length;
    const skipped = Object.values(worker.getStats().skippedTicks).reduce((a, b) => a + b, 0);
    const ok = streams.filter((r) => r.ttfbMs !== null && r.ttftMs !== null);
    const ttfbErr = ok.map((r) => r.ttfbMs! - TTFB_MS);
    const ttftErr = ok.map((r) => r.ttftMs! - (TTFB_MS + GAP_MS));
    const delay = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const statusTicks = inWindow.filter((r) => r.kind === "status");
    const failed = [...streams, ...statusTicks].filter((r) => r.outcome !== "up").map((r) => `${r.probe} ${r.errorClass}: ${r.message}`);
    if (failed.length > 0) console.error(`  ${scenario.name}: ${failed.length} results not up, e.g. ${failed[0]}`);
    const row = [
      fmt(delay(histogram.percentile(50)), 2),
      fmt(delay(histogram.percentile(99)), 2),
      fmt(delay(histogram.percentile(99.9)), 2),
      fmt(delay(histogram.max), 1),
      `${statusTicks.length} of ${SECONDS / STATUS_EVERY_S}`,
      `${due} / ${streams.length} / ${due - streams.length} (${skipped})`,
      `${fmt(median(ttfbErr))} / ${fmt(quantile(ttfbErr, 0.99))} / ${fmt(Math.max(...ttfbErr))}`,
      `${fmt(median(ttftErr))} / ${fmt(Math.max(...ttftErr))}`,
      // Two cores shared with other work: a busy machine delays the loop by itself, as the baseline row shows.
      fmt(loadavg()[0]!, 2),
    ];
    const cost = [
      fmt(median(recordMs), 2),
      fmt(Math.max(...recordMs), 1),
      store.db.select().from(officialIncidents).all().length,
      store.db.select().from(officialIncidentUpdates).all().length,
      store.db.select().from(officialPayloads).all().length,
    ];
    return { row, cost };
  } finally {
    restore();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Time every Recorder.record of a status result: the synchronous write the probes wait behind. */
function timeStatusRecords(into: number[]): () => void {
  const original = Recorder.prototype.record;
  Recorder.prototype.record = function (this: Recorder, run: RunOutput) {
    const start = performance.now();
    try {
      return original.call(this, run);
    } finally {
      if (run.status) into.push(performance.now() - start);
    }
  };
  return () => {
    Recorder.prototype.record = original;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
