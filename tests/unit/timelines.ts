/** Building replayable timelines for detector and comparison tests. */
import { hourCoverageOf, paintSeriesCoverage } from "@/lib/judge/coverage";
import type { DetectorPolicy, Observation } from "@/lib/judge/detector";
import { slotCount, type Window } from "@/lib/judge/timeline";
import type { ErrorClass } from "@/probes/types";

export const MIN = 60_000;
export const DAY0 = Date.UTC(2026, 3, 13); // 2026-04-13 00:00 UTC

/** PRODUCT defaults: open after 2, or 50% of 5 minutes (4+ results); resolve after 3; a gap is 2.5 intervals. */
export const POLICY: DetectorPolicy = { openAfter: 2, failureRatio: 0.5, windowMs: 5 * MIN, minWindowResults: 4, resolveAfter: 3, gapMs: 2.5 * MIN };

const CODES: Record<string, { outcome: Observation["outcome"]; errorClass: ErrorClass | null }> = {
  u: { outcome: "up", errorClass: null },
  D: { outcome: "down", errorClass: "http_5xx" },
  E: { outcome: "down", errorClass: "empty_response" },
  O: { outcome: "down", errorClass: "overloaded" },
  S: { outcome: "degraded", errorClass: "slow" },
  I: { outcome: "inconclusive", errorClass: "rate_limited" },
};

/** One result a minute from `start`: `u` up, `D` 500, `E` empty 200, `O` 529, `S` slow, `I` inconclusive, `.` no result. */
export function timeline(pattern: string, start = DAY0, stepMs = MIN): Observation[] {
  const out: Observation[] = [];
  [...pattern.replace(/\s+/g, "")].forEach((code, i) => {
    const c = CODES[code];
    if (c) out.push({ at: start + i * stepMs, ...c, requestId: c.errorClass ? `req_${i}` : null });
  });
  return out;
}


/** The minutes one series' observations cover over `window`, through the stored hours exactly as the pages read them. */
export function coverageOf(window: Window, observations: readonly Observation[], gapMs: number): Uint8Array {
  const hours = new Map<number, Observation[]>();
  for (const o of observations) {
    const hour = Math.floor(o.at / 3_600_000) * 3_600_000;
    hours.set(hour, [...(hours.get(hour) ?? []), o]);
  }
  const rows = [...hours.keys()].sort((a, b) => a - b).map((h) => hourCoverageOf("series", hours.get(h)!, gapMs)!);
  const covered = new Uint8Array(slotCount(window));
  paintSeriesCoverage(covered, window.from, rows);
  return covered;
}
