/**
 * A mergeable log-bucketed latency histogram (DDSketch-lite). Bucket bounds are fixed, so two histograms
 * merge by adding counts and the merge is exact: percentiles of a day built from its hours are the
 * percentiles of all its results, which averaging hourly percentiles would not be.
 *
 * Bucket i ≥ 1 holds (1.1^(i-1), 1.1^i] ms and reports its geometric midpoint 1.1^(i-0.5), so any value
 * from 1 ms to MAX_MS is reported within 1.1^0.5 - 1 ≈ 4.9% of itself. Bucket 0 holds [0, 1] ms, where
 * relative error stops meaning anything and an absolute error under 1 ms is what matters.
 */

/**
 * Sparse bucket key → count, stored as JSON: `{"b62": 3, "b71": 1}`. The key is the bucket index behind a
 * "b" because V8 keeps integer-like keys ("62") as sparse array elements, which made building, merging and
 * serialising a million of them about four times slower.
 */
export type Histogram = Record<string, number>;

const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
const PREFIX = "b";

/** Values above this share the top bucket: past any probe deadline, "how much slower" stops mattering. */
export const MAX_MS = 600_000;

/** The bucket a value falls in; negative values count as 0 ms and values over MAX_MS as MAX_MS. */
export function bucketIndex(ms: number): number {
  if (Number.isNaN(ms)) throw new RangeError("Cannot add NaN to a latency histogram");
  if (ms <= 1) return 0;
  return Math.ceil(Math.log(Math.min(ms, MAX_MS)) / LOG_GROWTH);
}

/** The value a bucket reports: the geometric midpoint of its bounds, 0.5 ms for bucket 0. */
export function bucketValue(index: number): number {
  return index <= 0 ? 0.5 : GROWTH ** (index - 0.5);
}

export function emptyHistogram(): Histogram {
  return {};
}

/** Counts `ms` into `h` IN PLACE and returns `h`: rollups add every raw result, so no copy per value. */
export function addToHistogram(h: Histogram, ms: number): Histogram {
  const key = PREFIX + bucketIndex(ms);
  h[key] = (h[key] ?? 0) + 1;
  return h;
}

/** A new histogram of `values`. */
export function histogramOf(values: Iterable<number>): Histogram {
  const h = emptyHistogram();
  for (const v of values) addToHistogram(h, v);
  return h;
}

/** A new histogram holding both; neither input changes. Exact: merging, then asking, equals asking all the data. */
export function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  return mergeAllHistograms([a, b]);
}

/** A new histogram holding all of them, keys in bucket order; none of the inputs change. */
export function mergeAllHistograms(hs: readonly Histogram[]): Histogram {
  // A Map, then one object built in order: adding keys to an object in ever-different orders sends V8
  // through a new hidden class per key, which made merging an hour's minutes the rebuild's slowest step.
  const counts = new Map<string, number>();
  for (const h of hs) for (const key in h) counts.set(key, (counts.get(key) ?? 0) + (h[key] ?? 0));
  return objectInBucketOrder(counts);
}

/** How many values were added. */
export function histogramCount(h: Histogram): number {
  let n = 0;
  for (const c of Object.values(h)) n += c;
  return n;
}

/** The same counts with keys in bucket order, so equal histograms serialise to equal JSON. */
export function sortedHistogram(h: Histogram): Histogram {
  return Object.keys(h).length < 2 ? h : objectInBucketOrder(new Map(Object.entries(h)));
}

function objectInBucketOrder(counts: Map<string, number>): Histogram {
  const sorted: Histogram = {};
  const keys = [...counts.keys()].map((key) => [indexOfKey(key), key] as const).sort((x, y) => x[0] - y[0]);
  for (const [, key] of keys) sorted[key] = counts.get(key) ?? 0;
  return sorted;
}

/**
 * The reported value of the bucket holding the q-quantile (nearest rank: the ceil(q·n)-th smallest value),
 * null when empty. Since bucketing keeps order, that bucket holds the true nearest-rank value itself.
 */
export function histogramQuantile(h: Histogram, q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`Quantile must be within [0, 1], got ${q}`);
  const n = histogramCount(h);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  const buckets = Object.entries(h)
    .map(([key, count]) => [indexOfKey(key), count] as const)
    .sort((x, y) => x[0] - y[0]);
  let seen = 0;
  for (const [index, count] of buckets) {
    seen += count;
    if (seen >= rank) return bucketValue(index);
  }
  // Unreachable while counts are positive; a hand-edited row with negative counts lands here.
  return bucketValue(buckets[buckets.length - 1]?.[0] ?? 0);
}

function indexOfKey(key: string): number {
  const index = Number(key.slice(PREFIX.length));
  if (!key.startsWith(PREFIX) || !Number.isInteger(index)) {
    throw new Error(`Not a latency histogram key: ${JSON.stringify(key)}`);
  }
  return index;
}
