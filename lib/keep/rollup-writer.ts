/**
 * The two writers of rollups. Both define a bucket the same way (a minute from its raw results, an hour from
 * its minute rows, a day from its hour rows, an hour's coverage from its raw results) and both replace rows instead
 * of adding to them, so the worker's incremental path and the batch rebuild write identical rows, and re-running
 * either after a crash is harmless.
 */
import type { Db } from "@/db/client";
import { LOCAL_VANTAGE } from "@/db/schema";
import {
  getResultOutcomesForBucket,
  getResultsForBucket,
  getRollupsBySeriesRange,
  prepareRollupBulkStatements,
  upsertCoverageHour,
  upsertRollup,
  type RollupBulkStatements,
} from "@/db/queries/rollups";
import type { ProbeResult } from "@/probes/types";
import { hourCoverageOf, HourCoverageBuilder, toCoverageRow, type HourCoverage } from "@/lib/judge/coverage";
import {
  addResultToRollup,
  BUCKETS,
  bucketStartOf,
  canonical,
  emptyRollup,
  mergeRollups,
  rollupResults,
  type Granularity,
  type Rollup,
  type RollupInput,
} from "@/lib/keep/rollups";

/** What updateRollupsForResult wrote; null where there was nothing to write. */
export interface UpdatedRollups {
  minute: Rollup | null;
  hour: Rollup | null;
  day: Rollup | null;
}

/** Rows written (inserted or replaced) per table, and raw results read. */
export interface RebuildCounts {
  results: number;
  minutes: number;
  hours: number;
  days: number;
}

/** Raw results read per page; each page's writes are one transaction. */
const PAGE_SIZE = 5_000;

/**
 * Recomputes the minute, hour, day and hour coverage of an already stored result of `vantage` (this install's own by
 * default), in one transaction; idempotent.
 */
export function updateRollupsForResult(db: Db, result: ProbeResult, coverage: { gapMs: number }, vantage: string = LOCAL_VANTAGE): UpdatedRollups {
  const at = startOf(result);
  return db.transaction((tx) => {
    const minute = recomputeMinute(tx, vantage, result.probe, bucketStartOf(at, "minute"));
    const hour = recomputeParent(tx, vantage, result.probe, bucketStartOf(at, "hour"), "hour", coverage.gapMs);
    const day = recomputeParent(tx, vantage, result.probe, bucketStartOf(at, "day"), "day", coverage.gapMs);
    return { minute, hour, day };
  });
}

/**
 * The same for many stored results at once (a vantage's batch at the hub): each bucket they touch is recomputed once,
 * minutes first, then their hours and the hours' coverage, then the days, so the rows written are those one update
 * per result would have left, for a fraction of the reads (an hour is 60 minute rows and up to 360 raw results).
 */
export function updateRollupsForResults(db: Db, results: readonly ProbeResult[], gapMsOf: (result: ProbeResult) => number, vantage: string = LOCAL_VANTAGE): void {
  const bySeries = new Map<string, { gapMs: number; minutes: Set<number>; hours: Set<number>; days: Set<number> }>();
  for (const result of results) {
    const at = startOf(result);
    let touched = bySeries.get(result.probe);
    if (!touched) bySeries.set(result.probe, (touched = { gapMs: gapMsOf(result), minutes: new Set(), hours: new Set(), days: new Set() }));
    touched.minutes.add(bucketStartOf(at, "minute").getTime());
    touched.hours.add(bucketStartOf(at, "hour").getTime());
    touched.days.add(bucketStartOf(at, "day").getTime());
  }
  db.transaction((tx) => {
    for (const [series, touched] of bySeries) {
      for (const start of touched.minutes) recomputeMinute(tx, vantage, series, new Date(start));
      for (const start of touched.hours) recomputeParent(tx, vantage, series, new Date(start), "hour", touched.gapMs);
      for (const start of touched.days) recomputeParent(tx, vantage, series, new Date(start), "day", touched.gapMs);
    }
  });
}

/** Db or a transaction on it: what the recomputations read and write through. */
type Tx = Pick<Db, "select" | "selectDistinct" | "insert">;

function startOf(result: ProbeResult): Date {
  const at = new Date(result.startedAt);
  if (Number.isNaN(at.getTime())) {
    throw new Error(`ProbeResult ${result.probe} has an invalid startedAt: ${JSON.stringify(result.startedAt)}`);
  }
  return at;
}

/** A minute from its raw results. No raw rows means they were pruned: the stored minute is then the only record left, so it stays. */
function recomputeMinute(tx: Tx, vantage: string, series: string, from: Date): Rollup | null {
  const raw = getResultsForBucket(tx, { series, from, to: bucketEnd(from, "minute"), vantage });
  const minute = raw.length === 0 ? null : rollupResults(series, from, raw);
  if (minute !== null) upsertRollup(tx, "minute", { ...minute, vantage });
  return minute;
}

/** An hour from its minutes (and its coverage from its raw results), or a day from its hours. */
function recomputeParent(tx: Tx, vantage: string, series: string, start: Date, parent: "hour" | "day", gapMs: number): Rollup | null {
  const child: Granularity = parent === "hour" ? "minute" : "hour";
  const parts = getRollupsBySeriesRange(tx, child, { series, from: start, to: bucketEnd(start, parent), vantage });
  if (parts.length === 0) return null;
  const merged = mergeRollups(series, start, parts);
  upsertRollup(tx, parent, { ...merged, vantage });
  if (parent === "hour") {
    const raw = getResultOutcomesForBucket(tx, { series, from: start, to: bucketEnd(start, "hour"), vantage });
    const covered = completeCoverage(series, raw, merged, gapMs);
    if (covered !== null) upsertCoverageHour(tx, toCoverageRow(covered, vantage));
  }
  return merged;
}

/**
 * An hour's coverage from its raw results, or null when some were pruned (fewer raw results than the hour rollup
 * counts): a coverage row needs every result's time, so the stored one, made while they all existed, stands.
 */
function completeCoverage(series: string, raw: readonly { at: number; outcome: ProbeResult["outcome"] }[], hour: Rollup, gapMs: number): HourCoverage | null {
  return raw.length === totalOf(hour) ? hourCoverageOf(series, raw, gapMs) : null;
}

function totalOf(r: Rollup): number {
  return r.up + r.degraded + r.down + r.inconclusive;
}

/**
 * Rewrites the rollups of raw results started in [from, to) (default: all), widened to whole minutes, in one
 * pass over the started_at index. Hours and days at the edges of the range, or whose earlier raw results were
 * pruned, still count the minute and hour rows already stored for them. `gapMsOf` is each series' coverage reach
 * (lib/judge/coverage.ts coverageGapOf).
 */
export function rebuildRollups(db: Db, range: { from?: Date; to?: Date; gapMsOf: (series: string) => number }): RebuildCounts {
  const bulk = prepareRollupBulkStatements(db);
  const minute = BUCKETS.minute;
  const from = range.from === undefined ? Number.MIN_SAFE_INTEGER : floorTo(range.from.getTime(), minute);
  const to = range.to === undefined ? Number.MAX_SAFE_INTEGER : -floorTo(-range.to.getTime(), minute);
  const counts: RebuildCounts = { results: 0, minutes: 0, hours: 0, days: 0 };
  const cascades = new Map<string, SeriesCascade>();
  const input: RollupInput = { outcome: "up", errorClass: null, totalMs: null, ttftMs: null, ttfbMs: null, tokensPerSecond: null };

  let afterStartedAt = from;
  let afterId = -1;
  for (;;) {
    let read = 0;
    // Only reads inside this loop: better-sqlite3 refuses every other statement while an iterator is open,
    // so the scan goes page by page and each page's writes wait for the page to end.
    const page = bulk.iterateResultsPage({ afterStartedAt, afterId, before: to, limit: PAGE_SIZE });
    for (const [vantage, series, id, startedAt, outcome, errorClass, totalMs, ttftMs, tokensPerSecond, ttfbMs] of page) {
      read += 1;
      const key = `${vantage}\u0000${series}`;
      let cascade = cascades.get(key);
      if (cascade === undefined) {
        cascade = new SeriesCascade(db, bulk, { vantage, series }, counts, range.gapMsOf(series));
        cascades.set(key, cascade);
      }
      // One reused object instead of one per row: a million rows is a million fewer allocations.
      input.outcome = outcome;
      input.errorClass = errorClass;
      input.totalMs = totalMs;
      input.ttftMs = ttftMs;
      input.ttfbMs = ttfbMs;
      input.tokensPerSecond = tokensPerSecond;
      cascade.add(startedAt, input);
      afterStartedAt = startedAt;
      afterId = id;
    }
    counts.results += read;
    const done = read < PAGE_SIZE;
    db.transaction(() => {
      for (const cascade of cascades.values()) cascade.flush(done);
    });
    if (done) return counts;
  }
}

/** Whose rows a cascade writes: one vantage's series. */
interface SeriesKey {
  vantage: string;
  series: string;
}

/** One series' buckets still being built during a rebuild. */
class SeriesCascade {
  private minute: Rollup | null = null;
  private minuteStart = 0;
  /** Finished minutes, written at the end of the page. */
  private pending: Rollup[] = [];
  private readonly hours: OpenBucket;
  private readonly days: OpenBucket;
  /** The hour whose coverage is being folded, and finished ones waiting for their hour rollup to be written. */
  private coverage: HourCoverageBuilder | null = null;
  private readonly finishedCoverage = new Map<number, HourCoverageBuilder>();

  constructor(
    private readonly db: Db,
    private readonly bulk: RollupBulkStatements,
    private readonly key: SeriesKey,
    private readonly counts: RebuildCounts,
    private readonly gapMs: number,
  ) {
    this.hours = new OpenBucket(db, bulk, key, "hour", "minute");
    this.days = new OpenBucket(db, bulk, key, "day", "hour");
  }

  private get series(): string {
    return this.key.series;
  }

  /** Folds in the next raw result of this series; touches no table. */
  add(startedAt: number, result: RollupInput): void {
    if (this.coverage === null || floorTo(startedAt, BUCKETS.hour) !== this.coverage.bucketStart) {
      if (this.coverage !== null) this.finishedCoverage.set(this.coverage.bucketStart, this.coverage);
      this.coverage = new HourCoverageBuilder(this.series, startedAt, this.gapMs);
    }
    this.coverage.add(startedAt, result.outcome);
    const start = floorTo(startedAt, BUCKETS.minute);
    if (this.minute === null || start !== this.minuteStart) {
      if (this.minute !== null) this.pending.push(canonical(this.minute));
      this.minute = emptyRollup(this.series, new Date(start));
      this.minuteStart = start;
    }
    addResultToRollup(this.minute, result);
  }

  /** Writes the finished minutes and the hours and days they complete; at the end, everything still open. */
  flush(end: boolean): void {
    if (end && this.minute !== null) {
      this.pending.push(canonical(this.minute));
      this.minute = null;
    }
    if (end && this.coverage !== null) {
      this.finishedCoverage.set(this.coverage.bucketStart, this.coverage);
      this.coverage = null;
    }
    for (const m of this.pending) {
      this.bulk.upsertRollup("minute", { ...m, vantage: this.key.vantage });
      this.counts.minutes += 1;
      const hour = this.hours.add(m);
      if (hour !== null) this.wroteHour(hour);
    }
    this.pending = [];
    if (!end) return;
    const hour = this.hours.close();
    if (hour !== null) this.wroteHour(hour);
    if (this.days.close() !== null) this.counts.days += 1;
  }

  private wroteHour(hour: Rollup): void {
    this.counts.hours += 1;
    this.writeCoverage(hour);
    if (this.days.add(hour) !== null) this.counts.days += 1;
  }

  /**
   * The coverage of an hour just written. The folded results are all of the hour's when they are as many as it
   * counts; otherwise (an hour at an edge of the range) they are read from the table, as the rollups' edges are.
   */
  private writeCoverage(hour: Rollup): void {
    const start = hour.bucketStart.getTime();
    const folded = this.finishedCoverage.get(start);
    this.finishedCoverage.delete(start);
    const covered =
      folded !== undefined && folded.count === totalOf(hour)
        ? folded.build()
        : completeCoverage(this.series, getResultOutcomesForBucket(this.db, { ...this.key, from: hour.bucketStart, to: bucketEnd(hour.bucketStart, "hour") }), hour, this.gapMs);
    if (covered !== null) this.bulk.upsertCoverageHour(toCoverageRow(covered, this.key.vantage));
  }
}

/** The children of one parent bucket, collected in order; the parent is written when a child of the next arrives. */
class OpenBucket {
  private start: number | null = null;
  private parts: Rollup[] = [];

  constructor(
    private readonly db: Db,
    private readonly bulk: RollupBulkStatements,
    private readonly key: SeriesKey,
    private readonly parent: Granularity,
    private readonly child: Granularity,
  ) {}

  /** Takes the next child (already stored); returns the parent it completed and wrote, if any. */
  add(child: Rollup): Rollup | null {
    const start = floorTo(child.bucketStart.getTime(), BUCKETS[this.parent]);
    const completed = this.start !== null && start !== this.start ? this.close() : null;
    this.start = start;
    this.parts.push(child);
    return completed;
  }

  /** Writes the open parent, if any, and returns it. */
  close(): Rollup | null {
    if (this.start === null) return null;
    const from = this.start;
    const to = from + BUCKETS[this.parent];
    const stored = this.bulk.countRollups(this.child, { ...this.key, from, to });
    // The children seen are usually all there are; when the table holds more (a range that began mid-hour,
    // pruned raw results) those rows belong to the parent too, so it is built from the table like updates do.
    const parts =
      stored === this.parts.length
        ? this.parts
        : getRollupsBySeriesRange(this.db, this.child, { ...this.key, from: new Date(from), to: new Date(to) });
    const merged = mergeRollups(this.key.series, new Date(from), parts);
    this.bulk.upsertRollup(this.parent, { ...merged, vantage: this.key.vantage });
    this.start = null;
    this.parts = [];
    return merged;
  }
}

function bucketEnd(start: Date, granularity: Granularity): Date {
  return new Date(start.getTime() + BUCKETS[granularity]);
}

/** Math.floor, not %, so times before 1970 land in the bucket below them too. */
function floorTo(ms: number, size: number): number {
  return Math.floor(ms / size) * size;
}
