/**
 * The outage crowd (PRODUCT.md): on the 90-day database with the worker probing the simulator, autocannon loads `/`,
 * /api/v1/status, a badge and /feed.xml on the web server npm start runs, and then a bare node:http server (its own
 * process, like Witness's) that returns the very bytes Witness sent, same encoding, from memory. Ratio = Witness / bare.
 * Meanwhile the worker must keep storing its results on time: results stored during the load against those due (the
 * five series the history has, every 10 s; console, browser and code are off, so every series' due count is right).
 * Then the crowd's floods (tests/bench/crowd-floods.ts) against a normal visitor, and the web server's memory.
 *
 * WITNESS_BENCH_DB=/tmp/h90.db reuses a history made once (`npm run -s history -- --days 90 --out /tmp/h90.db`): it is
 * copied, never written. Without it a 90-day history is generated for the run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { spawnWeb, bundleWorker, nextEnv, PROJECT_ROOT, runNextBuild, webBuildState } from "@/lib/cli/serve";
import { loadConfig } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";
import { benchFloods } from "@/tests/bench/crowd-floods";
import { startSimProcess } from "@/tests/bench/sim-process";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";
import { freePort, waitForServer } from "@/tests/bench/web";

const DURATION_S = 10;
const CONNECTIONS = 50;
/** What a browser sends; Witness answers br, and the bare server is handed those br bytes. */
const ACCEPT_ENCODING = "gzip, deflate, br";
const INTERVAL_S = 10;
const ROUTES = ["/", "/api/v1/status", "/api/v1/badges/api.svg", "/feed.xml"] as const;

/** A bare node:http server in a child process: each path answers the given headers and body, nothing else. */
async function startBare(dir: string, answers: Record<string, { headers: Record<string, string>; file: string }>): Promise<{ url: string; child: ChildProcess }> {
  const manifest = join(dir, "bare.json");
  writeFileSync(manifest, JSON.stringify(answers));
  const port = await freePort();
  const script = `
    const http = require("node:http"), fs = require("node:fs");
    const answers = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const a of Object.values(answers)) a.body = fs.readFileSync(a.file);
    http.createServer((req, res) => {
      const a = answers[req.url];
      if (!a) { res.statusCode = 404; return res.end(); }
      res.writeHead(200, { ...a.headers, "content-length": a.body.length });
      res.end(a.body);
    }).listen(${port}, "127.0.0.1");`;
  const child = spawn(process.execPath, ["-e", script, manifest], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  await waitForServer(`${url}/`, child);
  return { url, child };
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The server process's CPU time (user + system) per answered request, µs: the per-request work itself, which the
   * req/s of a 2-core machine shared with the load generator shows only through the share of the cores it leaves. */
  cpuUs: number;
}

/** User + system CPU time of `pid` so far, ms (from /proc, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The run with more requests per second, the lower CPU per request of the two; errors of both. */
function better(a: Load, b: Load): Load {
  return { ...(a.rps >= b.rps ? a : b), errors: a.errors + b.errors, cpuUs: Math.min(a.cpuUs, b.cpuUs) };
}

async function load(url: string, pid: number): Promise<Load> {
  const cpuBefore = cpuMs(pid);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers: { "accept-encoding": ACCEPT_ENCODING } });
  const cpuUs = (1000 * (cpuMs(pid) - cpuBefore)) / Math.max(1, r.requests.total);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, cpuUs };
}

export async function benchCrowd(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "witness-crowd-bench-"));
  const dbPath = join(dir, "witness.db");
  const configPath = join(dir, "witness.config.yaml");
  const every = `{ intervalSeconds: ${INTERVAL_S} }`;
  writeFileSync(configPath, `probes:\n  messages: ${every}\n  stream: ${every}\n  edge: ${every}\n  web: ${every}\n  status: ${every}\n  console: { enabled: false }\n  browser: { enabled: false }\n  code: { enabled: false }\nconnectivityCheck: { url: null }\n`);
  const reuse = process.env.WITNESS_BENCH_DB;
  if (reuse) copyFileSync(reuse, dbPath);
  const store = openDatabase(dbPath);
  migrateDatabase(store.db);
  const config = loadConfig({ DATABASE_PATH: dbPath, WITNESS_CONFIG: configPath });
  const results = reuse
    ? (store.sqlite.prepare("SELECT count(*) AS n FROM probe_results").get() as { n: number }).n
    : generateHistory(store, config, { days: 90, now: Date.now(), seed: 90 }).results;
  store.close();

  const sim = await startSimProcess();
  const env = nextEnv({
    ...process.env,
    DATABASE_PATH: dbPath,
    WITNESS_CONFIG: configPath,
    ANTHROPIC_BASE_URL: sim.url,
    CLAUDE_WEB_URL: sim.url,
    CLAUDE_CONSOLE_URL: `${sim.url}/console`,
    STATUS_PAGE_URL: sim.url,
    ANTHROPIC_API_KEY: "sk-bench-not-a-real-key",
    NODE_ENV: "production",
  });
  if (webBuildState().state !== "fresh" && (await runNextBuild(PROJECT_ROOT, env)) !== 0) throw new Error("next build failed");
  const port = await freePort();
  const web = await spawnWeb(["-p", String(port), "-H", "127.0.0.1"], env, "ignore");
  const worker = spawn(process.execPath, [await bundleWorker()], { cwd: PROJECT_ROOT, env, stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  let bare: ChildProcess | null = null;
  try {
    await waitForServer(`${base}/api/health`, web);
    // The bytes a visitor gets, in the encoding a browser gets: what the bare server is given to send.
    const answers: Record<string, { headers: Record<string, string>; file: string }> = {};
    for (const [i, path] of ROUTES.entries()) {
      const raw = await rawGet(`${base}${path}`);
      const file = join(dir, `body-${i}`);
      writeFileSync(file, raw.body);
      answers[path] = { headers: raw.headers, file };
    }
    const started = await startBare(dir, answers);
    bare = started.child;
    if (process.env.WITNESS_BENCH_FLOODS_ONLY) return await benchFloods(base, web.pid!, started.url);

    // Let the worker's first ticks pass, then count what it stores while the crowd is on.
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000));
    const loadFrom = Date.now();
    const rows: (string | number)[][] = [];
    for (const path of ROUTES) {
      // Interleaved and the better of two each: on a shared machine the load of the moment moves a single run by ±20%.
      const first = await load(`${base}${path}`, web.pid!);
      const firstBare = await load(`${started.url}${path}`, bare.pid!);
      const second = await load(`${base}${path}`, web.pid!);
      const secondBare = await load(`${started.url}${path}`, bare.pid!);
      const witness = better(first, second);
      const plain = better(firstBare, secondBare);
      const encoding = answers[path]!.headers["content-encoding"] ?? "identity";
      const bytes = statSync(answers[path]!.file).size;
      rows.push([
        path,
        `${fmt(bytes / 1024)} KB ${encoding}`,
        fmt(witness.rps, 0),
        `${witness.p50} / ${witness.p99}`,
        witness.errors,
        fmt(plain.rps, 0),
        `${plain.p50} / ${plain.p99}`,
        plain.errors,
        fmt(witness.rps / plain.rps, 2),
        `${fmt(witness.cpuUs)} / ${fmt(plain.cpuUs)}`,
        fmt(plain.cpuUs / witness.cpuUs, 2),
      ]);
    }
    const loadTo = Date.now();
    printTable(
      `The outage crowd: autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per server per route (twice, interleaved, the better run of each), Accept-Encoding "${ACCEPT_ENCODING}", over ${results.toLocaleString("en")} results, worker probing every ${INTERVAL_S} s (target: ratio ≥ 0.5, 0 errors; issue 13 asks 0.8). CPU µs/req: the server process's own CPU time per answer, the lower of the two runs`,
      ["route", "body", "Witness req/s", "p50 / p99 ms", "errors", "bare req/s", "p50 / p99 ms", "errors", "ratio", "CPU µs/req Witness / bare", "CPU ratio (bare / Witness)"],
      rows,
    );

    await new Promise((r) => setTimeout(r, 3_000)); // let the last tick's results land
    const read = openDatabase(dbPath, { readonly: true });
    const stored = read.sqlite
      .prepare("SELECT series, started_at AS startedAt, ttfb_ms AS ttfbMs FROM probe_results WHERE started_at >= ? AND started_at < ? ORDER BY series, started_at")
      .all(loadFrom, loadTo) as { series: string; startedAt: number; ttfbMs: number | null }[];
    read.close();
    const bySeries = new Map<string, number[]>();
    for (const row of stored) bySeries.set(row.series, [...(bySeries.get(row.series) ?? []), row.startedAt]);
    const due = bySeries.size * Math.floor((loadTo - loadFrom) / (INTERVAL_S * 1000));
    const gaps = [...bySeries.values()].flatMap((times) => times.slice(1).map((t, i) => t - times[i]!));
    const ttfb = stored.map((r) => r.ttfbMs).filter((v): v is number => v !== null);
    printTable(`The worker during the load (${fmt((loadTo - loadFrom) / 1000, 0)} s, ${bySeries.size} series)`, ["measure", "value"], [
      ["results stored / due", `${stored.length} / ${due}`],
      ["largest gap between a series' results", `${fmt(Math.max(0, ...gaps) / 1000)} s (interval ${INTERVAL_S} s)`],
      ["recorded TTFB median / p99 (simulator's own delay is the floor)", ttfb.length ? `${fmt(median(ttfb))} / ${fmt(quantile(ttfb, 0.99))} ms` : "none"],
    ]);

    await benchFloods(base, web.pid!, started.url);
  } finally {
    bare?.kill("SIGTERM");
    web.kill("SIGTERM");
    worker.kill("SIGTERM");
    await sim.stop();
  }
}

/** The bytes as sent (fetch would decode them) and the headers worth repeating. */
function rawGet(url: string): Promise<{ headers: Record<string, string>; body: Buffer }> {
  const perConnection = new Set(["content-length", "connection", "keep-alive", "date", "transfer-encoding"]);
  return new Promise((resolve, reject) => {
    get(url, { headers: { "accept-encoding": ACCEPT_ENCODING } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !perConnection.has(k)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        resolve({ headers, body: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    }).on("error", reject);
  });
}
