/**
 * The acknowledgement grade, in the spirit of StatusGator's: how promptly and how often the official page admitted
 * what Witness measured. Each accountable incident scores by its acknowledgement delay; the mean score is the grade.
 */
import type { IncidentMatch } from "@/lib/judge/accountability";

/** Score bands: (delay at most, score). Independent trackers call under 15 minutes good. */
const BANDS: readonly [number, number][] = [
  [15 * 60_000, 100],
  [30 * 60_000, 85],
  [60 * 60_000, 70],
  [120 * 60_000, 50],
  [Infinity, 30],
];
const GRADES: readonly [number, string][] = [
  [90, "A"],
  [80, "B"],
  [65, "C"],
  [50, "D"],
  [0, "F"],
];

export interface AckStats {
  accountableIncidents: number;
  acknowledged: number;
  neverAcknowledged: number;
  neverAcknowledgedShare: number | null;
  meanAckDelayMs: number | null;
  medianAckDelayMs: number | null;
  score: number | null;
  /** A–F, or null when there was nothing to acknowledge. */
  grade: string | null;
}

/** Never acknowledged scores 0; an acknowledgement before Witness saw anything counts as immediate. */
export function incidentScore(match: IncidentMatch): number {
  if (match.ackDelayMs === null) return 0;
  const delay = Math.max(0, match.ackDelayMs);
  return BANDS.find(([limit]) => delay <= limit)![1];
}

/** Acknowledgement statistics and the grade over the accountable incidents of a window. */
export function ackStats(matches: readonly IncidentMatch[]): AckStats {
  const graded = matches.filter((m) => m.accountable);
  const delays = graded.filter((m) => m.ackDelayMs !== null).map((m) => Math.max(0, m.ackDelayMs!)).sort((a, b) => a - b);
  const score = graded.length ? graded.reduce((sum, m) => sum + incidentScore(m), 0) / graded.length : null;
  const mid = delays.length / 2;
  return {
    accountableIncidents: graded.length,
    acknowledged: delays.length,
    neverAcknowledged: graded.length - delays.length,
    neverAcknowledgedShare: graded.length ? (graded.length - delays.length) / graded.length : null,
    meanAckDelayMs: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : null,
    medianAckDelayMs: delays.length ? (delays.length % 2 ? delays[Math.floor(mid)]! : (delays[mid - 1]! + delays[mid]!) / 2) : null,
    score,
    grade: score === null ? null : GRADES.find(([min]) => score >= min)![1],
  };
}

/** The grade scale as text, for the README and the methodology page. */
export function describeGradeScale(): string {
  const bands = BANDS.map(([limit, score]) => `${limit === Infinity ? "later" : `≤ ${limit / 60_000} min`}: ${score}`).join(", ");
  const grades = GRADES.map(([min, g]) => `${g} ≥ ${min}`).join(", ");
  return `Each incident scores by acknowledgement delay (${bands}; never: 0). Mean score: ${grades}.`;
}
