/**
 * Vantages (issue 17's numbers), on one hub run as npm start runs it (its worker and web server) on a copy of a 90-day
 * database, everything on 127.0.0.1:
 *   (a) ingest throughput through the real endpoint: signed batches of 500 results for one vantage sent back to back,
 *       results/s with the hub's rollups and detector included;
 *   (b) delay from a vantage's commit to the hub's, with 3 `npm run vantage` processes probing every 10 s;
 *   (c) drain time of a 1-hour backlog of 10 series at 10 s (3,600 rows) put straight into a vantage's database.
 * WITNESS_BENCH_DB=/tmp/h90.db reuses a history made once (`npm run -s history -- --days 90 --out /tmp/h90.db`): it
 * is copied, never written. Without it a 90-day history is generated for the run.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertProbeResults } from "@/db/queries/probe-results";
import { loadConfig } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { signedHeaders } from "@/lib/vantage/wire";
import type { ProbeKind, ProbeResult } from "@/probes/types";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";
import { sampleResult } from "@/tests/unit/support";
import { baseEnv, newSecret, query, secretEnv, sleep, startHub, until, vantageProcess, writeHubConfig, writeVantageConfig, type VantageProcess } from "@/tests/unit/vantages-support";

const BATCHES = Number(process.env.BENCH_VANTAGES_BATCHES ?? 40);
const BATCH_SIZE = 500;
const DELAY_SECONDS = Number(process.env.BENCH_VANTAGES_SECONDS ?? 120);
const BACKLOG_SERIES = 10;
const BACKLOG_EVERY_MS = 10_000;
const BACKLOG_ROWS = (3_600_000 / BACKLOG_EVERY_MS) * BACKLOG_SERIES;
const LIVE = ["ams", "fra", "sfo"] as const;
const IDS = ["bench", ...LIVE, "drain"] as const;

/** Series as a full plan names them, so each maps to a surface and the hub's detector runs for it. */
const SERIES: { probe: string; kind: ProbeKind; model: string | null }[] = [
  { probe: "edge", kind: "edge", model: null },
  { probe: "web", kind: "web", model: null },
  { probe: "status", kind: "status", model: null },
  { probe: "console", kind: "console", model: null },
  ...["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"].flatMap((m) => [
    { probe: `messages:${m}`, kind: "messages" as const, model: m },
    { probe: `stream:${m}`, kind: "stream" as const, model: m },
  ]),
];

function result(series: (typeof SERIES)[number], startedAt: number, isDown: boolean): ProbeResult {
  const keyed = series.model !== null;
  return sampleResult(new Date(startedAt).toISOString(), {
    ...series,
    ...(isDown ? { outcome: "down", errorClass: "overloaded", httpStatus: 529, message: "Overloaded" } : {}),
    dnsMs: 1,
    connectMs: 2,
    tlsMs: 8,
    ttfbMs: 210,
    ttftMs: keyed ? 380 : null,
    totalMs: 640,
    outputTokens: keyed ? 12 : null,
    tokensPerSecond: keyed ? 48 : null,
    requestId: keyed ? `req_bench${startedAt}` : null,
  });
}

export async function benchVantages(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "witness-vantages-bench-"));
  const dbPath = join(dir, "hub.db");
  const secrets = Object.fromEntries(IDS.map((id) => [id, newSecret()]));
  const configPath = writeHubConfig(join(dir, "hub.yaml"), { ids: IDS, extra: ["connectivityCheck: { url: null }"] });
  const t0 = performance.now();
  const reuse = process.env.WITNESS_BENCH_DB;
  if (reuse) copyFileSync(reuse, dbPath);
  const store = openDatabase(dbPath);
  migrateDatabase(store.db);
  const history = reuse
    ? (store.sqlite.prepare("SELECT count(*) AS n FROM probe_results").get() as { n: number }).n
    : generateHistory(store, loadConfig({ DATABASE_PATH: dbPath }), { days: 90, now: Date.now(), seed: 90 }).results;
  store.close();
  console.log(`\n90-day database: ${history.toLocaleString("en")} results (${reuse ? "copied" : "generated"} in ${fmt((performance.now() - t0) / 1000)} s)`);

  const hubSim = await startSimulator();
  const sims: Simulator[] = [hubSim];
  const hubEnv = baseEnv(hubSim.url, { WITNESS_CONFIG: configPath, ...secretEnv(secrets) });
  const hub = await startHub({ env: hubEnv, dbPath, logPath: join(dir, "hub.log") });
  const running: VantageProcess[] = [];
  try {
    // (a) Throughput. 10 series, each result 10 s after the last of its series, ending now; 1 in 100 down.
    const total = BATCHES * BATCH_SIZE;
    const start = Date.now() - (total / SERIES.length) * 10_000;
    const all = Array.from({ length: total }, (_, i) => result(SERIES[i % SERIES.length]!, start + Math.floor(i / SERIES.length) * 10_000 + (i % SERIES.length), i % 100 === 7));
    const post = async (id: string, batchId: string, results: ProbeResult[]) => {
      const body = JSON.stringify({ batchId, backlog: 0, results });
      const res = await fetch(`${hub.url}/api/v1/vantages/${id}/results`, { method: "POST", headers: { "content-type": "application/json", ...signedHeaders(secrets[id]!, batchId, body, new Date()) }, body });
      const answer = (await res.json()) as { accepted?: number };
      if (res.status !== 200) throw new Error(`batch ${batchId}: HTTP ${res.status} ${JSON.stringify(answer)}`);
      return answer.accepted ?? 0;
    };
    let accepted = 0;
    const began = performance.now();
    const perBatch: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const at = performance.now();
      accepted += await post("bench", `bench-${b}`, all.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE));
      perBatch.push(performance.now() - at);
    }
    const seconds = (performance.now() - began) / 1000;
    printTable(`Hub ingest through the public endpoint (front → worker), 90-day database, ${BATCHES} signed batches of ${BATCH_SIZE}`, ["results", "accepted", "wall", "results/s", "batch p50", "batch p99", "goal"], [
      [total.toLocaleString("en"), accepted.toLocaleString("en"), `${fmt(seconds)} s`, fmt(total / seconds, 0), `${fmt(median(perBatch), 0)} ms`, `${fmt(quantile(perBatch, 0.99), 0)} ms`, "≥ 2,000/s"],
    ]);

    // (b) Delay, vantage commit → hub commit. The vantage database has no commit time: this loop polls each vantage's
    // database every 100 ms and takes the moment a row first shows as its commit; the hub's commit is its received_at.
    const vantageConfig = writeVantageConfig(join(dir, "vantage.yaml"));
    const vantageEnv = (id: string, sim: Simulator) => baseEnv(sim.url, { WITNESS_CONFIG: vantageConfig, WITNESS_HUB_URL: hub.url, WITNESS_VANTAGE_ID: id, WITNESS_VANTAGE_SECRET: secrets[id]! });
    const live: { id: string; proc: VantageProcess; seen: Map<string, number>; lastId: number; db: Database.Database | null }[] = [];
    for (const id of LIVE) {
      const sim = await startSimulator();
      sims.push(sim);
      const proc = vantageProcess(id, vantageEnv(id, sim), join(dir, `${id}.db`), join(dir, `${id}.log`));
      proc.start();
      running.push(proc);
      live.push({ id, proc, seen: new Map(), lastId: 0, db: null });
    }
    const pollEnd = Date.now() + DELAY_SECONDS * 1000;
    while (Date.now() < pollEnd) {
      for (const v of live) {
        try {
          v.db ??= new Database(v.proc.dbPath, { readonly: true, fileMustExist: true });
          const rows = v.db.prepare("SELECT id, series, started_at AS s FROM probe_results WHERE vantage = 'local' AND id > ? ORDER BY id").all(v.lastId) as { id: number; series: string; s: number }[];
          const now = Date.now();
          for (const r of rows) v.seen.set(`${r.series}@${r.s}`, now);
          if (rows.length > 0) v.lastId = rows.at(-1)!.id;
        } catch {
          // Not created or migrated yet.
          v.db?.close();
          v.db = null;
        }
      }
      await sleep(100);
    }
    await sleep(15_000);
    const delays: number[] = [];
    let unseen = 0;
    for (const v of live) {
      v.db?.close();
      const atHub = new Map(query<{ series: string; s: number; r: number }>(dbPath, "SELECT series, started_at AS s, received_at AS r FROM probe_results WHERE vantage = ?", v.id).map((x) => [`${x.series}@${x.s}`, x.r]));
      for (const [k, seenAt] of v.seen) {
        const r = atHub.get(k);
        if (r === undefined) unseen += 1;
        else delays.push(r - seenAt);
      }
    }
    printTable(`Delay from a vantage's commit to the hub's commit: 3 vantages, edge/web/status every 10 s, ${DELAY_SECONDS} s`, ["rows", "median", "p99", "max", "not at the hub 15 s after the run"], [
      [delays.length, `${fmt(median(delays) / 1000, 2)} s`, `${fmt(quantile(delays, 0.99) / 1000, 2)} s`, `${fmt(Math.max(...delays) / 1000, 2)} s`, unseen],
    ]);
    await Promise.all(running.map((p) => p.stop()));

    // (c) Drain. 3,600 results of 10 series at 10 s over the last hour, committed as the worker would, then the vantage.
    const drainDb = join(dir, "drain.db");
    const drain = openDatabase(drainDb);
    migrateDatabase(drain.db);
    const hourAgo = Date.now() - 3_600_000;
    const backlog = Array.from({ length: BACKLOG_ROWS }, (_, i) => result(SERIES[i % BACKLOG_SERIES]!, hourAgo + Math.floor(i / BACKLOG_SERIES) * BACKLOG_EVERY_MS, false));
    insertProbeResults(drain.db, backlog);
    drain.close();
    const drainSim = await startSimulator();
    sims.push(drainSim);
    const proc = vantageProcess("drain", vantageEnv("drain", drainSim), drainDb, join(dir, "drain.log"));
    const spawnedAt = performance.now();
    proc.start();
    running.push(proc);
    const cutoff = hourAgo + 3_600_000;
    const count = () => query<{ n: number }>(dbPath, "SELECT count(*) AS n FROM probe_results WHERE vantage = 'drain' AND started_at < ?", cutoff)[0]!.n;
    let firstAt = 0;
    await until("the backlog at the hub", () => {
      const n = count();
      if (n > 0 && firstAt === 0) firstAt = performance.now();
      return n >= BACKLOG_ROWS;
    }, 600_000);
    const doneAt = performance.now();
    printTable(`Drain of a 1-hour backlog: ${BACKLOG_SERIES} series at 10 s (${BACKLOG_ROWS.toLocaleString("en")} results) from a restarted vantage`, ["results", "start to first rows", "first rows to all", "start to all"], [
      [BACKLOG_ROWS.toLocaleString("en"), `${fmt((firstAt - spawnedAt) / 1000)} s`, `${fmt((doneAt - firstAt) / 1000, 2)} s`, `${fmt((doneAt - spawnedAt) / 1000)} s`],
    ]);
  } finally {
    await Promise.all(running.map((p) => p.stop()));
    await hub.stop();
    await Promise.all(sims.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}
