import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db, OpenedDatabase } from "@/db/client";
import { countProbeResults, getLatestResults, insertProbeResults } from "@/db/queries/probe-results";
import { getRollupsRange } from "@/db/queries/rollups";
import { prunePayloads, pruneRawResults, rawCutoff } from "@/lib/keep/retention";
import { recordStatusObservation } from "@/lib/measure/official-record";
import { loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { Worker } from "@/lib/measure/worker";
import { probeStatus } from "@/probes/status";
import { rebuildRollups } from "@/lib/keep/rollup-writer";
import type { ProbeResult } from "@/probes/types";
import { openMigratedMemory, sampleResult, testTarget } from "@/tests/unit/support";

const EVER = { from: new Date(0), to: new Date("2100-01-01T00:00:00Z") };

// A plain (non-streaming) call: these tests count rows, the timing values do not matter.
const result = (startedAt: Date): ProbeResult =>
  sampleResult(startedAt.toISOString(), { probe: "messages:claude-haiku-4-5", kind: "messages", ttftMs: null, totalMs: 700, outputTokens: 5, tokensPerSecond: null });

describe("rawCutoff", () => {
  it("keeps at least rawDays, cutting at the UTC midnight before", () => {
    expect(rawCutoff(new Date("2025-06-30T15:20:00Z"), 30).toISOString()).toBe("2025-05-31T00:00:00.000Z");
    expect(rawCutoff(new Date("2025-06-30T00:00:00Z"), 1).toISOString()).toBe("2025-06-29T00:00:00.000Z");
  });
});

describe("pruneRawResults", () => {
  let opened: OpenedDatabase;
  let db: Db;
  const cutoff = new Date("2025-06-01T00:00:00Z");

  beforeEach(() => {
    opened = openMigratedMemory();
    db = opened.db;
    // 50 results before the cutoff (one on the millisecond before it), 10 from the cutoff on.
    const old = Array.from({ length: 50 }, (_, i) => result(new Date(cutoff.getTime() - 1 - i * 60_000)));
    const fresh = Array.from({ length: 10 }, (_, i) => result(new Date(cutoff.getTime() + i * 60_000)));
    insertProbeResults(db, [...old, ...fresh]);
    rebuildRollups(db, { gapMsOf: () => 150_000 });
  });
  afterEach(() => opened.close());

  it("deletes only results older than the cutoff and leaves every rollup", async () => {
    const rollupsBefore = getRollupsRange(db, "minute", EVER);
    const deleted = await pruneRawResults(db, { olderThan: cutoff });

    expect(deleted).toBe(50);
    expect(countProbeResults(db)).toBe(10);
    const remaining = getLatestResults(db, { limit: 100 });
    expect(remaining.every((r) => r.startedAt.getTime() >= cutoff.getTime())).toBe(true);
    expect(getRollupsRange(db, "minute", EVER)).toEqual(rollupsBefore);
    expect(rollupsBefore).toHaveLength(60);
  });

  it("works through several batches, letting other work run between them", async () => {
    let turns = 0;
    let pruning = true;
    const other = (): void => {
      if (!pruning) return;
      turns += 1;
      setImmediate(other);
    };
    setImmediate(other);

    const deleted = await pruneRawResults(db, { olderThan: cutoff, batchSize: 7 });
    pruning = false;

    expect(deleted).toBe(50);
    expect(countProbeResults(db)).toBe(10);
    // ceil(50 / 7) = 8 batches, with the event loop turning between each two of them.
    expect(turns).toBeGreaterThanOrEqual(7);
  });

  it("deletes nothing when nothing is old enough", async () => {
    expect(await pruneRawResults(db, { olderThan: new Date(0) })).toBe(0);
    expect(countProbeResults(db)).toBe(60);
  });
});

describe("prunePayloads, on a status page whose bytes change on every read", () => {
  let sim: Simulator;
  let opened: OpenedDatabase;
  const start = Date.UTC(2026, 0, 1);
  let clock = 0;

  beforeAll(async () => {
    sim = await startSimulator();
    // Every read moves each incident's updated_at, so every summary is new bytes and is stored.
    sim.setStatus({ bulkIncidents: { count: 40, churn: true, bodyChars: 400 } });
  });
  afterAll(async () => sim.close());
  beforeEach(() => {
    opened = openMigratedMemory();
    clock = 0;
  });
  afterEach(() => opened.close());

  /** Read the page `n` times, a minute apart, storing each observation as the worker does. */
  async function observe(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const { summary, raw } = await probeStatus(testTarget("status", sim.url), new AbortController().signal);
      clock += 60_000;
      const recorded = await recordStatusObservation(opened.db, { at: new Date(start + clock), summary, raw }, { heartbeatMs: 15 * 60_000 });
      expect(recorded.payloadStored).toBe(true);
    }
  }
  const payloads = () => opened.sqlite.prepare("SELECT id, fetched_at AS at, sha256 FROM official_payloads ORDER BY fetched_at, id").all() as { id: number; at: number; sha256: string }[];
  const pages = () => opened.sqlite.pragma("page_count", { simple: true }) as number;

  it("keeps the newest N per endpoint, the latest included, so change detection still works", async () => {
    await observe(30);
    const before = payloads();
    expect(before).toHaveLength(30);
    const deleted = await prunePayloads(opened.db, { keep: 10, olderThan: new Date(0), batchSize: 4 });
    expect(deleted).toBe(20);
    expect(payloads()).toEqual(before.slice(-10));
  });

  it("keeps none older than the age limit, however few there are", async () => {
    await observe(12);
    const before = payloads();
    const cutoff = new Date(before[5]!.at);
    expect(await prunePayloads(opened.db, { keep: 100, olderThan: cutoff })).toBe(5);
    expect(payloads()).toEqual(before.slice(5));
  });

  it("bounds the disk: pruned between rounds of reads, the database stops growing", async () => {
    await observe(25);
    await prunePayloads(opened.db, { keep: 10, olderThan: new Date(0) });
    const afterFirst = pages();
    for (let round = 0; round < 3; round++) {
      await observe(15);
      await prunePayloads(opened.db, { keep: 10, olderThan: new Date(0) });
    }
    expect(payloads()).toHaveLength(10);
    // SQLite reuses the pages freed by the prune: three more rounds of 15 new pages fit in the same file.
    expect(pages()).toBeLessThanOrEqual(afterFirst);
  });

  it("is part of the worker's daily prune, with the configured limits (default: 100 per endpoint, 30 days)", async () => {
    await observe(8);
    const config = loadConfig({ DATABASE_PATH: ":memory:" });
    expect(config.retention).toMatchObject({ payloadKeep: 100, payloadDays: 30 });
    const lines: string[] = [];
    const worker = new Worker({ ...config, retention: { ...config.retention, payloadKeep: 3 } }, opened.db, createLogger({ secrets: [], write: (l) => lines.push(l) }));
    await worker.pruneNow(new Date(start + clock));
    expect(payloads()).toHaveLength(3);
    expect(lines.join("")).toMatch(/pruned 5 official payloads/);
  });
});
