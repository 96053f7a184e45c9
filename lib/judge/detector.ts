/**
 * The incident detector: folds one series' results into its state, Gatus-style. An incident opens after
 * `openAfter` consecutive failing results (an outage, or degraded when the failures were slow or wrong answers), or
 * when failures pass `failureRatio` of the window between successes (elevated errors: degraded); it resolves after
 * `resolveAfter` consecutive successes. Pure: no clock, no database, so a day can be replayed in milliseconds.
 */
import type { ErrorClass, Outcome } from "@/probes/types";

export type Severity = "degraded" | "down";

/** What the detector needs of a result. */
export interface Observation {
  at: number;
  outcome: Outcome;
  errorClass: ErrorClass | null;
  requestId: string | null;
}

export interface DetectorPolicy {
  openAfter: number;
  failureRatio: number;
  windowMs: number;
  minWindowResults: number;
  resolveAfter: number;
  /** No result for this long means the monitor was away: failures on either side are not one run. */
  gapMs: number;
}

interface WindowEntry {
  at: number;
  bad: Severity | null;
  errorClass: ErrorClass | null;
  requestId: string | null;
}

export interface OpenIncident {
  /** The database row, once stored. */
  id: number | null;
  startedAt: number;
  confirmedAt: number;
  severity: Severity;
  peakFailureRatio: number;
  errorClassCounts: Record<string, number>;
  sampleRequestIds: string[];
  failedResults: number;
  totalResults: number;
  lastResultAt: number;
  /** Start of the current run of successes, which becomes the end if it reaches resolveAfter. */
  upRunStartedAt: number | null;
  upRun: number;
}

export interface SeriesState {
  /** Conclusive results inside the window, oldest first. */
  window: WindowEntry[];
  /** Consecutive failing results, newest last (reset by a success or a gap). */
  streak: WindowEntry[];
  open: OpenIncident | null;
  lastAt: number | null;
  /** When the last incident ended: evidence from before it never counts again (absent in states saved before). */
  lastEndedAt?: number | null;
}

export type Transition =
  | { type: "opened"; incident: OpenIncident }
  | { type: "updated"; incident: OpenIncident }
  | { type: "resolved"; incident: OpenIncident; endedAt: number }
  | null;

const MAX_SAMPLE_IDS = 5;

export function initialSeriesState(): SeriesState {
  return { window: [], streak: [], open: null, lastAt: null, lastEndedAt: null };
}

/** Fold one result into a series' state. Inconclusive results change nothing: they are ours, not Claude's. */
export function nextIncidentState(prev: SeriesState, result: Observation, policy: DetectorPolicy): { state: SeriesState; transition: Transition } {
  if (result.outcome === "inconclusive") return { state: prev, transition: null };
  const bad: Severity | null = result.outcome === "down" ? "down" : result.outcome === "degraded" ? "degraded" : null;
  const entry: WindowEntry = { at: result.at, bad, errorClass: result.errorClass, requestId: result.requestId };
  const afterGap = prev.lastAt !== null && result.at - prev.lastAt > policy.gapMs;
  // A resolution clears the window, and a state saved before that rule still carries older entries: drop them here too.
  const since = Math.max(result.at - policy.windowMs, prev.lastEndedAt ?? -Infinity);
  const isCurrent = (e: WindowEntry) => !afterGap && e.at > since;
  const window = [...prev.window.filter(isCurrent), entry];
  // Bounded: before an incident opens the streak never passes openAfter; after, only its tail matters. Consecutive
  // results count whatever the window's length (a series probed every 5 or 10 minutes has one result per window); only
  // a gap or an earlier incident's end breaks the run.
  const streak = bad ? [...prev.streak.filter((e) => !afterGap && e.at > (prev.lastEndedAt ?? -Infinity)), entry].slice(-policy.openAfter) : [];
  const state: SeriesState = { window, streak, open: prev.open, lastAt: result.at, lastEndedAt: prev.lastEndedAt ?? null };
  if (state.open) return continueIncident(state, state.open, entry, policy);
  // Only a failure opens an incident: a success can confirm nothing, whatever the window still holds.
  return bad ? maybeOpen(state, policy) : { state, transition: null };
}

function failureRatio(window: readonly WindowEntry[]): number {
  return window.length === 0 ? 0 : window.filter((e) => e.bad).length / window.length;
}

/** Down when down results are at least half of the failures that triggered it; degraded otherwise. */
function severityOf(failures: readonly WindowEntry[]): Severity {
  const downs = failures.filter((e) => e.bad === "down").length;
  return downs * 2 >= failures.length ? "down" : "degraded";
}

function maybeOpen(state: SeriesState, policy: DetectorPolicy): { state: SeriesState; transition: Transition } {
  const ratio = failureRatio(state.window);
  const byStreak = state.streak.length >= policy.openAfter;
  const byRatio = state.window.length >= policy.minWindowResults && ratio >= policy.failureRatio;
  if (!byStreak && !byRatio) return { state, transition: null };
  // The incident began with the first failure that is part of the evidence, not when it was confirmed.
  const evidence = byStreak ? state.streak : state.window.filter((e) => e.bad);
  const first = evidence[0]!;
  const incident: OpenIncident = {
    id: null,
    startedAt: first.at,
    confirmedAt: state.lastAt!,
    // Failures between successes are elevated errors (degraded), however many: an outage is failures in a row.
    severity: byStreak ? severityOf(evidence) : "degraded",
    peakFailureRatio: ratio,
    errorClassCounts: {},
    sampleRequestIds: [],
    failedResults: 0,
    totalResults: 0,
    lastResultAt: state.lastAt!,
    upRunStartedAt: null,
    upRun: 0,
  };
  for (const e of state.window.filter((w) => w.at >= first.at)) tally(incident, e);
  return { state: { ...state, streak: [], open: incident }, transition: { type: "opened", incident } };
}

function continueIncident(state: SeriesState, prev: OpenIncident, entry: WindowEntry, policy: DetectorPolicy): { state: SeriesState; transition: Transition } {
  const incident: OpenIncident = { ...prev, errorClassCounts: { ...prev.errorClassCounts }, sampleRequestIds: [...prev.sampleRequestIds] };
  tally(incident, entry);
  incident.peakFailureRatio = Math.max(incident.peakFailureRatio, failureRatio(state.window));
  if (entry.bad) {
    incident.upRun = 0;
    incident.upRunStartedAt = null;
    // A degraded incident becomes an outage once down results alone come in a row, as they would to open one.
    const downStreak = state.streak.filter((e) => e.bad === "down").length === state.streak.length && state.streak.length >= policy.openAfter;
    if (incident.severity === "degraded" && downStreak) incident.severity = "down";
    return { state: { ...state, open: incident }, transition: { type: "updated", incident } };
  }
  incident.upRunStartedAt ??= entry.at;
  incident.upRun += 1;
  if (incident.upRun >= policy.resolveAfter) {
    // A resolution starts a new window: the failures that made this incident must not open the next one.
    const endedAt = incident.upRunStartedAt;
    return { state: { ...state, window: [], streak: [], open: null, lastEndedAt: endedAt }, transition: { type: "resolved", incident, endedAt } };
  }
  return { state: { ...state, open: incident }, transition: { type: "updated", incident } };
}

function tally(incident: OpenIncident, e: WindowEntry): void {
  incident.totalResults += 1;
  incident.lastResultAt = Math.max(incident.lastResultAt, e.at);
  if (!e.bad) return;
  incident.failedResults += 1;
  if (e.errorClass) incident.errorClassCounts[e.errorClass] = (incident.errorClassCounts[e.errorClass] ?? 0) + 1;
  if (e.requestId && incident.sampleRequestIds.length < MAX_SAMPLE_IDS) incident.sampleRequestIds.push(e.requestId);
}

/** "71% overloaded, 29% empty_response": the mix of error classes, largest first. */
export function describeErrorMix(counts: Record<string, number>): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return "no error classes";
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([cls, n]) => `${Math.round((n / total) * 100)}% ${cls}`)
    .join(", ");
}

/** A closed or still-open incident from a replay. */
export interface ReplayedIncident extends OpenIncident {
  endedAt: number | null;
}

/** Replay a series' results from a fresh state: every incident it would open, in order. For tests and benchmarks. */
export function replayIncidents(results: readonly Observation[], policy: DetectorPolicy, from: SeriesState = initialSeriesState()): { incidents: ReplayedIncident[]; state: SeriesState } {
  const incidents: ReplayedIncident[] = [];
  let state = from;
  for (const result of results) {
    const next = nextIncidentState(state, result, policy);
    state = next.state;
    const t = next.transition;
    if (!t) continue;
    const replayed = { ...t.incident, endedAt: t.type === "resolved" ? t.endedAt : null };
    // An incident restored open from an earlier state first appears here with an update, not an opening.
    const continuing = t.type !== "opened" && incidents.length > 0 && incidents.at(-1)!.endedAt === null;
    if (continuing) incidents[incidents.length - 1] = replayed;
    else incidents.push(replayed);
  }
  return { incidents, state };
}
