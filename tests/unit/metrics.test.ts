/**
 * GET /metrics on a generated history: the exposition passes `promtool check metrics` (Debian's prometheus package,
 * installed by tests/tools/ensure-prometheus.sh when missing), its counters equal what the database holds, the TTFB
 * histogram follows new rows, alert deliveries come from alert_outbox when it exists, and no label carries the
 * official page's text.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as metricsGET } from "@/app/metrics/route";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertProbeResult } from "@/db/queries/probe-results";
import { loadConfig, type Config } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";
import { clearCache } from "@/lib/web/cache";
import { setWebContext } from "@/lib/web/context";
import { sampleResult } from "@/tests/unit/support";

const HOSTILE = 'Elevated errors <script>alert(1)</script> "quoted"';
let dir: string;
let config: Config;
let writer: OpenedDatabase;
let reader: OpenedDatabase;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-metrics-"));
  const path = join(dir, "witness.db");
  config = loadConfig({ DATABASE_PATH: path });
  writer = openDatabase(path);
  migrateDatabase(writer.db);
  generateHistory(writer, config, { days: 2, now: Date.now(), seed: 3, hostileTitle: HOSTILE });
  reader = openDatabase(path, { readonly: true });
  setWebContext({ config, store: reader });
});

afterAll(() => {
  setWebContext(null);
  reader.close();
  writer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(): Promise<string> {
  const res = await metricsGET();
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return res.text();
}

/** The value of the one sample line `name{labels}` whose labels include every given pair. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .map((l) => Number(l.slice(l.lastIndexOf(" ") + 1)));
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("GET /metrics", () => {
  it("passes promtool check metrics, with every name prefixed witness_", async () => {
    const text = await scrape();
    const promtool = execFileSync("bash", ["tests/tools/ensure-prometheus.sh"], { encoding: "utf8", timeout: 300_000 }).trim();
    const checked = spawnSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
    expect(checked.stdout + checked.stderr).toBe("");
    expect(checked.status).toBe(0);
    const names = new Set(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/[{ ]/, 1)[0]!));
    expect(names.size).toBeGreaterThan(10);
    for (const name of names) expect(name).toMatch(/^witness_[a-z_]+$/);
  }, 320_000);

  it("counts every stored result once by outcome, and by error class every failed one", async () => {
    const text = await scrape();
    const raw = writer.sqlite.prepare("SELECT count(*) AS n, count(error_class) AS failed FROM probe_results").get() as { n: number; failed: number };
    expect(sum(sample(text, "witness_probe_results_total"))).toBe(raw.n);
    expect(sum(sample(text, "witness_probe_errors_total"))).toBe(raw.failed);
    const edgeDown = writer.sqlite.prepare("SELECT count(*) AS n FROM probe_results WHERE series = 'edge' AND outcome = 'down'").get() as { n: number };
    expect(sample(text, "witness_probe_results_total", { series: "edge", outcome: "down" })).toEqual([edgeDown.n]);
    const withTotal = writer.sqlite.prepare("SELECT count(*) AS n FROM probe_results WHERE series = 'edge' AND total_ms IS NOT NULL").get() as { n: number };
    expect(sample(text, "witness_probe_total_seconds_count", { series: "edge" })).toEqual([withTotal.n]);
    expect(sample(text, "witness_probe_total_seconds_bucket", { series: "edge", le: "+Inf" })).toEqual([withTotal.n]);
  });

  it("reports each surface's measured and official state as a one-hot set, and the worker's last result age", async () => {
    const text = await scrape();
    for (const surface of ["api", "claude-ai"]) {
      expect(sum(sample(text, "witness_surface_measured_state", { surface }))).toBe(1);
      expect(sum(sample(text, "witness_surface_official_state", { surface }))).toBe(1);
    }
    const [age] = sample(text, "witness_worker_last_result_age_seconds");
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(180);
    expect(sample(text, "witness_series_last_outcome", { series: "edge" })).toHaveLength(4);
  });

  it("adds a new result to the TTFB histogram at the next scrape", async () => {
    const before = sum(sample(await scrape(), "witness_probe_ttfb_seconds_count", { series: "edge" }));
    insertProbeResult(writer.db, sampleResult(new Date().toISOString(), { probe: "edge", kind: "edge", model: null, outcome: "up", ttfbMs: 42, ttftMs: null }));
    clearCache();
    const text = await scrape();
    expect(sum(sample(text, "witness_probe_ttfb_seconds_count", { series: "edge" }))).toBe(before + 1);
  });

  it("reads pending and failed alert deliveries from alert_outbox", async () => {
    let text = await scrape();
    expect(sample(text, "witness_alert_deliveries", { state: "pending" })).toEqual([0]);
    const insert = writer.sqlite.prepare("INSERT INTO alert_outbox (event_id, channel, event, state, attempts, next_attempt_at, created_at) VALUES (?, 'ops', '{}', ?, 0, 0, 0)");
    ["pending", "pending", "failed", "delivered"].forEach((state, i) => insert.run(`metrics-test:${i}`, state));
    clearCache();
    text = await scrape();
    expect(sample(text, "witness_alert_deliveries", { state: "pending" })).toEqual([2]);
    expect(sample(text, "witness_alert_deliveries", { state: "failed" })).toEqual([1]);
    writer.sqlite.exec("DELETE FROM alert_outbox WHERE event_id LIKE 'metrics-test:%'");
  });

  it("reads the running worker's heartbeat and skipped ticks from its writer lease", async () => {
    let text = await scrape();
    expect(sample(text, "witness_worker_running")).toEqual([0]);
    writer.sqlite.prepare("INSERT INTO writer_leases (id, token, holder_pid, holder_host, started_at, heartbeat_at, skipped_ticks) VALUES (1, 't', 1, 'h', ?, ?, 3)").run(Date.now(), Date.now());
    clearCache();
    text = await scrape();
    expect(sample(text, "witness_worker_running")).toEqual([1]);
    expect(sample(text, "witness_worker_skipped_ticks_total")).toEqual([3]);
    expect(sample(text, "witness_worker_heartbeat_age_seconds")[0]).toBeLessThan(60);
    writer.sqlite.exec("DELETE FROM writer_leases");
  });

  it("never puts the official page's text in a label", async () => {
    const text = await scrape();
    expect(text).not.toContain("script");
    expect(text).not.toContain("Elevated");
    const labelValues = [...text.matchAll(/="([^"]*)"/g)].map((m) => m[1]!);
    for (const v of labelValues) expect(v).toMatch(/^[A-Za-z0-9_.:+-]*$/);
  });

  it("backs every query of deploy/grafana-dashboard.json: valid PromQL (promtool check rules) over names the scrape has", async () => {
    const text = await scrape();
    const dashboard = JSON.parse(readFileSync("deploy/grafana-dashboard.json", "utf8")) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      for (const [name] of expr.matchAll(/witness_[a-z_]+/g)) expect(text).toContain(`\n${name}`);
    }
    const rules = join(dir, "dashboard-rules.yml");
    writeFileSync(rules, `groups:\n  - name: dashboard\n    rules:\n${exprs.map((e, i) => `      - record: witness_dashboard_${i}\n        expr: ${JSON.stringify(e)}\n`).join("")}`);
    const promtool = execFileSync("bash", ["tests/tools/ensure-prometheus.sh"], { encoding: "utf8", timeout: 300_000 }).trim();
    const checked = spawnSync(promtool, ["check", "rules", rules], { encoding: "utf8", timeout: 30_000 });
    expect(checked.stderr).toBe("");
    expect(checked.status).toBe(0);
  }, 320_000);
});
