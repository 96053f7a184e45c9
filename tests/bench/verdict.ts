/**
 * The hub's verdict (issue 18's numbers), all on 127.0.0.1:
 *   (d) time from the quorum-forming failure to the global incident, and to a webhook receiver: a hub and three
 *       `npm run vantage` processes, each probing its own simulator every 10 s; per trial one vantage's API path
 *       fails, then a second's, until the hub opens the global incident, then all recover;
 *   (e) the home page's data and /api/v1/status uncached (what a render costs) on a hub database of 5 vantages ×
 *       90 days × 8 series beside the single-vantage 90-day database, in the same run, as a ratio; the hub database's
 *       size; and the worker and web server's resident memory on it.
 * WITNESS_BENCH_DB (single) and WITNESS_BENCH_HUB_DB (5 vantages) reuse databases made once:
 *   npm run -s history -- --days 90 --out /tmp/h90.db
 *   npm run -s history -- --days 90 --vantages 5 --out /tmp/h90x5.db
 * Without them both are generated for the run (minutes).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Webhook } from "standardwebhooks";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { loadConfig, type Config } from "@/lib/config";
import { getSurfaceDays } from "@/lib/dashboard/days";
import { getStatusNow } from "@/lib/dashboard/now";
import { generateHistory } from "@/lib/simulator/history";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { fmt, median, printTable } from "@/tests/bench/stats";
import { startReceiver } from "@/tests/unit/alert-support";
import { baseEnv, newSecret, query, secretEnv, secretEnvName, sleep, startHub, until, vantageProcess, writeHubConfig, type VantageProcess } from "@/tests/unit/vantages-support";

const TRIALS = Number(process.env.BENCH_VERDICT_TRIALS ?? 3);
const RENDERS = Number(process.env.BENCH_VERDICT_RENDERS ?? 7);
const HUB_VANTAGES = 5;
const HOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

export async function benchVerdict(): Promise<void> {
  // BENCH_VERDICT_TRIALS=0 skips the live trials (about 90 s each) for the render figures alone.
  if (TRIALS > 0) await quorumToIncident();
  await renderAtScale();
}

async function quorumToIncident(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "witness-verdict-bench-"));
  const ids = ["lon", "fra", "iad"] as const;
  const secrets = Object.fromEntries(ids.map((id) => [id, newSecret()]));
  const receiver = await startReceiver();
  const hubSim = await startSimulator();
  const sims: Record<string, Simulator> = {};
  for (const id of ids) sims[id] = await startSimulator();
  const configPath = writeHubConfig(join(dir, "hub.yaml"), {
    ids,
    extra: ["alerts:", "  resolveHoldMinutes: 0.25", `  channels: [{ name: pager, type: webhook, url: "${receiver.url}/pager", secret: "${HOOK_SECRET}" }]`],
  });
  const dbPath = join(dir, "hub.db");
  const hub = await startHub({ env: baseEnv(hubSim.url, { WITNESS_CONFIG: configPath, ...secretEnv(secrets) }), dbPath, logPath: join(dir, "hub.log") });
  const running: VantageProcess[] = [];
  const toIncident: number[] = [];
  const toReceiver: number[] = [];
  try {
    for (const id of ids) {
      const config = join(dir, `${id}.yaml`);
      writeFileSync(config, `connectivityCheck: { url: "${sims[id]!.url.replace("127.0.0.1", "localhost")}/" }\n`);
      const proc = vantageProcess(id, baseEnv(sims[id]!.url, { WITNESS_CONFIG: config, WITNESS_HUB_URL: hub.url, WITNESS_VANTAGE_ID: id, WITNESS_VANTAGE_SECRET: secrets[id]! }), join(dir, `${id}.db`), join(dir, `${id}.log`));
      proc.start();
      running.push(proc);
    }
    await until("three live vantages", () => query<{ n: number }>(dbPath, "SELECT count(DISTINCT vantage) AS n FROM probe_results WHERE vantage IN ('lon','fra','iad') AND outcome = 'up'")[0]!.n === 3, 180_000);
    await sleep(30_000);
    for (let trial = 0; trial < TRIALS; trial++) {
      const since = Date.now();
      const before = query<{ n: number }>(dbPath, "SELECT count(*) AS n FROM measured_incidents WHERE scope = 'global'")[0]!.n;
      const paged = receiver.requests.length;
      sims.fra!.setFault("api", "reset_before_headers");
      await sleep(5_000 + Math.random() * 10_000);
      sims.lon!.setFault("api", "reset_before_headers");
      await until("a global incident", () => query<{ n: number }>(dbPath, "SELECT count(*) AS n FROM measured_incidents WHERE scope = 'global'")[0]!.n > before, 180_000);
      const decided = query<{ d: number }>(dbPath, "SELECT decided_at AS d FROM measured_incidents WHERE scope = 'global' ORDER BY id DESC LIMIT 1")[0]!.d;
      await until("the page at the receiver", () => receiver.requests.slice(paged).some((r) => opened(r.body, r.headers)), 120_000);
      const receivedAt = Date.now();
      // The failure that formed the quorum: the second vantage's first failing result (the later of the two).
      const first = (v: string) => query<{ at: number }>(dbPath, "SELECT min(started_at) AS at FROM probe_results WHERE vantage = ? AND series = 'edge' AND outcome = 'down' AND started_at >= ?", v, since)[0]!.at;
      const forming = Math.max(first("fra"), first("lon"));
      toIncident.push(decided - forming);
      toReceiver.push(receivedAt - forming);
      for (const id of ids) sims[id]!.setFault("api", "none");
      await until("the incident resolved", () => query<{ n: number }>(dbPath, "SELECT count(*) AS n FROM measured_incidents WHERE scope = 'global' AND ended_at IS NULL")[0]!.n === 0, 180_000);
      await sleep(30_000);
    }
    printTable(`Quorum-forming failure (the second vantage's first failing result) to the global incident and to the webhook receiver: 3 vantages, edge every 10 s, ${TRIALS} trials`, ["to", "median", "worst"], [
      ["global incident stored", `${fmt(median(toIncident) / 1000)} s`, `${fmt(Math.max(...toIncident) / 1000)} s`],
      ["webhook receiver", `${fmt(median(toReceiver) / 1000)} s`, `${fmt(Math.max(...toReceiver) / 1000)} s`],
    ]);
  } finally {
    await Promise.all(running.map((p) => p.stop()));
    await hub.stop();
    await Promise.all([hubSim, ...Object.values(sims)].map((s) => s.close()));
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function opened(body: string, headers: Record<string, unknown>): boolean {
  try {
    return (new Webhook(HOOK_SECRET).verify(body, headers as Record<string, string>) as { type: string }).type === "incident.opened";
  } catch {
    return false;
  }
}

/** A database at `reuse` copied into `dir` (migrated), or generated there. */
function prepare(dir: string, name: string, reuse: string | undefined, vantages: string[] | undefined): string {
  const path = join(dir, name);
  const t0 = performance.now();
  if (reuse) copyFileSync(reuse, path);
  const store = openDatabase(path);
  migrateDatabase(store.db);
  if (!reuse) generateHistory(store, loadConfig({ DATABASE_PATH: path }), { days: 90, now: Date.now(), seed: 90, vantages });
  store.sqlite.pragma("wal_checkpoint(TRUNCATE)");
  store.close();
  console.log(`${name}: ${reuse ? "copied" : "generated"} in ${fmt((performance.now() - t0) / 1000)} s`);
  return path;
}

async function renderAtScale(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "witness-verdict-render-"));
  const ids = Array.from({ length: HUB_VANTAGES }, (_, i) => `v${i + 1}`);
  const secrets = Object.fromEntries(ids.map((id) => [id, newSecret()]));
  const hubYaml = join(dir, "hub.yaml");
  writeFileSync(hubYaml, ["vantage: { probe: false }", "vantages:", ...ids.map((id) => `  - { id: ${id}, name: Vantage ${id}, secret: "\${${secretEnvName(id)}}" }`), ""].join("\n"));
  const secretsEnv = secretEnv(secrets);
  try {
    const single = prepare(dir, "single.db", process.env.WITNESS_BENCH_DB, undefined);
    const hubDb = prepare(dir, "hub.db", process.env.WITNESS_BENCH_HUB_DB, ids);
    const count = (path: string) => query<{ n: number }>(path, "SELECT count(*) AS n FROM probe_results")[0]!.n;
    const cases: { name: string; path: string; config: Config }[] = [
      { name: "single vantage", path: single, config: loadConfig({ DATABASE_PATH: single }) },
      { name: `hub, ${HUB_VANTAGES} vantages`, path: hubDb, config: loadConfig({ DATABASE_PATH: hubDb, WITNESS_CONFIG: hubYaml, ...secretsEnv }) },
    ];
    const timings = new Map<string, { home: number[]; status: number[] }>(cases.map((c) => [c.name, { home: [], status: [] }]));
    const stores = cases.map((c) => ({ c, store: openDatabase(c.path, { readonly: true }) }));
    // Alternated, so a busy moment of the machine falls on both sides alike.
    for (let i = 0; i < RENDERS; i++) {
      for (const { c, store } of stores) {
        const now = Date.now();
        let t = performance.now();
        getStatusNow(store.db, c.config, now);
        timings.get(c.name)!.status.push(performance.now() - t);
        t = performance.now();
        getStatusNow(store.db, c.config, now);
        getSurfaceDays(store.db, c.config, now);
        timings.get(c.name)!.home.push(performance.now() - t);
      }
    }
    for (const { store } of stores) store.close();
    const base = timings.get(cases[0]!.name)!;
    printTable(`Home page data and /api/v1/status uncached (in-process, median of ${RENDERS}): a hub of ${HUB_VANTAGES} vantages × 90 days × 8 series beside one vantage's 90 days`, ["database", "results", "size", "home page data", "× single", "/api/v1/status", "× single"], cases.map((c) => {
      const t = timings.get(c.name)!;
      return [c.name, count(c.path).toLocaleString("en"), `${fmt(statSync(c.path).size / 1e6, 0)} MB`, `${fmt(median(t.home))} ms`, fmt(median(t.home) / median(base.home), 2), `${fmt(median(t.status))} ms`, fmt(median(t.status) / median(base.status), 2)];
    }));
    // The hub as npm start runs it on the 5-vantage database: what its two processes hold after serving pages.
    const hubSim = await startSimulator();
    const hub = await startHub({ env: baseEnv(hubSim.url, { WITNESS_CONFIG: hubYaml, ...secretsEnv }), dbPath: hubDb, logPath: join(dir, "hub.log") });
    try {
      // Past the start: the worker's first ticks and the web server's first renders.
      await sleep(10_000);
      for (let i = 0; i < 2; i++) await (await fetch(`${hub.url}/`, { headers: { "cache-control": "no-cache" } })).arrayBuffer();
      const served: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        const res = await fetch(`${hub.url}/`, { headers: { "cache-control": "no-cache" } });
        await res.arrayBuffer();
        served.push(performance.now() - t);
        await sleep(1_000);
      }
      const rss = processRss(hubDb);
      printTable(`The hub on the ${HUB_VANTAGES}-vantage database (npm start's two processes)`, ["home page served (median of 10, no-cache, after 2 warm-ups)", "worker + web RSS"], [[`${fmt(median(served))} ms`, `${fmt(rss)} MB`]]);
    } finally {
      await hub.stop();
      await hubSim.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resident memory of every process whose command line or environment names `dbPath` (the hub's worker and web server). */
function processRss(dbPath: string): number {
  let total = 0;
  const pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  for (const pid of pids) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, "utf8");
      if (!env.includes(`DATABASE_PATH=${dbPath}`)) continue;
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
    } catch {
      // gone, or not ours to read
    }
  }
  return total;
}
