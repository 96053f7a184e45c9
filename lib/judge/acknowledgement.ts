/**
 * The acknowledgement of a measured incident: when the official page first showed that it knew. One rule for the
 * page, the API, feeds, alerts and the report:
 * - an official incident acknowledges a measured one on the same component, naming no model or the failing one's;
 * - it does so when the page first showed it (shownAt: never its backdated created_at), if that was at most an hour
 *   before the measured start and at most POST_HOC_MS after the measured end, and the span it claims overlaps the
 *   measured one (grace before the measured start's side only: one resolved or gone before the failure began never);
 * - an incident the page had shown for longer than an hour before the measured start acknowledges it only by an update
 *   the page showed during it: an old open incident is not an answer to a new failure.
 * Pure.
 */
import type { Severity } from "@/lib/judge/detector";
import { claimLevel, concernsComponent, namesModel, type OfficialIncidentView } from "@/lib/judge/official-claims";

/** An incident shown up to this long before the measured start is the page speaking first; older, only its updates count. */
export const SPOKE_FIRST_MS = 60 * 60_000;
/** A page that admits a failure up to a day after it ended still admits it; later is history, not an acknowledgement. */
export const POST_HOC_MS = 24 * 60 * 60_000;

/** What a measured incident needs to be matched: its span, severity, and the models of the series that failed. */
export interface MeasuredSpan {
  startedAt: number;
  endedAt: number | null;
  severity: Severity;
  /** Models of the failing series; null for a series of no model (the edge, web). */
  models: readonly (string | null)[];
}

export interface Acknowledgement {
  acknowledged: boolean;
  /** When the page first showed it knew; null: not (yet). */
  at: number | null;
  /** at − measured start: negative when the page spoke first; null when never. */
  delayMs: number | null;
  /** The official incidents that acknowledge it, earliest acknowledgement first. */
  by: OfficialIncidentView[];
  /** Whether the worst official impact among them matches the measured severity (minor ↔ degraded, major ↔ down). */
  impactMatches: boolean | null;
}

export interface AckPolicy {
  graceMs: number;
  now: number;
}

/** When `o` acknowledges `m`, or null when it does not. */
export function acknowledgedAt(m: MeasuredSpan, o: OfficialIncidentView, componentId: string, policy: AckPolicy): number | null {
  if (!concernsComponent(o, componentId)) return null;
  if (!m.models.some((model) => namesModel(o.models, model))) return null;
  const mEnd = m.endedAt ?? policy.now;
  const from = Math.min(o.createdAt, o.startedAt ?? o.createdAt);
  const to = o.resolvedAt ?? policy.now;
  // One the page resolved (or stopped listing) before the measured failure began says nothing of it: the page had
  // said that trouble was over, so no grace on that side (a stream failure 10 min after an API outage was resolved is
  // not "acknowledged 23 min before Witness measured it").
  if (from > mEnd + policy.graceMs || to < m.startedAt) return null;
  if (o.shownAt >= m.startedAt - SPOKE_FIRST_MS) return o.shownAt <= mEnd + POST_HOC_MS ? o.shownAt : null;
  // Shown long before: only an update shown during the measured incident answers it.
  const update = o.updatesShownAt.find((at) => at >= m.startedAt && at <= mEnd);
  return update ?? null;
}

/** The acknowledgement of `m` among `official` incidents. */
export function acknowledgementOf(m: MeasuredSpan, official: readonly OfficialIncidentView[], componentId: string, policy: AckPolicy): Acknowledgement {
  const acks = official.flatMap((o) => {
    const at = acknowledgedAt(m, o, componentId, policy);
    return at === null ? [] : [{ o, at }];
  });
  acks.sort((a, b) => a.at - b.at);
  if (acks.length === 0) return { acknowledged: false, at: null, delayMs: null, by: [], impactMatches: null };
  const worst = acks.map(({ o }) => claimLevel(o)).reduce<"none" | Severity>((a, b) => (a === "down" || b === "down" ? "down" : a === "degraded" || b === "degraded" ? "degraded" : "none"), "none");
  return { acknowledged: true, at: acks[0]!.at, delayMs: acks[0]!.at - m.startedAt, by: acks.map(({ o }) => o), impactMatches: worst === m.severity };
}

/** "after 23 min", "14 min before Witness measured it", "never": the delay in the words every output uses. */
export function describeAckDelay(ack: Pick<Acknowledgement, "delayMs">): string {
  if (ack.delayMs === null) return "never acknowledged";
  const minutes = Math.round(Math.abs(ack.delayMs) / 60_000);
  if (ack.delayMs < 0 && minutes >= 1) return `acknowledged ${formatMinutes(minutes)} before Witness measured it`;
  return `acknowledged after ${formatMinutes(Math.max(minutes, 0))}`;
}

/** "0 min", "23 min", "2 h 5 min", "3 d 4 h". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  const hours = Math.floor(minutes / 60);
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ""}`;
}
