/** Surfaces: groups of series held against one official component, and their incidents rolled up per surface. */
import type { Surface } from "@/lib/config";
import type { Severity } from "@/lib/judge/detector";
import type { MeasuredIncidentRow } from "@/db/schema";
import type { ProbeKind } from "@/probes/types";

/**
 * The surface a series belongs to (`stream:claude-haiku-4-5` → the surface listing `stream`; a surface's pooled
 * `elevated:<surface id>` → that surface), or null.
 */
export function surfaceOfSeries(surfaces: readonly Surface[], series: string): Surface | null {
  if (series.startsWith("elevated:")) return surfaces.find((s) => s.id === series.slice("elevated:".length)) ?? null;
  const kind = series.split(":")[0] as ProbeKind;
  return surfaces.find((s) => s.kinds.includes(kind)) ?? null;
}

/** One series' incident as the comparison reads it. */
export interface SeriesIncident {
  id: number;
  surface: string;
  series: string;
  model: string | null;
  startedAt: number;
  /** When the detector confirmed it (the incident opened); absent in replays that do not keep it. */
  confirmedAt?: number;
  endedAt: number | null;
  severity: Severity;
  peakFailureRatio: number;
  errorClassCounts: Record<string, number>;
  sampleRequestIds: string[];
  /** Published scope (absent in replays: global). */
  scope?: "global" | "regional" | "unconfirmed" | null;
  /** A hub's verdict row: who saw it, each with its first failure. */
  vantages?: { id: string; firstFailureAt: number }[] | null;
  confirmedLate?: boolean;
}

/** A stored measured incident as the comparison reads it (times in epoch ms). */
export function toSeriesIncident(row: MeasuredIncidentRow): SeriesIncident {
  return { ...row, startedAt: row.startedAt.getTime(), confirmedAt: row.confirmedAt.getTime(), endedAt: row.endedAt?.getTime() ?? null };
}

/** Overlapping series incidents of one surface, seen as one: "Claude API: 2 of 3 series failing". */
export interface SurfaceIncident {
  surface: string;
  startedAt: number;
  endedAt: number | null;
  severity: Severity;
  series: string[];
  models: string[];
  peakFailureRatio: number;
  errorClassCounts: Record<string, number>;
  sampleRequestIds: string[];
  parts: SeriesIncident[];
}

/**
 * Merge series incidents of the same surface (and scope) whose spans overlap (open ones reach `now`) into surface
 * incidents: a regional incident never merges into a global one, nor the other way.
 */
export function groupSurfaceIncidents(incidents: readonly SeriesIncident[], now: number): SurfaceIncident[] {
  const scopeOf = (i: Pick<SeriesIncident, "scope">) => i.scope ?? "global";
  const sorted = [...incidents].sort((a, b) => a.surface.localeCompare(b.surface) || scopeOf(a).localeCompare(scopeOf(b)) || a.startedAt - b.startedAt);
  const groups: SurfaceIncident[] = [];
  for (const part of sorted) {
    const last = groups.at(-1);
    const lastEnd = last ? (last.endedAt ?? now) : -Infinity;
    if (last && last.surface === part.surface && scopeOf(last.parts[0]!) === scopeOf(part) && part.startedAt <= lastEnd) {
      absorb(last, part);
    } else {
      groups.push({ surface: part.surface, startedAt: part.startedAt, endedAt: part.endedAt, severity: part.severity, series: [], models: [], peakFailureRatio: 0, errorClassCounts: {}, sampleRequestIds: [], parts: [] });
      absorb(groups.at(-1)!, part);
    }
  }
  return groups;
}

function absorb(group: SurfaceIncident, part: SeriesIncident): void {
  group.parts.push(part);
  if (!group.series.includes(part.series)) group.series.push(part.series);
  if (part.model && !group.models.includes(part.model)) group.models.push(part.model);
  group.endedAt = group.endedAt === null || part.endedAt === null ? null : Math.max(group.endedAt, part.endedAt);
  if (part.severity === "down") group.severity = "down";
  group.peakFailureRatio = Math.max(group.peakFailureRatio, part.peakFailureRatio);
  for (const [cls, n] of Object.entries(part.errorClassCounts)) group.errorClassCounts[cls] = (group.errorClassCounts[cls] ?? 0) + n;
  for (const id of part.sampleRequestIds) if (group.sampleRequestIds.length < 5 && !group.sampleRequestIds.includes(id)) group.sampleRequestIds.push(id);
}

/** "2 of 3 series failing (stream:claude-haiku-4-5, messages:claude-haiku-4-5)". */
export function describeSpread(group: SurfaceIncident, seriesInSurface: number): string {
  return `${group.series.length} of ${seriesInSurface} series failing (${group.series.join(", ")})`;
}
