import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { getLatestResults } from "@/db/queries/probe-results";
import { loadConfig, type Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { planProbes, type PlannedProbe } from "@/lib/measure/targets";
import { Worker, cronPattern, scheduleOffsets, spreadOffsets } from "@/lib/measure/worker";
import type { ProbeKind } from "@/probes/types";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { CANARY_KEY, testTarget } from "@/tests/unit/support";

let sim: Simulator;
let store: OpenedDatabase;
let lines: string[];
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  store = openDatabase(":memory:");
  migrateDatabase(store.db);
  lines = [];
});

function makeWorker(): { worker: Worker; config: Config } {
  const config = loadConfig({ ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, CLAUDE_CONSOLE_URL: `${sim.url}/console`, STATUS_PAGE_URL: sim.url, ANTHROPIC_API_KEY: CANARY_KEY });
  const log = createLogger({ secrets: [CANARY_KEY], write: (line) => lines.push(line) });
  return { worker: new Worker(config, store.db, log), config };
}
const planned = (kind: ProbeKind, intervalSeconds: number, timeoutMs = 5_000): PlannedProbe => ({
  kind,
  intervalSeconds,
  target: testTarget(kind, sim.url, { timeoutMs, idleTimeoutMs: timeoutMs }),
});

describe("scheduling", () => {
  it("spreads probes sharing an interval across it instead of firing them together", () => {
    const config = loadConfig({ ANTHROPIC_API_KEY: "k", CHROMIUM_PATH: process.execPath });
    const probes = planProbes(config).probes;
    expect(probes.map((p) => `${p.kind} ${p.intervalSeconds}`)).toEqual(["messages 60", "stream 60", "edge 60", "web 60", "status 60", "console 60", "browser 300", "code 300"]);
    expect(spreadOffsets(probes)).toEqual([0, 10, 20, 30, 40, 50, 0, 150]);
    // The browser moves to the second farthest from every other tick (code's 150 s is second 30 of its minute).
    expect(scheduleOffsets(probes)).toEqual([0, 10, 20, 30, 40, 50, 5, 150]);
    expect(cronPattern(60, 12)).toBe("12 * * * * *");
    expect(cronPattern(15, 3)).toBe("3-59/15 * * * * *");
    expect(cronPattern(300, 75)).toBe("15 1-59/5 * * * *");
  });

  it("never overlaps a run with itself: the tick that finds it busy is skipped and counted", async () => {
    const { worker } = makeWorker();
    // Each run takes 2.2 s against a 1 s interval.
    sim.setFault("api", { fault: "none", ttfbMs: 2_200 });
    worker.start([planned("edge", 1)]);
    await new Promise((r) => setTimeout(r, 5_500));
    await worker.stop(3_000);
    const starts = sim.requests.map((r) => r.at);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(2_150);
    expect(worker.getStats().skippedTicks.edge).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => l.includes("edge: previous run still going, tick skipped"))).toBe(true);
  });
});

describe("shutdown", () => {
  it("lets an in-flight probe finish within the grace time and stores it", async () => {
    const { worker } = makeWorker();
    sim.setFault("api", { fault: "none", ttfbMs: 600 });
    const run = worker.runAndStore(planned("edge", 60));
    await new Promise((r) => setTimeout(r, 100));
    await worker.stop(3_000);
    expect((await run)?.outcome).toBe("up");
    expect(getLatestResults(store.db, { limit: 10 })).toHaveLength(1);
  });

  it("cancels a probe still running after the grace time and stores nothing false", async () => {
    const { worker } = makeWorker();
    sim.setFault("api", "hang");
    const run = worker.runAndStore(planned("edge", 60, 30_000));
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await worker.stop(300);
    expect(Date.now() - started).toBeLessThan(10_000); // a hang would never end: seconds catch it on any machine
    expect(await run).toBeNull();
    expect(getLatestResults(store.db, { limit: 10 })).toHaveLength(0);
  });
});

describe("resilience", () => {
  it("records a probe that throws as an inconclusive result, logs it, and keeps going", async () => {
    const { worker } = makeWorker();
    // A deadline Node refuses (a config bug that slipped past validation) makes the probe itself throw.
    const broken = { ...planned("edge", 60), target: testTarget("edge", sim.url, { timeoutMs: -1 }) };
    const result = await worker.runAndStore(broken);
    expect(result).toMatchObject({ outcome: "inconclusive", errorClass: null });
    expect(result?.message).toMatch(/^probe crashed/);
    expect(lines.some((l) => l.includes(" error ") && l.includes("probe crashed"))).toBe(true);
    expect((await worker.runAndStore(planned("edge", 60)))?.outcome).toBe("up");
    expect(getLatestResults(store.db, { limit: 10 })).toHaveLength(2);
  });

  it("keeps probing when the database refuses a write", async () => {
    const { worker } = makeWorker();
    store.close();
    const result = await worker.runAndStore(planned("edge", 60));
    expect(result?.outcome).toBe("up");
    expect(lines.some((l) => l.includes("result not stored"))).toBe(true);
  });
});
