/**
 * Alert delivery: (a) delay from the confirming result being recorded to the webhook receiver getting "opened", over
 * incidents driven through a real Recorder and Dispatcher on a database file; (b) deliveries per second one channel
 * sustains against a receiver answering 200 at once; (c) the worker's recorded probe TTFB with 1,000 deliveries
 * pending to a slow receiver, against none. Receivers and the simulator on 127.0.0.1 only.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openDatabase, type Db } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { buildChannels } from "@/lib/alerts/channels";
import { Dispatcher } from "@/lib/alerts/dispatcher";
import { monitorOfflineEvent } from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import { loadConfig } from "@/lib/config";
import type { Logger } from "@/lib/log";
import { Recorder } from "@/lib/measure/recorder";
import { planProbes } from "@/lib/measure/targets";
import { Worker } from "@/lib/measure/worker";
import type { ProbeResult } from "@/probes/types";
import { startSimProcess } from "@/tests/bench/sim-process";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const INCIDENTS = Number(process.env.BENCH_ALERTS_INCIDENTS ?? 50);
const QUEUED = Number(process.env.BENCH_ALERTS_QUEUED ?? 2_000);
const PENDING = 1_000;
const SECONDS = Number(process.env.BENCH_ALERTS_SECONDS ?? 20);
const SLOW_MS = 100;
const TTFB_MS = 200;
const MIN = 60_000;
const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

interface Hook {
  url: string;
  /** performance.now() when each request's body had arrived, by webhook-id. */
  arrivals: Map<string, number>;
  count: number;
  close(): Promise<void>;
}

/** A webhook receiver that notes when each request arrived and answers 200 after `delayMs`. */
async function startHook(delayMs = 0): Promise<Hook> {
  const hook = { url: "", arrivals: new Map<string, number>(), count: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hook.arrivals.set(String(req.headers["webhook-id"]), performance.now());
      hook.count += 1;
      const answer = () => res.writeHead(200).end();
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  hook.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return hook;
}

/** A config file with one webhook channel to `url` (and whatever else), loaded like the worker loads it. */
function configWith(dir: string, url: string | null, extra: string[] = [], env: Record<string, string> = {}) {
  const path = join(dir, "witness.config.yaml");
  const channel = url ? ["alerts:", "  channels:", "    - name: ops", "      type: webhook", `      url: ${url}`, `      secret: ${SECRET}`] : [];
  writeFileSync(path, [...extra, ...channel, ""].join("\n"));
  return loadConfig({ WITNESS_CONFIG: path, DATABASE_PATH: join(dir, "w.db"), ...env });
}

function edgeResult(at: number, down: boolean): ProbeResult {
  return {
    probe: "edge",
    kind: "edge",
    model: null,
    startedAt: new Date(at).toISOString(),
    outcome: down ? "down" : "up",
    errorClass: down ? "overloaded" : null,
    httpStatus: down ? 529 : 401,
    dnsMs: 0,
    connectMs: 1,
    tlsMs: null,
    ttfbMs: 20,
    ttftMs: null,
    totalMs: 25,
    outputTokens: null,
    tokensPerSecond: null,
    requestId: null,
    message: down ? "HTTP 529 overloaded_error" : null,
    details: null,
  };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench alerts: timed out waiting for ${what}`);
    // Arrival times are taken by the receiver itself, so this poll's granularity does not enter the delay.
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** (a) Each incident: two failing results (the second confirms it), then three successes; 40 min apart so none folds into the last. */
async function confirmToReceiver(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "witness-bench-alerts-"));
  const hook = await startHook();
  const config = configWith(dir, hook.url, ["incidents: { minWindowResults: 2 }"]);
  const store = openDatabase(config.databasePath);
  migrateDatabase(store.db);
  const recorder = new Recorder(config, store.db, quiet);
  const dispatcher = new Dispatcher(config.alerts, store.db, quiet, buildChannels(config.alerts.channels));
  dispatcher.start();
  const delays: number[] = [];
  // In the past: an outbox row is due from the fact's time on.
  let t = Date.now() - INCIDENTS * 40 * MIN;
  try {
    for (let i = 0; i < INCIDENTS; i++) {
      recorder.record({ result: edgeResult(t, true) });
      t += MIN;
      recorder.record({ result: edgeResult(t, true) });
      const recordedAt = performance.now();
      // The worker nudges the dispatcher after each stored result; so does this loop.
      dispatcher.nudge();
      const before = hook.count;
      await until(() => hook.count > before, 10_000, `incident ${i} opened`);
      const lastId = [...hook.arrivals.keys()].at(-1)!;
      if (!lastId.startsWith("incident.opened:")) throw new Error(`bench alerts: the delivery after a confirmation was ${lastId}, not an opened`);
      delays.push(hook.arrivals.get(lastId)! - recordedAt);
      for (let k = 0; k < 3; k++) recorder.record({ result: edgeResult((t += MIN), false) });
      dispatcher.nudge();
      const opened = hook.count;
      await until(() => hook.count > opened, 10_000, `incident ${i} resolved`);
      t += 36 * MIN;
    }
  } finally {
    await dispatcher.stop();
    await hook.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return delays;
}

/** (b) QUEUED events for one channel, receiver answering at once: deliveries per second until the last is recorded. */
async function deliveriesPerSecond(): Promise<{ perSecond: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), "witness-bench-alerts-"));
  const hook = await startHook();
  const config = configWith(dir, hook.url);
  const store = openDatabase(config.databasePath);
  migrateDatabase(store.db);
  const base = Date.now() - QUEUED * MIN;
  store.db.transaction((tx) => {
    for (let i = 0; i < QUEUED; i++) enqueueEvent(tx as unknown as Db, config.alerts.channels, monitorOfflineEvent(base + i * MIN, `event ${i}`), new Date(base));
  });
  let delivered = 0;
  const dispatcher = new Dispatcher(config.alerts, store.db, quiet, buildChannels(config.alerts.channels), { onDelivered: () => (delivered += 1) });
  const started = performance.now();
  dispatcher.start();
  try {
    await until(() => delivered >= QUEUED, 300_000, `${QUEUED} deliveries`);
  } finally {
    await dispatcher.stop();
    await hook.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: QUEUED / seconds, seconds };
}

interface TimingRun {
  ttfb: number[];
  delivered: number;
  pendingAtEnd: number;
}

/** (c) A real Worker probing the simulator (edge and stream every second) for SECONDS, with or without the pending load. */
async function probeTiming(simUrl: string, pending: number): Promise<TimingRun> {
  const dir = mkdtempSync(join(tmpdir(), "witness-bench-alerts-"));
  const hook = pending > 0 ? await startHook(SLOW_MS) : null;
  const probes = ["probes:", "  messages: { enabled: false }", "  web: { enabled: false }", "  status: { enabled: false }", "  console: { enabled: false }", "  browser: { enabled: false }", "  code: { enabled: false }", "  edge: { intervalSeconds: 1, timeoutMs: 5000 }", "  stream: { intervalSeconds: 1, timeoutMs: 5000 }"];
  const config = configWith(dir, hook?.url ?? null, probes, { ANTHROPIC_API_KEY: "sk-bench-not-a-real-key", ANTHROPIC_BASE_URL: simUrl });
  const store = openDatabase(config.databasePath);
  migrateDatabase(store.db);
  const base = Date.now() - pending * MIN;
  store.db.transaction((tx) => {
    for (let i = 0; i < pending; i++) enqueueEvent(tx as unknown as Db, config.alerts.channels, monitorOfflineEvent(base + i * MIN, `event ${i}`), new Date(base));
  });
  const results: ProbeResult[] = [];
  const worker = new Worker(config, store.db, quiet, (run) => results.push(run.result));
  try {
    worker.start(planProbes(config).probes);
    const t0 = Date.now() + 2_000;
    await new Promise((r) => setTimeout(r, 2_000 + SECONDS * 1000));
    await worker.stop(5_000);
    const inWindow = results.filter((r) => Date.parse(r.startedAt) >= t0 && r.ttfbMs !== null);
    const left = store.sqlite.prepare("SELECT count(*) AS n FROM alert_outbox WHERE state = 'pending'").get() as { n: number };
    return { ttfb: inWindow.map((r) => r.ttfbMs!), delivered: worker.dispatcher.stats.delivered, pendingAtEnd: left.n };
  } finally {
    await hook?.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchAlerts(): Promise<void> {
  const delays = await confirmToReceiver();
  const rate = await deliveriesPerSecond();
  const sim = await startSimProcess();
  let none: TimingRun;
  let loaded: TimingRun;
  try {
    await sim.control("fault", { target: "api", fault: "none", ttfbMs: TTFB_MS });
    none = await probeTiming(sim.url, 0);
    loaded = await probeTiming(sim.url, PENDING);
  } finally {
    await sim.stop();
  }
  printTable(`Alert delivery (webhook channel, Standard Webhooks signed, receiver on 127.0.0.1; load avg ${fmt(loadavg()[0]!, 2)})`, ["measure", "value", "detail"], [
    ["confirming result recorded → receiver has opened, median", `${fmt(median(delays), 2)} ms`, `${delays.length} incidents through a real Recorder + Dispatcher on a database file`],
    ["same, p99", `${fmt(quantile(delays, 0.99), 2)} ms`, `max ${fmt(Math.max(...delays), 2)} ms`],
    ["deliveries per second, one channel", fmt(rate.perSecond, 0), `${QUEUED.toLocaleString("en")} queued events in ${fmt(rate.seconds, 2)} s, receiver answering 200 at once`],
  ]);
  const ratio = (f: (v: number[]) => number) => fmt(f(loaded.ttfb) / f(none.ttfb), 3);
  printTable(`Worker probe timing (edge + stream every 1 s, ${SECONDS} s, injected TTFB ${TTFB_MS} ms): recorded TTFB in ms`, ["outbox", "probes", "TTFB median", "TTFB p99", "deliveries during the run"], [
    ["none pending", none.ttfb.length, fmt(median(none.ttfb), 1), fmt(quantile(none.ttfb, 0.99), 1), none.delivered],
    [`${PENDING.toLocaleString("en")} pending, receiver answering after ${SLOW_MS} ms`, loaded.ttfb.length, fmt(median(loaded.ttfb), 1), fmt(quantile(loaded.ttfb, 0.99), 1), `${loaded.delivered} (${loaded.pendingAtEnd} still pending)`],
    ["ratio loaded / none", "", ratio(median), ratio((v) => quantile(v, 0.99)), ""],
  ]);
}
