import { describe, expect, it } from "vitest";
import {
  addToHistogram,
  bucketIndex,
  emptyHistogram,
  histogramCount,
  histogramOf,
  histogramQuantile,
  MAX_MS,
  mergeHistograms,
  type Histogram,
} from "@/lib/keep/histogram";
import { seeded } from "@/lib/simulator/random";

/** Latency-shaped data: log-normal around `medianMs`, plus a slow tail. */
function latencies(seed: number, n: number, medianMs = 800): number[] {
  const rand = seeded(seed);
  return Array.from({ length: n }, () => {
    const gaussian = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const tail = rand() < 0.03 ? 20 : 1;
    return Math.max(1, medianMs * tail * Math.exp(0.7 * gaussian));
  });
}

/** The nearest-rank quantile of raw data: what histogramQuantile approximates. */
function trueQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? NaN;
}

const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

describe("latency histogram", () => {
  it("is empty until values are added, and reports no quantile when empty", () => {
    const h = emptyHistogram();
    expect(histogramCount(h)).toBe(0);
    expect(histogramQuantile(h, 0.5)).toBeNull();
    expect(addToHistogram(h, 120)).toBe(h);
    expect(histogramCount(h)).toBe(1);
  });

  it("answers every quantile of merged histograms exactly as the histogram of all the data", () => {
    const data = latencies(1, 5_000);
    const rand = seeded(2);
    const parts: number[][] = Array.from({ length: 24 }, () => []);
    for (const v of data) parts[Math.floor(rand() * parts.length)]?.push(v);

    const merged = parts.map((p) => histogramOf(p)).reduce((acc, h) => mergeHistograms(acc, h), emptyHistogram());
    const whole = histogramOf(data);

    expect(merged).toEqual(whole);
    for (const q of QUANTILES) expect(histogramQuantile(merged, q)).toBe(histogramQuantile(whole, q));
  });

  it("merges without changing its inputs, in any order", () => {
    const a = histogramOf(latencies(3, 300));
    const b = histogramOf(latencies(4, 300, 2_000));
    const aBefore = structuredClone(a);
    const ab = mergeHistograms(a, b);
    expect(a).toEqual(aBefore);
    expect(mergeHistograms(b, a)).toEqual(ab);
    expect(histogramCount(ab)).toBe(600);
  });

  it.each([11, 12, 13, 14, 15])("stays within 5%% of the true quantile on random data (seed %i)", (seed) => {
    const data = latencies(seed, 2_000, 100 * seed);
    const h = histogramOf(data);
    for (const q of QUANTILES) {
      const truth = trueQuantile(data, q);
      const estimate = histogramQuantile(h, q) ?? NaN;
      expect(Math.abs(estimate - truth) / truth).toBeLessThanOrEqual(0.05);
    }
  });

  it("keeps sub-millisecond values in one bucket and clamps values past the maximum", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(0.4)).toBe(0);
    expect(bucketIndex(-3)).toBe(0);
    expect(bucketIndex(MAX_MS * 10)).toBe(bucketIndex(MAX_MS));
    expect(bucketIndex(Infinity)).toBe(bucketIndex(MAX_MS));
    expect(() => bucketIndex(NaN)).toThrow(RangeError);
    const h: Histogram = histogramOf([MAX_MS * 100]);
    expect(Math.abs((histogramQuantile(h, 1) ?? 0) - MAX_MS) / MAX_MS).toBeLessThanOrEqual(0.05);
  });

  it("rejects quantiles outside [0, 1]", () => {
    const h = histogramOf([1, 2, 3]);
    expect(() => histogramQuantile(h, 1.5)).toThrow(RangeError);
    expect(() => histogramQuantile(h, -0.1)).toThrow(RangeError);
  });
});
