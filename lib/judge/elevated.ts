/**
 * Elevated errors: the intermittent failure the outage reports describe ("intermittent HTTP 500 errors"), which the
 * per-series detector can miss when no two failures follow each other. Every conclusive result of a surface is pooled
 * into one sliding window; the surface is degraded when its failures there are too many to be the background: the
 * chance of seeing that many failures of that many results, were each to fail with the background's probability, is
 * under `openAlpha`. It recovers when the window no longer holds even loose evidence (`resolveAlpha`).
 *
 * Chosen by simulation (npm run bench -- incidents prints it): with three series a minute, a 15-minute window, a 2%
 * background and openAlpha 3e-5, 200 simulated days of 2% failures (isolated or independent) opened nothing, 20%
 * failing (every fifth request) opened within 10 minutes, 50% alternating within 3. With one series a minute there
 * are too few samples to tell 20% from noise that fast; the per-series detector still catches 50%. Pure.
 */
import type { Observation } from "@/lib/judge/detector";

export interface ElevatedPolicy {
  windowMs: number;
  /** The failure probability of the background: isolated blips every monitor sees. */
  baseline: number;
  openAlpha: number;
  resolveAlpha: number;
  /** Never on fewer failures than this, whatever the statistics say. */
  minFailures: number;
  gapMs: number;
}

export const DEFAULT_ELEVATED: Omit<ElevatedPolicy, "gapMs"> = { windowMs: 15 * 60_000, baseline: 0.02, openAlpha: 3e-5, resolveAlpha: 0.01, minFailures: 3 };

interface Entry {
  at: number;
  bad: boolean;
  errorClass: string | null;
  requestId: string | null;
}

export interface ElevatedIncident {
  id: number | null;
  startedAt: number;
  confirmedAt: number;
  failedResults: number;
  totalResults: number;
  peakFailureRatio: number;
  errorClassCounts: Record<string, number>;
  sampleRequestIds: string[];
  lastResultAt: number;
}

export interface ElevatedState {
  window: Entry[];
  open: ElevatedIncident | null;
  lastAt: number | null;
  /** Evidence from before this (an incident of the surface ended then) never counts again. */
  since: number | null;
}

export type ElevatedTransition = { type: "opened" | "updated"; incident: ElevatedIncident } | { type: "resolved"; incident: ElevatedIncident; endedAt: number } | null;

export function initialElevatedState(): ElevatedState {
  return { window: [], open: null, lastAt: null, since: null };
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space so n in the thousands stays exact enough. */
export function binomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let sum = 0;
  let logChoose = 0;
  for (let j = 1; j <= k; j++) logChoose += Math.log(n - k + j) - Math.log(j);
  for (let j = k; j <= n; j++) {
    sum += Math.exp(logChoose + j * Math.log(p) + (n - j) * Math.log1p(-p));
    logChoose += Math.log(n - j) - Math.log(j + 1);
  }
  return Math.min(1, sum);
}

/** Fold one result of any series of the surface into its pooled state. Inconclusive results change nothing. */
export function nextElevatedState(prev: ElevatedState, r: Observation, policy: ElevatedPolicy): { state: ElevatedState; transition: ElevatedTransition } {
  if (r.outcome === "inconclusive") return { state: prev, transition: null };
  const entry: Entry = { at: r.at, bad: r.outcome !== "up", errorClass: r.errorClass, requestId: r.requestId };
  const afterGap = prev.lastAt !== null && r.at - prev.lastAt > policy.gapMs;
  const from = Math.max(r.at - policy.windowMs, prev.since ?? -Infinity);
  const window = afterGap ? [entry] : [...prev.window.filter((e) => e.at > from), entry];
  const failed = window.filter((e) => e.bad);
  const p = binomialTail(failed.length, window.length, policy.baseline);
  const state: ElevatedState = { window, open: prev.open, lastAt: Math.max(r.at, prev.lastAt ?? r.at), since: prev.since };
  if (!prev.open) {
    if (failed.length < policy.minFailures || p >= policy.openAlpha) return { state, transition: null };
    const incident: ElevatedIncident = { id: null, startedAt: failed[0]!.at, confirmedAt: r.at, failedResults: 0, totalResults: 0, peakFailureRatio: failed.length / window.length, errorClassCounts: {}, sampleRequestIds: [], lastResultAt: r.at };
    for (const e of window.filter((w) => w.at >= incident.startedAt)) tally(incident, e);
    return { state: { ...state, open: incident }, transition: { type: "opened", incident } };
  }
  const incident: ElevatedIncident = { ...prev.open, errorClassCounts: { ...prev.open.errorClassCounts }, sampleRequestIds: [...prev.open.sampleRequestIds] };
  tally(incident, entry);
  incident.peakFailureRatio = Math.max(incident.peakFailureRatio, failed.length / window.length);
  if (p < policy.resolveAlpha || entry.bad) return { state: { ...state, open: incident }, transition: { type: "updated", incident } };
  // Ends with the first success after the last failure the window still held.
  const lastBad = [...window].reverse().find((e) => e.bad)?.at ?? -Infinity;
  const endedAt = window.find((e) => !e.bad && e.at > lastBad)?.at ?? r.at;
  return { state: { window: [], open: null, lastAt: state.lastAt, since: endedAt }, transition: { type: "resolved", incident, endedAt } };
}

/** Another incident of the surface ended at `endedAt`: its failures are spent and must not open an elevated one. */
export function forgetBefore(state: ElevatedState, endedAt: number): ElevatedState {
  return { ...state, window: state.window.filter((e) => e.at >= endedAt), since: Math.max(state.since ?? -Infinity, endedAt) };
}

function tally(incident: ElevatedIncident, e: Entry): void {
  incident.totalResults += 1;
  incident.lastResultAt = Math.max(incident.lastResultAt, e.at);
  if (!e.bad) return;
  incident.failedResults += 1;
  if (e.errorClass) incident.errorClassCounts[e.errorClass] = (incident.errorClassCounts[e.errorClass] ?? 0) + 1;
  if (e.requestId && incident.sampleRequestIds.length < 5) incident.sampleRequestIds.push(e.requestId);
}
