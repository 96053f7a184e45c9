import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { getOpenMeasuredIncidents } from "@/db/queries/measured-incidents";
import { getOfficialIncidentsRange } from "@/db/queries/official";
import { actSecondsScale, DEMO_ACTS, demoConfigYaml, demoIntervalSeconds } from "@/lib/cli/demo-plan";
import { loadConfig, type Config } from "@/lib/config";
import { listIncidents } from "@/lib/dashboard/incidents";
import { getStatusNow } from "@/lib/dashboard/now";
import type { SurfaceNow } from "@/lib/dashboard/types";
import { buildReport } from "@/lib/judge/report";
import { createLogger } from "@/lib/log";
import { planProbes } from "@/lib/measure/targets";
import { Worker } from "@/lib/measure/worker";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { generateHistory, SURFACE_SERIES } from "@/lib/simulator/history";

// `npm run demo` must show what each act says (issue 15 item 8): its acts are played here, shortened, against the
// real worker and simulator, and the dashboard's own reading of the database (/api/v1/status's getStatusNow) is
// sampled through each act.
const dir = mkdtempSync(join(tmpdir(), "witness-demo-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The config the demo writes, with the environment it gives the worker (`simUrl`: every target the simulator). */
function demoConfig(scale: number, name: string, simUrl = "http://127.0.0.1:9"): Config {
  const path = join(dir, `${name}.config.yaml`);
  writeFileSync(path, demoConfigYaml(scale));
  const targets = { ANTHROPIC_BASE_URL: simUrl, CLAUDE_WEB_URL: simUrl, CLAUDE_CONSOLE_URL: `${simUrl}/console`, STATUS_PAGE_URL: simUrl };
  return loadConfig({ DATABASE_PATH: join(dir, `${name}.db`), WITNESS_CONFIG: path, ANTHROPIC_API_KEY: "sk-demo-not-a-real-key", ...targets });
}

describe("DEMO_ACT_SECONDS_SCALE", () => {
  it("shortens the acts and the probe intervals with them, to intervals the config accepts and no shorter than 5 s", () => {
    expect(actSecondsScale({})).toBe(1);
    expect(actSecondsScale({ DEMO_ACT_SECONDS_SCALE: "0.5" })).toBe(0.5);
    for (const bad of ["0", "0.4", "-1", "2", "fast"]) expect(() => actSecondsScale({ DEMO_ACT_SECONDS_SCALE: bad })).toThrow(/DEMO_ACT_SECONDS_SCALE/);
    expect([1, 0.9, 0.6, 0.5].map(demoIntervalSeconds)).toEqual([10, 6, 6, 5]);
    expect(demoConfig(0.5, "scaled").probes.messages.intervalSeconds).toBe(5);
    expect(demoConfig(0.5, "scaled").probes.browser.intervalSeconds).toBe(30);
  });

  it("runs every kind on the four default surfaces, console, browser and code apart from act 2's spread", () => {
    const config = demoConfig(1, "kinds");
    expect(config.surfaces.map((s) => s.id)).toEqual(["claude-ai", "console", "api", "claude-code"]);
    expect(Object.entries(config.probes).map(([k, p]) => `${k} ${p.enabled ? p.intervalSeconds : "off"}`)).toEqual(["messages 10", "stream 10", "edge 10", "web 10", "status 10", "console 30", "browser 30", "code 30"]);
  });
});

describe("one loop's official incident never answers the next loop's failure", () => {
  it("the match grace is shorter than act 1, between the page resolving it and act 2 failing", () => {
    const config = demoConfig(1, "grace");
    expect(DEMO_ACTS[0]!.say).toMatch(/resolves the last loop's incident/);
    expect(config.incidents.matchGraceMinutes * 60).toBeLessThan(DEMO_ACTS[0]!.seconds);
  });
});

describe("the demo's history is generated as its config measures", () => {
  let store: OpenedDatabase;
  let config: Config;
  beforeAll(() => {
    config = demoConfig(1, "history");
    store = openDatabase(join(dir, "history.db"));
    migrateDatabase(store.db);
    generateHistory(store, config, { days: 2, now: Date.now() - 60_000, seed: 14, series: SURFACE_SERIES });
  });
  afterAll(() => store.close());

  it("one result per series every probe interval", () => {
    const rows = store.sqlite.prepare("SELECT started_at AS at FROM probe_results WHERE series = 'edge' ORDER BY started_at").all() as { at: number }[];
    const steps = rows.slice(1).map((r, i) => Math.round((r.at - rows[i]!.at) / 1000));
    const usual = steps.filter((s) => s <= 2 * config.probes.edge.intervalSeconds);
    // All but the hour the monitor was down: 10 s apart, give or take the jitter of a start.
    expect(usual.length).toBe(steps.length - 1);
    expect(Math.round(usual.reduce((a, b) => a + b, 0) / usual.length)).toBe(config.probes.edge.intervalSeconds);
  });

  it("has the new surfaces' series too, at their own interval, and their official components", () => {
    const counts = Object.fromEntries((store.sqlite.prepare("SELECT series, count(*) AS n FROM probe_results GROUP BY series").all() as { series: string; n: number }[]).map((r) => [r.series, r.n]));
    for (const series of ["console", "browser", "code:claude-haiku-4-5"]) {
      // Two days every 30 s, less the monitor's hour away.
      expect(counts[series], series).toBeGreaterThan(2 * 2880 - 130);
      expect(counts[series], series).toBeLessThanOrEqual(2 * 2880);
    }
    const report = buildReport(store.db, config, "24h", Date.now()).surfaces;
    for (const id of ["claude-ai", "console", "api", "claude-code"]) {
      const surface = report.find((s) => s.id === id)!;
      expect(surface.measuredMinutes, id).toBeGreaterThanOrEqual(24 * 60 - 62);
      expect(surface.officialMinutes, id).toBeGreaterThanOrEqual(24 * 60 - 62);
    }
  });

  it("the official page was read at every heartbeat of the past: the report counts its minutes as read, not as no data", () => {
    const api = buildReport(store.db, config, "24h", Date.now()).surfaces.find((s) => s.id === "api")!;
    // 24 hours less the monitor's hour away (if in this window) and the last minute.
    expect(api.officialMinutes).toBeGreaterThanOrEqual(24 * 60 - 62);
    expect(api.measuredMinutes).toBeGreaterThanOrEqual(24 * 60 - 62);
  });
});

describe("the demo's acts, shortened, against the real worker", () => {
  const scale = 0.5;
  type Sample = { act: number; at: number; api: SurfaceNow; ai: SurfaceNow; open: { series: string; severity: string }[]; openAi: string[] };
  const samples: Sample[] = [];
  const lines: string[] = [];
  const starts: number[] = [];
  let sim: Simulator;
  let store: OpenedDatabase;
  let config: Config;
  let worker: Worker;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    sim = await startSimulator();
    const base = demoConfig(scale, "acts", sim.url);
    config = { ...base, incidents: { ...base.incidents, accountableAfterMinutes: 0 } };
    store = openDatabase(join(dir, "acts.db"));
    migrateDatabase(store.db);
    worker = new Worker(config, store.db, createLogger({ secrets: [], write: (l) => lines.push(l) }));
    DEMO_ACTS[0]!.apply(sim);
    worker.start(planProbes(config).probes);
    // Loop 1, then the start of loop 2, as the demo plays them: each act for its (shortened) time, sampled meanwhile.
    for (const [n, act] of [...DEMO_ACTS, DEMO_ACTS[0]!].entries()) {
      act.apply(sim);
      starts[n] = Date.now();
      const end = starts[n]! + act.seconds * scale * 1000;
      while (Date.now() < end) {
        const now = Date.now();
        const surfaces = getStatusNow(store.db, config, now).surfaces;
        const api = surfaces.find((s) => s.id === "api")!;
        const ai = surfaces.find((s) => s.id === "claude-ai")!;
        const incidents = getOpenMeasuredIncidents(store.db);
        const open = incidents.filter((i) => i.surface === "api").map((i) => ({ series: i.series, severity: i.severity }));
        samples.push({ act: n, at: now, api, ai, open, openAi: incidents.filter((i) => i.surface === "claude-ai").map((i) => i.series) });
        await sleep(500);
      }
    }
    // incidents.json is read on minute ticks; read it now, as the worker would at its next one.
    await worker.syncOfficialHistory(planProbes(config).probes.find((p) => p.kind === "status")!);
    await worker.stop(2_000);
  }, 360_000);
  afterAll(async () => {
    store.close();
    await sim.close();
  });

  const during = (act: number) => samples.filter((s) => s.act === act);
  /** What the dashboard showed, act by act, and the worker's incident lines: the message of a failed expectation. */
  const story = () => [...samples.map((s) => `act ${s.act + 1} ${new Date(s.at).toISOString()} measured ${s.api.measured} official ${s.api.official}`), ...lines.filter((l) => l.includes("incident"))].join("\n");

  it("act 1: healthy, and the official page operational", () => {
    const last = during(0).at(-1)!;
    expect(last.api.measured).toBe("up");
    expect(last.api.official).toBe("operational");
  });

  it("act 2: the API is degraded by elevated errors while the official page still says operational", () => {
    expect(DEMO_ACTS[1]!.say).toMatch(/elevated errors.*official page still says operational/);
    const shown = during(1).filter((s) => s.api.measured === "degraded");
    expect(shown.length, story()).toBeGreaterThan(0);
    expect(shown.some((s) => s.open.some((i) => i.severity === "degraded"))).toBe(true);
    expect(during(1).every((s) => s.api.official === "operational")).toBe(true);
    expect(during(1).every((s) => s.api.officialIncidents.length === 0)).toBe(true);
    // Degraded until the act ends: once shown, never "working" again within it.
    const first = during(1).indexOf(shown[0]!);
    expect(during(1).slice(first).every((s) => s.api.measured !== "up")).toBe(true);
  });

  it("act 3: the official page posts a fresh incident, shown from when Witness first read it", () => {
    const listed = during(2).filter((s) => s.api.officialIncidents.length > 0);
    expect(listed.length, story()).toBeGreaterThan(0);
    const incident = listed.at(-1)!.api.officialIncidents[0]!;
    // Created when the act switched the page, not two months ago; shown within a few status reads of that.
    expect(Math.abs(incident.createdAt - starts[2]!)).toBeLessThan(2_000);
    expect(incident.shownAt ?? incident.createdAt).toBeGreaterThanOrEqual(starts[2]! - 1_000);
    expect((incident.shownAt ?? incident.createdAt) - starts[2]!).toBeLessThan(3 * config.probes.status.intervalSeconds * 1000 + 2_000);
    expect(listed.at(-1)!.api.official).not.toBe("operational");
    expect(listed.at(-1)!.api.measured).not.toBe("up");
  });

  it("act 4: measured recovered, while the official page still shows its incident", () => {
    const recovered = during(3).filter((s) => s.api.measured === "up" && s.open.length === 0);
    expect(recovered.length, story()).toBeGreaterThan(0);
    expect(recovered.at(-1)!.api.officialIncidents.map((o) => o.createdAt)).toEqual([expect.closeTo(starts[2]!, -4)]);
  });

  it("act 5: claude.ai's app fails behind a front page that answers 200: the browser is down with a screenshot, web stays up", () => {
    expect(DEMO_ACTS[4]!.say).toMatch(/front page answers 200 but the app behind it fails/);
    const last = (s: Sample, series: string) => s.ai.series.find((x) => x.series === series);
    const failing = during(4).filter((s) => last(s, "browser")?.lastOutcome === "down");
    expect(failing.length, story()).toBeGreaterThan(0);
    expect(last(failing.at(-1)!, "browser")?.lastErrorClass).toBe("http_5xx");
    expect(during(4).every((s) => last(s, "web")?.lastOutcome === "up")).toBe(true);
    expect(during(4).some((s) => s.openAi.includes("browser") && s.ai.measured === "down"), story()).toBe(true);
    expect(during(4).every((s) => s.ai.official === "operational")).toBe(true);
    const shots = store.sqlite.prepare("SELECT series, error_class AS errorClass, length(jpeg) AS bytes FROM browser_screenshots").all() as { series: string; errorClass: string; bytes: number }[];
    expect(shots.length).toBeGreaterThan(0);
    expect(shots[0]).toMatchObject({ series: "browser", errorClass: "http_5xx" });
    // Before act 5 the app was healthy: the browser was up through acts 1 to 4.
    expect(samples.filter((s) => s.act < 4).every((s) => last(s, "browser")?.lastOutcome !== "down")).toBe(true);
  });

  it("loop 2: the official side is operational again at once, and the incident is stored resolved", () => {
    const official = getOfficialIncidentsRange(store.db, { from: new Date(starts[0]! - 60_000), to: new Date(Date.now() + 1_000) });
    expect(official.map((o) => o.status)).toEqual(["resolved"]);
    const last = during(5).at(-1)!;
    expect(last.api.official).toBe("operational");
    expect(last.api.officialIncidents).toEqual([]);
    expect(last.api.measured).toBe("up");
  });

  it("the report tells the same incidents with the same acknowledgement words as the dashboard", () => {
    const now = Date.now();
    const report = buildReport(store.db, config, "24h", now).surfaces.find((s) => s.id === "api")!;
    const dashboard = listIncidents(store.db, config, now, 1).filter((i) => i.kind === "measured" && i.surface === "api");
    expect(report.incidents.length).toBeGreaterThan(0);
    const words = (list: { startedAt: number; ackWords: string | null }[]) => list.map((i) => [i.startedAt, i.ackWords]).sort();
    expect(words(report.incidents.map((i) => ({ startedAt: Date.parse(i.startedAt), ackWords: i.ackWords })))).toEqual(words(dashboard));
  });
});
