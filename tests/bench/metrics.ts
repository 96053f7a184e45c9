/**
 * /metrics at scale: the 90-day database (90 days × 8 series of one-minute history, ~1.04 M results) behind the
 * production web server, with the worker probing the simulator so the data version moves and scrapes are not all
 * served from the cache. A real `prometheus` (Debian's package, installed by tests/tools/ensure-prometheus.sh) on
 * 127.0.0.1 scrapes it every second; we print what Prometheus itself measured (scrape_duration_seconds,
 * scrape_samples_scraped, the witness_ series it holds) beside our own loopback timings of the same URL.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { spawnWeb, bundleWorker, nextEnv, PROJECT_ROOT } from "@/lib/cli/serve";
import { loadConfig } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";
import { startSimProcess } from "@/tests/bench/sim-process";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";
import { freePort, waitForServer } from "@/tests/bench/web";

const SCRAPES_TIMED = 30;
const PROMETHEUS_SECONDS = 20;

async function promQuery(base: string, query: string): Promise<number | null> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const json = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  const value = json.data?.result?.[0]?.value?.[1];
  return value === undefined ? null : Number(value);
}

export async function benchMetrics(): Promise<void> {
  execFileSync("bash", ["tests/tools/ensure-prometheus.sh"], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const dir = mkdtempSync(join(tmpdir(), "witness-metrics-bench-"));
  const dbPath = join(dir, "witness.db");
  const store = openDatabase(dbPath);
  migrateDatabase(store.db);
  const history = generateHistory(store, loadConfig({ DATABASE_PATH: dbPath }), { days: 90, now: Date.now(), seed: 90 });
  store.close();

  const sim = await startSimProcess();
  const env = nextEnv({ ...process.env, DATABASE_PATH: dbPath, ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, CLAUDE_CONSOLE_URL: `${sim.url}/console`, STATUS_PAGE_URL: sim.url, ANTHROPIC_API_KEY: "sk-bench-not-a-real-key", NODE_ENV: "production" });
  const port = await freePort();
  const promPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const web = await spawnWeb(["-p", String(port), "-H", "127.0.0.1"], env, "ignore");
  const worker = spawn(process.execPath, [await bundleWorker()], { cwd: PROJECT_ROOT, env, stdio: "ignore" });
  writeFileSync(
    join(dir, "prometheus.yml"),
    `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n  - job_name: witness\n    static_configs: [{ targets: ["127.0.0.1:${port}"] }]\n`,
  );
  let prometheus: ReturnType<typeof spawn> | null = null;
  try {
    await waitForServer(`${base}/api/health`, web);
    const times: number[] = [];
    let bytes = 0;
    const cold = performance.now();
    await (await fetch(`${base}/metrics`)).text();
    const coldMs = performance.now() - cold;
    for (let i = 0; i < SCRAPES_TIMED; i++) {
      const t = performance.now();
      const text = await (await fetch(`${base}/metrics`, { headers: { "cache-control": "no-cache" } })).text();
      times.push(performance.now() - t);
      bytes = text.length;
      await new Promise((r) => setTimeout(r, 200)); // the worker commits in between, so most reads are fresh
    }
    prometheus = spawn("prometheus", [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: "ignore" });
    const promBase = `http://127.0.0.1:${promPort}`;
    await new Promise((r) => setTimeout(r, PROMETHEUS_SECONDS * 1000));
    const up = await promQuery(promBase, 'up{job="witness"}');
    const duration = await promQuery(promBase, 'avg_over_time(scrape_duration_seconds{job="witness"}[15s])');
    const maxDuration = await promQuery(promBase, 'max_over_time(scrape_duration_seconds{job="witness"}[15s])');
    const samples = await promQuery(promBase, 'scrape_samples_scraped{job="witness"}');
    const series = await promQuery(promBase, 'count({__name__=~"witness_.+"})');
    printTable(`/metrics on the 90-day database (${history.results} results), worker running; ${SCRAPES_TIMED} loopback scrapes 200 ms apart, then prometheus scraping every 1 s for ${PROMETHEUS_SECONDS} s`, ["measure", "value"], [
      ["first scrape (cold: rollups read, TTFB seeded)", `${fmt(coldMs)} ms`],
      ["loopback scrape, median / p95", `${fmt(median(times))} / ${fmt(quantile(times, 0.95))} ms`],
      ["exposition size", `${fmt(bytes / 1024)} KB`],
      ["prometheus: target up", String(up)],
      ["prometheus: scrape_duration_seconds, mean / max over 15 s", duration === null ? "n/a" : `${fmt(duration * 1000)} / ${fmt((maxDuration ?? 0) * 1000)} ms`],
      ["prometheus: samples per scrape", String(samples)],
      ["prometheus: witness_ series stored", String(series)],
    ]);
  } finally {
    prometheus?.kill("SIGTERM");
    web.kill("SIGTERM");
    worker.kill("SIGTERM");
    await sim.stop();
  }
}
