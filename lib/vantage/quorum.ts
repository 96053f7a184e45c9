/**
 * The hub's verdict for one series across its vantages (PRODUCT.md "Vantage points", the quorum rule). Pure: no clock,
 * no database, so a day of evidence replays in milliseconds and the rule can be checked against a reference.
 *
 * - A vantage is eligible while its newest conclusive result of the series is fresh, its own network works (its newest
 *   results are not `monitor offline`) and its clock is within the tolerance. A group counts once: up when any
 *   eligible member is up, down only when every eligible member is down.
 * - E eligible units, D of them down, U up; Q = floor(E/2) + 1, and at least 2 once two or more vantages are configured.
 * - A global incident opens when D >= Q, started at the earliest first failure among the units that formed it; it
 *   resolves once U >= Q has held for the hold time; otherwise (a unit went stale and E shrank) it holds.
 * - Without a global incident: 1 <= D < Q is regional, naming its units; E = 1 of two or more configured is unconfirmed.
 *
 * The hub's verdict (lib/vantage/verdict.ts) and the pages that say it (lib/vantage/verdict-view.ts) read it.
 */

/** What the hub knows of one vantage for one series at the moment of the verdict. */
export interface VantageEvidence {
  id: string;
  /** Its group (one witness however many members), or null: a group of its own. */
  group: string | null;
  /** Its own detector's incident for the series is open. */
  down: boolean;
  /** The first failing result of that incident (epoch ms); null while up. */
  firstFailureAt: number | null;
  /** The start of its newest conclusive result of the series (epoch ms), or null: none. */
  newestConclusiveAt: number | null;
  /** Its own network is down (its newest results say `monitor offline`): its evidence says nothing about Claude. */
  offline: boolean;
  /** Its clock minus the hub's at its last batch (ms), or null when unknown (the hub's own: 0). */
  clockSkewMs: number | null;
}

export interface QuorumPolicy {
  /** quorum.freshIntervals × the series' interval. */
  freshMs: number;
  /** quorum.maxClockSkewSeconds in ms. */
  maxClockSkewMs: number;
  /** quorum.resolveHoldIntervals × the series' interval. */
  resolveHoldMs: number;
  /** How many vantages are configured for the series (the hub's own included when it probes). */
  configured: number;
}

/** One counting unit: a vantage without a group, or a group. */
export interface Unit {
  id: string;
  down: boolean;
  firstFailureAt: number | null;
}

export interface Count {
  eligible: Unit[];
  down: Unit[];
  up: Unit[];
  quorum: number;
}

export type Scope = "global" | "regional" | "unconfirmed";

export interface VerdictState {
  /** The open global incident: when it started (the quorum's earliest failure) and when it was decided. */
  open: { startedAt: number; decidedAt: number } | null;
  /** Since when U >= Q has held while a global incident is open; null when it does not hold. */
  upSince: number | null;
}

export interface Verdict {
  state: VerdictState;
  transition: { type: "opened"; startedAt: number } | { type: "resolved"; at: number } | null;
  /** What is failing now, and how widely; null when nothing eligible is down and no global incident is open. */
  scope: Scope | null;
  /** The units that are down now (for a regional or unconfirmed scope, the ones to name). */
  down: string[];
  count: Count;
}

export const initialVerdictState = (): VerdictState => ({ open: null, upSince: null });

/** Is this vantage's evidence usable at `now`? */
export function isEligible(v: VantageEvidence, policy: QuorumPolicy, now: number): boolean {
  if (v.offline || v.newestConclusiveAt === null || now - v.newestConclusiveAt > policy.freshMs) return false;
  return v.clockSkewMs === null || Math.abs(v.clockSkewMs) <= policy.maxClockSkewMs;
}

/** E, D and U over units (groups count once) and the quorum Q. */
export function countQuorum(evidence: readonly VantageEvidence[], policy: QuorumPolicy, now: number): Count {
  const units = new Map<string, Unit>();
  for (const v of evidence) {
    if (!isEligible(v, policy, now)) continue;
    const id = v.group === null ? `vantage:${v.id}` : `group:${v.group}`;
    const unit = units.get(id);
    if (!unit) {
      units.set(id, { id, down: v.down, firstFailureAt: v.down ? v.firstFailureAt : null });
    } else if (!v.down) {
      // Best of the group: one member up makes it up.
      unit.down = false;
      unit.firstFailureAt = null;
    } else if (unit.down && v.firstFailureAt !== null) {
      unit.firstFailureAt = unit.firstFailureAt === null ? v.firstFailureAt : Math.min(unit.firstFailureAt, v.firstFailureAt);
    }
  }
  const eligible = [...units.values()];
  const majority = Math.floor(eligible.length / 2) + 1;
  return { eligible, down: eligible.filter((u) => u.down), up: eligible.filter((u) => !u.down), quorum: policy.configured >= 2 ? Math.max(2, majority) : majority };
}

/** The verdict at `now` from the state before it and the evidence now. */
export function nextVerdict(prev: VerdictState, evidence: readonly VantageEvidence[], policy: QuorumPolicy, now: number): Verdict {
  const count = countQuorum(evidence, policy, now);
  const downIds = count.down.map((u) => u.id);
  if (prev.open === null) {
    if (count.down.length >= count.quorum) {
      const startedAt = Math.min(...count.down.map((u) => u.firstFailureAt ?? now));
      return { state: { open: { startedAt, decidedAt: now }, upSince: null }, transition: { type: "opened", startedAt }, scope: "global", down: downIds, count };
    }
    return { state: prev, transition: null, scope: localScope(count, policy), down: downIds, count };
  }
  if (count.up.length >= count.quorum) {
    const upSince = prev.upSince ?? now;
    if (now - upSince >= policy.resolveHoldMs) return { state: initialVerdictState(), transition: { type: "resolved", at: upSince }, scope: localScope(count, policy), down: downIds, count };
    return { state: { ...prev, upSince }, transition: null, scope: "global", down: downIds, count };
  }
  // Neither a quorum up nor (necessarily) down: the global incident holds; a broken run of ups starts over.
  return { state: { ...prev, upSince: null }, transition: null, scope: "global", down: downIds, count };
}

/** Without a global incident: unconfirmed when only one unit of several is eligible, regional when some are down. */
function localScope(count: Count, policy: QuorumPolicy): Scope | null {
  if (count.down.length === 0) return null;
  return count.eligible.length === 1 && policy.configured >= 2 ? "unconfirmed" : "regional";
}
