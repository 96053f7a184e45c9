/**
 * Rollups: per series and minute/hour/day, the counts and histograms that charts and reports need, so 90 days
 * read as a few thousand rows instead of millions. Pure: the writers that read and store them live in
 * lib/keep/rollup-writer.ts. Every field merges by addition, so an hour is exactly the merge of its minutes.
 */
import type { RollupRow } from "@/db/schema";
import type { ProbeResult } from "@/probes/types";
import {
  addToHistogram,
  emptyHistogram,
  histogramQuantile,
  mergeAllHistograms,
  sortedHistogram,
} from "@/lib/keep/histogram";

/**
 * One bucket of one series; the same shape as a row of rollups_minute/hour/day. Which vantage's it is, is the
 * writer's business (lib/keep/rollup-writer.ts): the arithmetic is the same for all, so it is optional here.
 */
export type Rollup = Omit<RollupRow, "vantage"> & { vantage?: string };

/** Bucket sizes in ms. Epoch-aligned, hence UTC-aligned: a day is 00:00Z to 24:00Z. */
export const BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type Granularity = keyof typeof BUCKETS;

/** The fields of a result a rollup reads; both ProbeResult and a stored row have them. */
export type RollupInput = Pick<ProbeResult, "outcome" | "errorClass" | "totalMs" | "ttftMs" | "ttfbMs" | "tokensPerSecond">;

export interface RollupStats {
  /** Every result, inconclusive included. */
  total: number;
  /** down / (up + degraded + down): inconclusive runs say nothing about Claude. Null when there are none. */
  failureRatio: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
  /** Mean over the results that measured it; null when none did. */
  tokensPerSecond: number | null;
}

/** The start (UTC) of the bucket holding `date`. */
export function bucketStartOf(date: Date, granularity: Granularity): Date {
  const size = BUCKETS[granularity];
  return new Date(Math.floor(date.getTime() / size) * size);
}

/** A rollup of nothing, to fold results or rollups into. */
export function emptyRollup(series: string, bucketStart: Date): Rollup {
  return {
    series,
    bucketStart,
    up: 0,
    degraded: 0,
    down: 0,
    inconclusive: 0,
    errorClassCounts: {},
    totalMsHistogram: emptyHistogram(),
    ttftMsHistogram: emptyHistogram(),
    ttfbMsHistogram: emptyHistogram(),
    tokensPerSecondSum: 0,
    tokensPerSecondCount: 0,
  };
}

/** Counts one result into `r` IN PLACE (the batch rebuild folds millions); returns `r`. */
export function addResultToRollup(r: Rollup, result: RollupInput): Rollup {
  r[result.outcome] += 1;
  const cls = result.errorClass;
  if (cls !== null) r.errorClassCounts[cls] = (r.errorClassCounts[cls] ?? 0) + 1;
  // An inconclusive result (our network, our key, a bot wall) timed nothing of Claude's: a 5 ms DNS failure is no latency.
  if (result.outcome !== "inconclusive") {
    if (result.totalMs !== null) addToHistogram(r.totalMsHistogram, result.totalMs);
    if (result.ttftMs !== null) addToHistogram(r.ttftMsHistogram, result.ttftMs);
    if (result.ttfbMs !== null) addToHistogram(r.ttfbMsHistogram, result.ttfbMs);
  }
  if (result.tokensPerSecond !== null) {
    r.tokensPerSecondSum += result.tokensPerSecond;
    r.tokensPerSecondCount += 1;
  }
  return r;
}

/** The rollup of `results`, all of which the caller has already chosen to belong to this series and bucket. */
export function rollupResults(series: string, bucketStart: Date, results: readonly RollupInput[]): Rollup {
  const r = emptyRollup(series, bucketStart);
  for (const result of results) addResultToRollup(r, result);
  return canonical(r);
}

/** The rollup of a bucket from the rollups of its sub-buckets; exact, since every field adds. */
export function mergeRollups(series: string, bucketStart: Date, rollups: readonly Rollup[]): Rollup {
  const r = emptyRollup(series, bucketStart);
  const classes = new Map<string, number>();
  // Folded in the caller's order (bucket order everywhere), so the float sum is the same on every path.
  for (const part of rollups) {
    r.up += part.up;
    r.degraded += part.degraded;
    r.down += part.down;
    r.inconclusive += part.inconclusive;
    for (const key in part.errorClassCounts) {
      classes.set(key, (classes.get(key) ?? 0) + (part.errorClassCounts[key] ?? 0));
    }
    r.tokensPerSecondSum += part.tokensPerSecondSum;
    r.tokensPerSecondCount += part.tokensPerSecondCount;
  }
  for (const key of [...classes.keys()].sort()) r.errorClassCounts[key] = classes.get(key) ?? 0;
  r.totalMsHistogram = mergeAllHistograms(rollups.map((part) => part.totalMsHistogram));
  r.ttftMsHistogram = mergeAllHistograms(rollups.map((part) => part.ttftMsHistogram));
  // Rows written before TTFB was kept read it as absent.
  r.ttfbMsHistogram = mergeAllHistograms(rollups.map((part) => part.ttfbMsHistogram ?? {}));
  return r;
}

/**
 * Sorts every key (error classes by name, histogram buckets by index) in place, so the stored JSON depends only
 * on the counts, never on which value came first: rebuilt and incrementally written rows compare equal byte
 * for byte. Returns `r`.
 */
export function canonical(r: Rollup): Rollup {
  const classes = Object.keys(r.errorClassCounts);
  if (classes.length > 1) {
    const sorted: Record<string, number> = {};
    for (const key of classes.sort()) sorted[key] = r.errorClassCounts[key] ?? 0;
    r.errorClassCounts = sorted;
  }
  r.totalMsHistogram = sortedHistogram(r.totalMsHistogram);
  r.ttftMsHistogram = sortedHistogram(r.ttftMsHistogram);
  r.ttfbMsHistogram = sortedHistogram(r.ttfbMsHistogram);
  return r;
}

/** What a chart point or a report row shows for one rollup. */
export function rollupStats(r: Rollup): RollupStats {
  const decided = r.up + r.degraded + r.down;
  return {
    total: decided + r.inconclusive,
    failureRatio: decided === 0 ? null : r.down / decided,
    p50Ms: histogramQuantile(r.totalMsHistogram, 0.5),
    p95Ms: histogramQuantile(r.totalMsHistogram, 0.95),
    p99Ms: histogramQuantile(r.totalMsHistogram, 0.99),
    ttftP50Ms: histogramQuantile(r.ttftMsHistogram, 0.5),
    ttftP95Ms: histogramQuantile(r.ttftMsHistogram, 0.95),
    ttftP99Ms: histogramQuantile(r.ttftMsHistogram, 0.99),
    tokensPerSecond: r.tokensPerSecondCount === 0 ? null : r.tokensPerSecondSum / r.tokensPerSecondCount,
  };
}
