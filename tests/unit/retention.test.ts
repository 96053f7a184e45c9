import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db, OpenedDatabase } from "@/db/client";
import { countProbeResults, getLatestResults, insertProbeResults } from "@/db/queries/probe-results";
import { getRollupsRange } from "@/db/queries/rollups";
import { pruneRawResults, rawCutoff } from "@/lib/retention";
import { rebuildRollups } from "@/lib/rollup-writer";
import type { ProbeResult } from "@/probes/types";
import { openMigratedMemory, sampleResult } from "@/tests/unit/support";

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
