/**
 * The dashboard at scale: 90 days × 8 series of one-minute history (~1.04 M results) behind a production build.
 * Times the home page, an incident page, /api/v1/status and /feed.xml from a client on loopback (50 requests each),
 * the data functions alone (what a revalidation costs), the home page's first-load JavaScript gzipped, and the
 * resident memory of the web server and the worker.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { spawnWeb, bundleWorker, nextEnv, PROJECT_ROOT, runNextBuild, webBuildState } from "@/lib/cli/serve";
import { loadConfig } from "@/lib/config";
import { getCharts } from "@/lib/dashboard/charts";
import { getSurfaceDays } from "@/lib/dashboard/days";
import { feedEvents, getIncident, listIncidents } from "@/lib/dashboard/incidents";
import { getStatusNow } from "@/lib/dashboard/now";
import { readFeedEvents } from "@/lib/web/feeds";
import { generateHistory } from "@/lib/simulator/history";
import { startSimProcess } from "@/tests/bench/sim-process";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";

const REQUESTS = 50;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process and its descendants, in MB, from /proc. */
function rssMb(pid: number): number {
  const children = (() => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  })();
  const own = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  return own + children.reduce((sum, child) => sum + rssMb(child), 0);
}

async function timeRequests(url: string): Promise<{ median: number; p95: number; status: number; bytes: number }> {
  const times: number[] = [];
  let status = 0;
  let bytes = 0;
  for (let i = 0; i < REQUESTS + 2; i++) {
    const t = performance.now();
    const res = await fetch(url);
    const body = await res.arrayBuffer();
    if (i >= 2) times.push(performance.now() - t); // two warm-ups: the first render fills the snapshot
    status = res.status;
    bytes = body.byteLength;
  }
  return { median: median(times), p95: quantile(times, 0.95), status, bytes };
}

async function firstLoadJsGzip(base: string): Promise<{ scripts: number; raw: number; gzip: number }> {
  const html = await (await fetch(`${base}/`)).text();
  const srcs = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!).filter((s) => !s.includes("polyfill"));
  let raw = 0;
  let gzip = 0;
  for (const src of new Set(srcs)) {
    const body = Buffer.from(await (await fetch(new URL(src, base))).arrayBuffer());
    raw += body.length;
    gzip += gzipSync(body).length;
  }
  return { scripts: new Set(srcs).size, raw, gzip };
}

export function waitForServer(url: string, child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const poll = async () => {
      if (child.exitCode !== null) return reject(new Error("server exited"));
      try {
        await fetch(url);
        resolve();
      } catch {
        if (Date.now() > deadline) reject(new Error("server did not start"));
        else setTimeout(poll, 200);
      }
    };
    void poll();
  });
}

export async function benchWeb(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "witness-web-bench-"));
  const dbPath = join(dir, "witness.db");
  const store = openDatabase(dbPath);
  migrateDatabase(store.db);
  const config = loadConfig({ DATABASE_PATH: dbPath });
  const now = Date.now();
  const history = generateHistory(store, config, { days: 90, now, seed: 90 });
  store.close();

  const read = openDatabase(dbPath, { readonly: true });
  const incident = listIncidents(read.db, config, now).find((i) => i.kind === "measured")!;
  const compute: [string, () => unknown][] = [
    ["home data (status now + 90 daily bars)", () => [getStatusNow(read.db, config, Date.now()), getSurfaceDays(read.db, config, Date.now())]],
    ["charts data, 24h", () => getCharts(read.db, config, "24h", Date.now())],
    ["incident page data", () => getIncident(read.db, config, incident.slug, Date.now())],
    ["/api/v1/status data", () => getStatusNow(read.db, config, Date.now())],
    // The web serves what the worker published; computing the items is the worker's (once a minute at most).
    ["feed data (published items)", () => readFeedEvents(read.db, Date.now())],
    ["feed items computed (worker side)", () => feedEvents(read.db, config, Date.now())],
  ];
  const computeRows = compute.map(([name, fn]) => {
    fn();
    const times = Array.from({ length: 20 }, () => {
      const t = performance.now();
      fn();
      return performance.now() - t;
    });
    return [name, fmt(median(times)), fmt(quantile(times, 0.95))];
  });
  read.close();
  printTable(`Data functions in-process over ${history.results.toLocaleString("en")} results (what one revalidation costs; 20 runs)`, ["function", "median ms", "p95 ms"], computeRows);

  const sim = await startSimProcess();
  const env = nextEnv({ ...process.env, DATABASE_PATH: dbPath, ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, CLAUDE_CONSOLE_URL: `${sim.url}/console`, STATUS_PAGE_URL: sim.url, ANTHROPIC_API_KEY: "sk-bench-not-a-real-key", NODE_ENV: "production" });
  if (webBuildState().state !== "fresh" && (await runNextBuild(PROJECT_ROOT, env)) !== 0) throw new Error("next build failed");
  const port = await freePort();
  const web = await spawnWeb(["-p", String(port), "-H", "127.0.0.1"], env, "ignore");
  const worker = spawn(process.execPath, [await bundleWorker()], { cwd: PROJECT_ROOT, env, stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForServer(base, web);
    const rows: (string | number)[][] = [];
    for (const [name, path, target] of [
      ["home page /", "/", "< 150 ms"],
      ["incident page", `/incidents/${incident.slug}`, ""],
      ["/api/v1/status", "/api/v1/status", "< 50 ms"],
      ["/feed.xml", "/feed.xml", ""],
    ] as const) {
      const r = await timeRequests(`${base}${path}`);
      rows.push([name, r.status, fmt(r.median), fmt(r.p95), `${fmt(r.bytes / 1024)} KB`, target]);
    }
    printTable(`Server time from a loopback client, ${REQUESTS} requests each after 2 warm-ups (hot routes come from the front server's snapshots, lib/web/front.ts)`, ["route", "status", "median ms", "p95 ms", "body", "target"], rows);
    const js = await firstLoadJsGzip(base);
    await new Promise((r) => setTimeout(r, 3_000)); // let the worker run a few probes
    const webMb = rssMb(web.pid!);
    const workerMb = rssMb(worker.pid!);
    printTable("Client JavaScript and memory", ["measure", "value", "target"], [
      ["home first-load JS (gzipped)", `${fmt(js.gzip / 1024)} KB (${js.scripts} scripts, ${fmt(js.raw / 1024)} KB raw)`, ""],
      ["web server resident memory", `${fmt(webMb, 0)} MB`, ""],
      ["worker resident memory", `${fmt(workerMb, 0)} MB`, ""],
      ["web + worker", `${fmt(webMb + workerMb, 0)} MB`, "< 300 MB"],
    ]);
  } finally {
    web.kill("SIGTERM");
    worker.kill("SIGTERM");
    await sim.stop();
  }
}
