/**
 * Holding the official page to account: which measured incidents it acknowledged and how late, which of its
 * incidents Witness saw no impact for, the minutes it disagreed with reality, uptime both ways, and a grade.
 */
import { acknowledgementOf, type Acknowledgement } from "@/lib/judge/acknowledgement";
import type { Severity } from "@/lib/judge/detector";
import { impactLevel } from "@/lib/judge/official";
import { concernsComponent, failedModel, type OfficialIncidentView } from "@/lib/judge/official-claims";
import type { SurfaceIncident } from "@/lib/judge/surfaces";

export { concernsComponent, type OfficialIncidentView };
import { M, MINUTE, O, type Window } from "@/lib/judge/timeline";

/** What Witness measured while an official incident was open: "no_data" as soon as any of its minutes went unmeasured. */
export type MeasuredImpact = "none" | "no_data";

export interface OfficialImpact {
  measuredImpact: MeasuredImpact;
  /** The incident's minutes, and those in which Witness measured a surface it concerns. */
  minutes: number;
  measuredMinutes: number;
}

export interface IncidentMatch {
  measured: SurfaceIncident;
  /** The official incidents that acknowledge it (lib/judge/acknowledgement.ts), earliest first. */
  official: OfficialIncidentView[];
  acknowledged: boolean;
  /** When the page first showed it knew, minus the measured start; negative when the page spoke first. Null: never. */
  ackDelayMs: number | null;
  ack: Acknowledgement;
  /** Whether the official impact (minor → degraded, major/critical → down) matched the measured severity. */
  impactMatches: boolean | null;
  /** Long enough to expect a status page to say something (shorter ones are listed, not graded). */
  accountable: boolean;
}

/** The span an official incident states: from its start (or creation, if earlier) to its resolution, or now. */
export function officialSpan(o: Pick<OfficialIncidentView, "createdAt" | "startedAt" | "resolvedAt">, now: number): { from: number; to: number } {
  return { from: Math.min(o.createdAt, o.startedAt ?? o.createdAt), to: o.resolvedAt ?? now };
}

/**
 * Measured impact of an official incident no measured incident matched, from `covered` (one slot a minute from
 * `from`: 1 where Witness measured any surface the incident concerns). "none" only when every minute was measured.
 */
export function officialImpactOf(span: { from: number; to: number }, covered: Uint8Array, from: number): OfficialImpact {
  const i0 = Math.floor((span.from - from) / MINUTE);
  const i1 = Math.max(i0 + 1, Math.ceil((span.to - from) / MINUTE));
  let measuredMinutes = 0;
  for (let i = i0; i < i1; i++) measuredMinutes += i >= 0 && i < covered.length ? covered[i]! : 0;
  const minutes = i1 - i0;
  return { measuredImpact: measuredMinutes === minutes ? "none" : "no_data", minutes, measuredMinutes };
}

/** Impact as a severity: none → null, minor → degraded, major and critical → down (unknown values: degraded). */
export function impactSeverity(impact: string): Severity | null {
  const level = impactLevel(impact);
  return level === "none" ? null : level;
}

/** Each measured incident with its acknowledgement (lib/judge/acknowledgement.ts), and the official incidents that acknowledged none. */
export function matchIncidents(
  measured: readonly SurfaceIncident[],
  official: readonly OfficialIncidentView[],
  componentId: string,
  opts: { graceMs: number; accountableAfterMs: number; now: number },
): { matches: IncidentMatch[]; officialWithoutImpact: OfficialIncidentView[] } {
  const relevant = official.filter((o) => concernsComponent(o, componentId));
  const used = new Set<string>();
  const matches = measured.map((m): IncidentMatch => {
    const ack = acknowledgementOf({ startedAt: m.startedAt, endedAt: m.endedAt, severity: m.severity, models: m.parts.map(failedModel) }, relevant, componentId, opts);
    ack.by.forEach((o) => used.add(o.id));
    const mEnd = m.endedAt ?? opts.now;
    return { measured: m, official: ack.by, acknowledged: ack.acknowledged, ackDelayMs: ack.delayMs, ack, impactMatches: ack.impactMatches, accountable: mEnd - m.startedAt >= opts.accountableAfterMs };
  });
  return { matches, officialWithoutImpact: relevant.filter((o) => !used.has(o.id)) };
}

export interface Disagreement {
  /** Minutes where both sides are known and differ, in either direction. */
  totalMinutes: number;
  /** The worst case: the page said operational while Witness measured an outage. */
  officialUpMeasuredDownMinutes: number;
  officialUpMeasuredDegradedMinutes: number;
  /** The page claimed worse than Witness saw. */
  officialWorseMinutes: number;
  /** Both saw trouble, of a different severity. */
  severityMismatchMinutes: number;
}

/** Count disagreement minutes over aligned measured and official timelines. Maintenance is never counted. */
export function countDisagreement(measured: Uint8Array, official: Uint8Array, from = 0, to = measured.length): Disagreement {
  const d: Disagreement = { totalMinutes: 0, officialUpMeasuredDownMinutes: 0, officialUpMeasuredDegradedMinutes: 0, officialWorseMinutes: 0, severityMismatchMinutes: 0 };
  for (let i = from; i < to; i++) {
    const m = measured[i]!;
    const o = official[i]!;
    if (m === M.noData || o === O.unknown || o === O.maintenance) continue;
    // Both scales put up/operational at 1, degraded at 2 and down at 3.
    if (m === o) continue;
    d.totalMinutes += 1;
    if (o === O.operational && m === M.down) d.officialUpMeasuredDownMinutes += 1;
    else if (o === O.operational && m === M.degraded) d.officialUpMeasuredDegradedMinutes += 1;
    else if (m === M.up) d.officialWorseMinutes += 1;
    else d.severityMismatchMinutes += 1;
  }
  return d;
}

/** Uptime over the minutes a side is known: measured down (degraded counts as up) / covered; null with no data. */
export function uptimes(measured: Uint8Array, official: Uint8Array, from = 0, to = measured.length): { measured: number | null; official: number | null; measuredMinutes: number; officialMinutes: number } {
  let mKnown = 0;
  let mDown = 0;
  let oKnown = 0;
  let oDown = 0;
  for (let i = from; i < to; i++) {
    const m = measured[i]!;
    const o = official[i]!;
    if (m !== M.noData) {
      mKnown += 1;
      if (m === M.down) mDown += 1;
    }
    if (o !== O.unknown) {
      oKnown += 1;
      if (o === O.down) oDown += 1;
    }
  }
  return { measured: mKnown ? 1 - mDown / mKnown : null, official: oKnown ? 1 - oDown / oKnown : null, measuredMinutes: mKnown, officialMinutes: oKnown };
}

/** Per UTC day of the window: [from, to) slot indexes, so daily bars and per-day disagreement share one loop. */
export function daySlots(window: Window): { day: string; from: number; to: number }[] {
  const days: { day: string; from: number; to: number }[] = [];
  const total = Math.ceil((window.to - window.from) / MINUTE);
  for (let i = 0; i < total; ) {
    const at = window.from + i * MINUTE;
    const nextDay = (Math.floor(at / 86_400_000) + 1) * 86_400_000;
    const end = Math.min(total, Math.ceil((nextDay - window.from) / MINUTE));
    days.push({ day: new Date(at).toISOString().slice(0, 10), from: i, to: end });
    i = end;
  }
  return days;
}
