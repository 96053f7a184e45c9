/**
 * Coverage: the minutes in which Witness measured a series. One rule, used by every uptime figure: a conclusive
 * result (up, degraded or down) covers from its start until the series' next result, but at most `gapMs` (2.5
 * intervals: past that, Witness was not running). A minute is measured when any covered span touches it.
 *
 * An inconclusive result covers nothing and ends the reach of the one before it: rate limits, a bad key, a bot wall
 * or Witness's own network going down ("monitor offline") say nothing about Claude, so those minutes count toward
 * no uptime, up or down.
 *
 * Stored per series and hour (coverage_hours) so 90 days read as a few thousand small rows: each hour keeps its own
 * covered minutes, clipped at its end, and its first and last result, from which the reach of one hour's last result
 * into the next is worked out when hours are read together. Pure; the writers live in lib/keep/rollup-writer.ts.
 */
import { LOCAL_VANTAGE, type CoverageHourRow } from "@/db/schema";
import type { FileConfig } from "@/lib/config";
import { gapMs } from "@/lib/config";
import { BUCKETS } from "@/lib/keep/rollups";
import type { Outcome, ProbeKind } from "@/probes/types";
import { PROBE_KINDS } from "@/probes/types";

const MINUTE = BUCKETS.minute;
const HOUR = BUCKETS.hour;

/** One series' coverage of one hour, as coverage_hours stores it (times in epoch ms here). */
export interface HourCoverage {
  series: string;
  bucketStart: number;
  firstAt: number;
  lastAt: number;
  lastConclusive: boolean;
  gapMs: number;
  /** [start, end) minute offsets from bucketStart, ascending and disjoint. */
  covered: [number, number][];
}

/** The row of `vantage` (this install's own by default). */
export function toCoverageRow(c: HourCoverage, vantage: string = LOCAL_VANTAGE): CoverageHourRow {
  return { ...c, vantage, bucketStart: new Date(c.bucketStart), firstAt: new Date(c.firstAt), lastAt: new Date(c.lastAt) };
}

/** Whether a result says anything about Claude: only these measure a minute. */
export function isConclusive(outcome: Outcome): boolean {
  return outcome !== "inconclusive";
}

/** The reach of a series' results: the gap of its kind (`stream:…` → stream), or the widest gap for a name we do not know. */
export function coverageGapOf(config: FileConfig): (series: string) => number {
  const known = new Set<string>(PROBE_KINDS);
  const widest = gapMs(config, PROBE_KINDS);
  return (series) => {
    const kind = series.split(":")[0]!;
    return known.has(kind) ? gapMs(config, [kind as ProbeKind]) : widest;
  };
}

/** Folds one series' results of one hour, in (startedAt, id) order, into its HourCoverage. */
export class HourCoverageBuilder {
  readonly bucketStart: number;
  /** Results folded in. */
  count = 0;
  private readonly slots = new Uint8Array(HOUR / MINUTE);
  private firstAt: number | null = null;
  private lastAt = 0;
  private lastConclusive = false;

  constructor(
    readonly series: string,
    at: number,
    private readonly gapMs: number,
  ) {
    this.bucketStart = Math.floor(at / HOUR) * HOUR;
  }

  add(at: number, outcome: Outcome): void {
    if (this.firstAt !== null && this.lastConclusive) paintSpan(this.slots, this.bucketStart, this.lastAt, Math.min(at, this.lastAt + this.gapMs));
    this.firstAt ??= at;
    this.lastAt = at;
    this.lastConclusive = isConclusive(outcome);
    this.count += 1;
  }

  /** The hour so far, its last result reaching to the hour's end at most; null when nothing was added. */
  build(): HourCoverage | null {
    if (this.firstAt === null) return null;
    const slots = this.slots.slice();
    if (this.lastConclusive) paintSpan(slots, this.bucketStart, this.lastAt, Math.min(this.bucketStart + HOUR, this.lastAt + this.gapMs));
    return { series: this.series, bucketStart: this.bucketStart, firstAt: this.firstAt, lastAt: this.lastAt, lastConclusive: this.lastConclusive, gapMs: this.gapMs, covered: runsOf(slots) };
  }
}

/** The coverage of one hour of one series from all its results (any order); null for none. */
export function hourCoverageOf(series: string, results: readonly { at: number; outcome: Outcome }[], gap: number): HourCoverage | null {
  if (results.length === 0) return null;
  const builder = new HourCoverageBuilder(series, results[0]!.at, gap);
  for (const r of [...results].sort((a, b) => a.at - b.at)) builder.add(r.at, r.outcome);
  return builder.build();
}

/**
 * Marks with 1, in `out` (one slot a minute from the minute-aligned `from`), the minutes one series' hours cover:
 * each hour's own minutes, and each hour's last result reaching on until the next stored result, at most its gap.
 * `hours` are that series' rows oldest first; the first may lie before `from` (it carries its reach in).
 */
export function paintSeriesCoverage(out: Uint8Array, from: number, hours: readonly HourCoverage[]): void {
  let prev: HourCoverage | null = null;
  for (const hour of hours) {
    if (prev?.lastConclusive) paintSpan(out, from, prev.lastAt, Math.min(hour.firstAt, prev.lastAt + prev.gapMs));
    const offset = (hour.bucketStart - from) / MINUTE;
    for (const [a, b] of hour.covered) {
      const i0 = Math.max(0, offset + a);
      const i1 = Math.min(out.length, offset + b);
      if (i1 > i0) out.fill(1, i0, i1);
    }
    prev = hour;
  }
  if (prev?.lastConclusive) paintSpan(out, from, prev.lastAt, prev.lastAt + prev.gapMs);
}

/** How many of the slots [from, to) are marked. */
export function countCovered(covered: Uint8Array, from = 0, to = covered.length): number {
  let n = 0;
  for (let i = Math.max(0, from); i < Math.min(to, covered.length); i++) n += covered[i]!;
  return n;
}

/** Marks the minutes the span [start, end) touches. */
function paintSpan(out: Uint8Array, from: number, start: number, end: number): void {
  if (end <= start) return;
  const i0 = Math.max(0, Math.floor((start - from) / MINUTE));
  const i1 = Math.min(out.length, Math.ceil((end - from) / MINUTE));
  if (i1 > i0) out.fill(1, i0, i1);
}

function runsOf(slots: Uint8Array): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < slots.length; i++) {
    if (!slots[i]) continue;
    const last = runs.at(-1);
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
}
