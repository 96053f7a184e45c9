import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { getOfficialIncidentsRange } from "@/db/queries/official";
import { getRollupsRange } from "@/db/queries/rollups";
import { matchIncidents } from "@/lib/judge/accountability";
import { loadConfig, type Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { buildReport, readPageReading, toOfficialView } from "@/lib/judge/report";
import { groupSurfaceIncidents, toSeriesIncident } from "@/lib/judge/surfaces";
import { planProbes } from "@/lib/measure/targets";
import { Worker } from "@/lib/measure/worker";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { CANARY_KEY } from "@/tests/unit/support";

const API = "k8w3r06qmzrp";
let sim: Simulator;
let store: OpenedDatabase;
let config: Config;
const lines: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (query: string) => (store.sqlite.prepare(query).get() as { n: number }).n;

/**
 * Wait until `done` holds (checked every 100 ms), failing after 120 s with what was awaited. 30 s was too short with
 * both cores busy beside the suite: the status probe's next reading once came later than that.
 */
async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function officialIncident(status: "investigating" | "resolved", createdAt: string, resolvedAt: string | null) {
  const component = { id: API, name: "Claude API (api.anthropic.com)", status: status === "resolved" ? "operational" : "major_outage" };
  return {
    id: "e2e00000incd",
    name: "Elevated errors on Claude Haiku 4.5",
    status,
    impact: "major",
    created_at: createdAt,
    updated_at: resolvedAt ?? createdAt,
    started_at: createdAt,
    resolved_at: resolvedAt,
    shortlink: null,
    incident_updates: [{ id: "e2eupd000001", status: "investigating", body: "We are investigating.", created_at: createdAt, affected_components: null }],
    components: [component],
  };
}

// A short real run: one-second ticks, real sockets, the real worker writing a real file. Claude fails from ~3 s to
// ~7 s; the page admits it at ~5 s and resolves it at ~9 s.
describe("a short real run against the simulator", () => {
  const marks: Record<string, number> = {};
  beforeAll(async () => {
    sim = await startSimulator();
    // An operational page with an empty history (the fixture's history holds an unresolved incident of its own).
    sim.setStatus({ scenario: "operational", incidents: [] });
    const base = loadConfig({ ANTHROPIC_API_KEY: CANARY_KEY, ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, CLAUDE_CONSOLE_URL: `${sim.url}/console`, STATUS_PAGE_URL: sim.url });
    // Generous deadlines: on a loaded machine a healthy answer can take seconds, and a timeout would read as an outage.
    const fast = (k: keyof Config["probes"]) => ({ ...base.probes[k], intervalSeconds: 1, timeoutMs: 10_000 });
    config = { ...base, probes: { messages: fast("messages"), stream: fast("stream"), edge: fast("edge"), web: fast("web"), status: fast("status"), console: { ...base.probes.console, enabled: false }, browser: { ...base.probes.browser, enabled: false }, code: { ...base.probes.code, enabled: false } }, official: { heartbeatMinutes: 1, historyIntervalMinutes: 1 } };
    store = openDatabase(":memory:");
    migrateDatabase(store.db);
    const worker = new Worker(config, store.db, createLogger({ secrets: [CANARY_KEY], write: (l) => lines.push(l) }));
    worker.start(planProbes(config).probes);
    const status = planProbes(config).probes.find((p) => p.kind === "status")!;
    // Each step waits for what it needs to see, not for a fixed time: on a loaded machine a 1 s tick can come late.
    await until("the first results", () => count("SELECT count(DISTINCT series) AS n FROM probe_results") >= 5);
    marks.failStart = Date.now();
    sim.setFault("api", "overloaded");
    await until("an incident on each API series", () => count("SELECT count(*) AS n FROM measured_incidents WHERE surface = 'api'") >= 3);
    marks.ack = Date.now();
    const created = new Date(marks.ack).toISOString();
    sim.setStatus({ incidents: [officialIncident("investigating", created, null)], components: { [API]: "major_outage" }, indicator: "major" });
    await until("the official incident", () => count("SELECT count(*) AS n FROM official_incidents") >= 1);
    marks.failEnd = Date.now();
    sim.setFault("api", "none");
    await until("the API incidents resolved", () => count("SELECT count(*) AS n FROM measured_incidents WHERE ended_at IS NULL") === 0);
    const resolved = new Date().toISOString();
    sim.setStatus({ incidents: [officialIncident("resolved", created, resolved)], components: { [API]: "operational" }, indicator: "none" });
    await until("the page read as operational again", () => count(`SELECT count(*) AS n FROM official_component_statuses WHERE component_id = '${API}' AND status = 'operational' AND observed_at > ${Date.parse(resolved)}`) >= 1);
    // The history sync runs on minute ticks; read it once more now, as the worker would at its next tick.
    await worker.syncOfficialHistory(status);
    await worker.stop(2_000);
  }, 600_000);
  afterAll(async () => {
    store.close();
    await sim.close();
  });

  it("opens one measured incident per failing API series, dated from the first failure, and resolves it", () => {
    const rows = getMeasuredIncidentsRange(store.db, { from: new Date(0), to: new Date(Date.now() + 1000) });
    expect(rows.map((r) => r.series).sort()).toEqual(["edge", "messages:claude-haiku-4-5", "stream:claude-haiku-4-5"]);
    for (const row of rows) {
      expect(row.surface).toBe("api");
      expect(row.severity).toBe("down");
      expect(row.errorClassCounts).toHaveProperty("overloaded");
      // A probe that set out just before the switch can meet the fault: dated by its start, up to a deadline earlier.
      expect(row.startedAt.getTime()).toBeGreaterThan(marks.failStart! - 10_000);
      expect(row.startedAt.getTime()).toBeLessThan(marks.ack!);
      expect(row.endedAt!.getTime()).toBeGreaterThan(marks.failEnd! - 10_000);
      expect(row.endedAt!.getTime()).toBeGreaterThan(row.startedAt.getTime());
      expect(row.sampleRequestIds.length).toBeGreaterThan(0);
    }
    expect(lines.some((l) => l.includes("incident opened: Claude API"))).toBe(true);
  });

  it("stores the official incident with its resolution and matches it, acknowledged about 2 s late", () => {
    const official = getOfficialIncidentsRange(store.db, { from: new Date(0), to: new Date(Date.now() + 1000) });
    expect(official.map((o) => [o.id, o.status])).toEqual([["e2e00000incd", "resolved"]]);
    expect(official[0]!.resolvedAt).not.toBeNull();
    const rows = getMeasuredIncidentsRange(store.db, { from: new Date(0), to: new Date(Date.now() + 1000) });
    const surface = groupSurfaceIncidents(rows.map(toSeriesIncident), Date.now());
    expect(surface).toHaveLength(1);
    expect(surface[0]!.series).toHaveLength(3);
    const views = official.map((o) => toOfficialView(o, readPageReading(store.db, config)));
    const { matches } = matchIncidents(surface, views, API, { graceMs: 60_000, accountableAfterMs: 0, now: Date.now() });
    expect(matches[0]!.acknowledged).toBe(true);
    expect(matches[0]!.impactMatches).toBe(true);
    // The page showed it at its created_at (marks.ack): the delay is from the measured start to then, to the millisecond.
    expect(matches[0]!.ackDelayMs).toBe(marks.ack! - surface[0]!.startedAt);
  });

  it("writes minute rollups that count every stored result by outcome", () => {
    const count = store.sqlite.prepare("SELECT series, count(*) AS n, sum(outcome = 'down') AS down FROM probe_results GROUP BY series").all() as { series: string; n: number; down: number }[];
    const rollups = getRollupsRange(store.db, "minute", { from: new Date(0), to: new Date(Date.now() + 60_000) });
    for (const { series, n, down } of count) {
      const mine = rollups.filter((r) => r.series === series);
      expect(mine.reduce((s, r) => s + r.up + r.degraded + r.down + r.inconclusive, 0)).toBe(n);
      expect(mine.reduce((s, r) => s + r.down, 0)).toBe(down);
    }
    const hours = getRollupsRange(store.db, "hour", { from: new Date(0), to: new Date(Date.now() + 3_600_000) });
    expect(hours.reduce((s, r) => s + r.up + r.down, 0)).toBe(rollups.reduce((s, r) => s + r.up + r.down, 0));
  });

  it("reports the run: incidents acknowledged, official status stored per component", () => {
    const report = buildReport(store.db, { ...config, incidents: { ...config.incidents, accountableAfterMinutes: 0, matchGraceMinutes: 1 } }, "24h", Date.now());
    const api = report.surfaces.find((s) => s.id === "api")!;
    expect(api.incidents).toHaveLength(1);
    expect(api.incidents[0]).toMatchObject({ acknowledged: true, ackDelayMinutes: 0, severity: "down" });
    expect(api.measuredMinutes).toBeGreaterThan(0);
    expect(api.officialMinutes).toBeGreaterThan(0);
    const statuses = store.sqlite.prepare("SELECT status, reason FROM official_component_statuses WHERE component_id = ? ORDER BY id").all(API) as { status: string }[];
    expect(statuses.map((s) => s.status)).toEqual(["operational", "major_outage", "operational"]);
  });
});
