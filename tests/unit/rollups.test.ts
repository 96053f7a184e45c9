import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Db, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertProbeResult, insertProbeResults } from "@/db/queries/probe-results";
import { getRollupsBySeriesRange, getRollupsRange, getSeriesNames, upsertRollup } from "@/db/queries/rollups";
import { histogramOf, histogramQuantile } from "@/lib/keep/histogram";
import { rebuildRollups, updateRollupsForResult } from "@/lib/keep/rollup-writer";
import { bucketStartOf, mergeRollups, rollupResults, rollupStats, type Granularity, type Rollup } from "@/lib/keep/rollups";
import { pruneRawResults } from "@/lib/keep/retention";
import { ERROR_CLASSES, type ProbeResult } from "@/probes/types";
import { openMigratedMemory, sampleResult } from "@/tests/unit/support";
import { seeded } from "@/lib/simulator/random";

const SERIES = "stream:claude-haiku-4-5";
const EVER = { from: new Date(0), to: new Date("2100-01-01T00:00:00Z") };
/** Coverage reach: 2.5 one-minute intervals. */
const GAP = { gapMs: 150_000 };

const result = (iso: string, overrides: Partial<ProbeResult> = {}): ProbeResult => sampleResult(iso, { probe: SERIES, ...overrides });

/** `n` results over three series, a few seconds to ~3 minutes apart, crossing a UTC midnight; mixed outcomes and nulls. */
function generated(n: number, seed: number, start = Date.parse("2025-06-01T21:47:13.250Z")): ProbeResult[] {
  const rand = seeded(seed);
  const series = ["stream:claude-haiku-4-5", "messages:claude-sonnet-4-5", "edge"];
  let t = start;
  return Array.from({ length: n }, () => {
    t += Math.floor(rand() * 180_000);
    const roll = rand();
    const outcome = roll < 0.8 ? "up" : roll < 0.88 ? "degraded" : roll < 0.96 ? "down" : "inconclusive";
    const errorClass = outcome === "up" ? null : (ERROR_CLASSES[Math.floor(rand() * ERROR_CLASSES.length)] ?? null);
    return result(new Date(t).toISOString(), {
      probe: series[Math.floor(rand() * series.length)] ?? "edge",
      outcome,
      errorClass,
      totalMs: rand() < 0.1 ? null : 50 + rand() * 20_000,
      ttftMs: rand() < 0.3 ? null : 20 + rand() * 5_000,
      tokensPerSecond: rand() < 0.3 ? null : rand() * 120,
    });
  });
}

function rollupTables(db: Db): Record<Granularity, Rollup[]> {
  return {
    minute: getRollupsRange(db, "minute", EVER),
    hour: getRollupsRange(db, "hour", EVER),
    day: getRollupsRange(db, "day", EVER),
  };
}

/** The rows as SQLite holds them, JSON text included: "identical" means byte for byte. */
function storedRows(opened: OpenedDatabase): unknown[] {
  return ["rollups_minute", "rollups_hour", "rollups_day", "coverage_hours"].flatMap((table) =>
    opened.sqlite.prepare(`SELECT '${table}' AS t, * FROM ${table} ORDER BY series, bucket_start`).all(),
  );
}

describe("rollups of results (pure)", () => {
  it("buckets by UTC minute, hour and day", () => {
    const at = new Date("2025-06-01T23:59:59.999Z");
    expect(bucketStartOf(at, "minute").toISOString()).toBe("2025-06-01T23:59:00.000Z");
    expect(bucketStartOf(at, "hour").toISOString()).toBe("2025-06-01T23:00:00.000Z");
    expect(bucketStartOf(at, "day").toISOString()).toBe("2025-06-01T00:00:00.000Z");
  });

  it("counts outcomes and error classes of a minute, skipping null measurements", () => {
    const minute = new Date("2025-06-01T12:00:00Z");
    const r = rollupResults(SERIES, minute, [
      result("2025-06-01T12:00:01Z"),
      result("2025-06-01T12:00:11Z"),
      result("2025-06-01T12:00:21Z", { outcome: "degraded", errorClass: "slow", totalMs: 9_000 }),
      result("2025-06-01T12:00:31Z", { outcome: "down", errorClass: "http_5xx", totalMs: 120, ttftMs: null, tokensPerSecond: null }),
      result("2025-06-01T12:00:41Z", { outcome: "down", errorClass: "http_5xx", totalMs: 130, ttftMs: null, tokensPerSecond: null }),
      result("2025-06-01T12:00:51Z", { outcome: "inconclusive", errorClass: "dns_error", totalMs: null, ttftMs: null, tokensPerSecond: null }),
    ]);
    expect(r).toMatchObject({ series: SERIES, bucketStart: minute, up: 2, degraded: 1, down: 2, inconclusive: 1 });
    expect(r.errorClassCounts).toEqual({ dns_error: 1, http_5xx: 2, slow: 1 });
    expect(r.tokensPerSecondSum).toBe(120);
    expect(r.tokensPerSecondCount).toBe(3);

    const stats = rollupStats(r);
    expect(stats.total).toBe(6);
    expect(stats.failureRatio).toBe(2 / 5);
    expect(stats.tokensPerSecond).toBe(40);
    expect(histogramQuantile(r.totalMsHistogram, 1)).toBe(stats.p99Ms);
    expect(Math.abs((stats.p50Ms ?? 0) - 900) / 900).toBeLessThanOrEqual(0.05);
    expect(Math.abs((stats.ttftP95Ms ?? 0) - 400) / 400).toBeLessThanOrEqual(0.05);
  });

  it("reports no failure ratio, percentiles or throughput when nothing was measured", () => {
    const r = rollupResults(SERIES, new Date(0), [
      result("1970-01-01T00:00:01Z", { outcome: "inconclusive", totalMs: null, ttftMs: null, tokensPerSecond: null }),
    ]);
    expect(rollupStats(r)).toMatchObject({ total: 1, failureRatio: null, p95Ms: null, ttftP50Ms: null, tokensPerSecond: null });
  });

  it("makes an hour that equals the merge of its minutes", () => {
    const hour = new Date("2025-06-01T12:00:00Z");
    const results = generated(400, 7, hour.getTime())
      .filter((r) => Date.parse(r.startedAt) < hour.getTime() + 3_600_000)
      .map((r) => ({ ...r, probe: SERIES, tokensPerSecond: r.tokensPerSecond === null ? null : Math.round(r.tokensPerSecond) }));
    const byMinute = new Map<number, ProbeResult[]>();
    for (const r of results) {
      const start = bucketStartOf(new Date(r.startedAt), "minute").getTime();
      byMinute.set(start, [...(byMinute.get(start) ?? []), r]);
    }
    const minutes = [...byMinute].map(([start, rs]) => rollupResults(SERIES, new Date(start), rs));

    expect(minutes.length).toBeGreaterThan(20);
    expect(mergeRollups(SERIES, hour, minutes)).toEqual(rollupResults(SERIES, hour, results));
  });

  it("takes a day's p95 from the merged histograms, where averaging hourly p95s would be far off", () => {
    const day = Date.parse("2025-06-01T00:00:00Z");
    // 22 quiet hours at ~100 ms and 2 hours at ~10 s: 1 result in 12 is slow, so the day's p95 is slow.
    const hours = Array.from({ length: 24 }, (_, h) => {
      const ms = h === 9 || h === 10 ? 10_000 : 100;
      const rs = Array.from({ length: 60 }, (_, m) => result(new Date(day + h * 3_600_000 + m * 60_000).toISOString(), { totalMs: ms + m }));
      return rollupResults(SERIES, new Date(day + h * 3_600_000), rs);
    });
    const merged = rollupStats(mergeRollups(SERIES, new Date(day), hours)).p95Ms ?? NaN;
    const averaged = hours.reduce((sum, h) => sum + (rollupStats(h).p95Ms ?? 0), 0) / hours.length;
    const allValues = hours.flatMap((_, h) => Array.from({ length: 60 }, (_, m) => (h === 9 || h === 10 ? 10_000 : 100) + m));

    expect(merged).toBe(histogramQuantile(histogramOf(allValues), 0.95));
    expect(merged).toBeGreaterThan(9_500);
    expect(averaged).toBeLessThan(1_000);
  });
});

describe("rollup writers", () => {
  let opened: OpenedDatabase;
  let db: Db;

  beforeEach(() => {
    opened = openMigratedMemory();
    db = opened.db;
  });
  afterEach(() => opened.close());

  /** What the worker does: store, then update the rollups of what it stored. */
  function storeAndRoll(results: readonly ProbeResult[]): void {
    for (const r of results) {
      insertProbeResult(db, r);
      updateRollupsForResult(db, r, GAP);
    }
  }

  it("leaves identical rows when the same result is rolled up twice", () => {
    const r = result("2025-06-01T12:34:56.789Z", { outcome: "down", errorClass: "overloaded" });
    storeAndRoll([result("2025-06-01T12:34:01Z"), r]);
    const once = rollupTables(db);
    const onceStored = storedRows(opened);
    updateRollupsForResult(db, r, GAP);
    updateRollupsForResult(db, r, GAP);

    expect(storedRows(opened)).toEqual(onceStored);
    expect(once.minute).toHaveLength(1);
    expect(once.day[0]).toMatchObject({ up: 1, down: 1, errorClassCounts: { overloaded: 1 } });
  });

  it("puts results either side of a UTC midnight in different minute, hour and day buckets", () => {
    storeAndRoll([
      result("2025-06-01T23:59:59.999Z"),
      result("2025-06-02T00:00:00.000Z", { outcome: "down", errorClass: "timeout" }),
      result("2025-06-02T00:00:30.000Z"),
    ]);
    const { minute, hour, day } = rollupTables(db);
    const starts = (rows: Rollup[]) => rows.map((r) => [r.bucketStart.toISOString(), r.up + r.down]);

    expect(starts(minute)).toEqual([["2025-06-01T23:59:00.000Z", 1], ["2025-06-02T00:00:00.000Z", 2]]);
    expect(starts(hour)).toEqual([["2025-06-01T23:00:00.000Z", 1], ["2025-06-02T00:00:00.000Z", 2]]);
    expect(starts(day)).toEqual([["2025-06-01T00:00:00.000Z", 1], ["2025-06-02T00:00:00.000Z", 2]]);
    expect(day[1]?.errorClassCounts).toEqual({ timeout: 1 });
  });

  it("rolls up inside a caller's transaction, as the recorder stores and rolls up in one", () => {
    const r = result("2025-06-01T12:00:05Z", { outcome: "degraded", errorClass: "slow" });
    db.transaction((tx) => {
      const inner = tx as unknown as Db;
      insertProbeResult(inner, r);
      updateRollupsForResult(inner, r, GAP);
    });
    expect(rollupTables(db).day).toMatchObject([{ degraded: 1, errorClassCounts: { slow: 1 } }]);
  });

  it("rebuilds from raw results exactly the rows that incremental updates wrote", () => {
    const results = generated(2_000, 42);
    storeAndRoll(results);
    const incremental = rollupTables(db);

    const other = openDatabase(":memory:");
    try {
      migrateDatabase(other.db);
      insertProbeResults(other.db, results);
      const counts = rebuildRollups(other.db, { gapMsOf: () => GAP.gapMs });
      const rebuilt = rollupTables(other.db);

      expect(rebuilt).toEqual(incremental);
      expect(storedRows(other)).toEqual(storedRows(opened));
      expect(counts).toEqual({ results: 2_000, minutes: rebuilt.minute.length, hours: rebuilt.hour.length, days: rebuilt.day.length });
      expect(incremental.day.length).toBeGreaterThanOrEqual(3 * 3);
      expect(getSeriesNames(other.db)).toEqual(["edge", "messages:claude-sonnet-4-5", "stream:claude-haiku-4-5"]);
    } finally {
      other.close();
    }
  });

  it("rebuilds a range that starts and ends mid-hour without losing the rest of those hours and days", () => {
    const results = generated(1_200, 5);
    storeAndRoll(results);
    const before = rollupTables(db);
    const counts = rebuildRollups(db, { from: new Date("2025-06-02T03:17:31Z"), to: new Date("2025-06-02T19:42:10Z"), gapMsOf: () => GAP.gapMs });

    expect(counts.results).toBeGreaterThan(100);
    expect(counts.results).toBeLessThan(1_000);
    expect(rollupTables(db)).toEqual(before);
  });

  it("keeps the counts of pruned results in hours and days when rebuilding afterwards", async () => {
    storeAndRoll(generated(1_200, 9));
    const before = rollupTables(db);
    // A cutoff on a minute boundary but mid-hour: the hour and day around it are half raw, half only rollups.
    await pruneRawResults(db, { olderThan: new Date("2025-06-02T10:23:00Z"), batchSize: 100 });
    rebuildRollups(db, { gapMsOf: () => GAP.gapMs });

    expect(rollupTables(db)).toEqual(before);
  });

  it("replaces a stored rollup on upsert instead of adding to it", () => {
    const r = rollupResults(SERIES, new Date("2025-06-01T12:00:00Z"), [result("2025-06-01T12:00:01Z")]);
    upsertRollup(db, "hour", r);
    upsertRollup(db, "hour", { ...r, up: 5, errorClassCounts: { slow: 2 } });
    const rows = getRollupsBySeriesRange(db, "hour", { series: SERIES, ...EVER });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ up: 5, errorClassCounts: { slow: 2 } });
    expect(getRollupsRange(db, "hour", { ...EVER, series: ["edge"] })).toEqual([]);
  });
});

describe("what a rollup counts as latency", () => {
  it("an inconclusive result (a DNS failure of our own network) adds no latency and no failure", () => {
    const r = rollupResults("edge", new Date(0), [
      { outcome: "inconclusive", errorClass: "dns_error", totalMs: 5, ttftMs: null, ttfbMs: null, tokensPerSecond: null },
      { outcome: "up", errorClass: null, totalMs: 900, ttftMs: null, ttfbMs: null, tokensPerSecond: null },
    ]);
    const stats = rollupStats(r);
    expect(stats.failureRatio).toBe(0);
    expect(stats.p50Ms! / 900).toBeCloseTo(1, 1);
    const none = rollupStats(rollupResults("edge", new Date(0), [{ outcome: "inconclusive", errorClass: "dns_error", totalMs: 5, ttftMs: null, ttfbMs: null, tokensPerSecond: null }]));
    expect([none.failureRatio, none.p50Ms]).toEqual([null, null]);
  });
});
