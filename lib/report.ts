/**
 * The report a team pastes into an SLA conversation: per surface, measured and official uptime, incidents with
 * their acknowledgement delay, disagreement minutes and the grade, over a rolling window. Reads only.
 */
import { concernsComponent, countDisagreement, matchIncidents, uptimes, type Disagreement, type IncidentMatch, type OfficialIncidentView } from "@/lib/accountability";
import { gapMs, officialStaleMs, type Config, type Surface } from "@/lib/config";
import { describeErrorMix } from "@/lib/detector";
import { ackStats, type AckStats } from "@/lib/grade";
import { firstAcknowledgedAt, impactLevel, officialLevel } from "@/lib/official";
import { groupSurfaceIncidents, surfaceOfSeries, toSeriesIncident, type SeriesIncident, type SurfaceIncident } from "@/lib/surfaces";
import { alignToMinute, measuredTimeline, O, officialTimeline, type OfficialClaim, type StatusPoint, type Window } from "@/lib/timeline";
import type { Db } from "@/db/client";
import { getCoveredMinutes, getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { getComponentStatusesRange, getOfficialIncidentsRange, type OfficialIncidentWithUpdates } from "@/db/queries/official";
import { getHourlyResultCounts, getSeriesNames } from "@/db/queries/rollups";

export const WINDOWS = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000, "90d": 90 * 86_400_000 } as const;
export type WindowName = keyof typeof WINDOWS;

const IMPACT_SLOT = { none: O.operational, degraded: O.degraded, down: O.down } as const;
const LEVEL_SLOT = { operational: O.operational, degraded: O.degraded, down: O.down, maintenance: O.maintenance, unknown: O.unknown } as const;

export interface SurfaceReport {
  id: string;
  name: string;
  componentId: string;
  series: string[];
  measuredUptime: number | null;
  officialUptime: number | null;
  measuredMinutes: number;
  officialMinutes: number;
  noDataMinutes: number;
  disagreement: Disagreement;
  ack: AckStats;
  incidents: ReportedIncident[];
  officialWithoutImpact: { id: string; name: string; impact: string; createdAt: string; resolvedAt: string | null }[];
}

export interface ReportedIncident {
  startedAt: string;
  endedAt: string | null;
  durationMinutes: number;
  severity: string;
  series: string[];
  models: string[];
  peakFailureRatio: number;
  errorMix: string;
  sampleRequestIds: string[];
  acknowledged: boolean;
  ackDelayMinutes: number | null;
  impactMatches: boolean | null;
  accountable: boolean;
  official: { id: string; name: string; impact: string; createdAt: string; shortlink: string | null }[];
}

export interface Report {
  generatedAt: string;
  window: WindowName;
  from: string;
  to: string;
  surfaces: SurfaceReport[];
}

/** Everything the comparison needs for one surface over a window, read from the database. */
export interface SurfaceFacts {
  surface: Surface;
  series: string[];
  incidents: SurfaceIncident[];
  official: OfficialIncidentView[];
  measured: Uint8Array;
  officialStates: Uint8Array;
}

/** The series of one surface among all the stored ones. */
export function seriesOfSurface(config: Config, surface: Surface, allSeries: readonly string[]): string[] {
  return allSeries.filter((s) => surfaceOfSeries(config.surfaces, s)?.id === surface.id);
}

/** Official incidents overlapping the window, read once for every surface. */
export function readOfficialViews(db: Db, config: Config, window: Window, now: number): OfficialIncidentView[] {
  const stale = officialStaleMs(config);
  return getOfficialIncidentsRange(db, { from: new Date(window.from), to: new Date(window.to) }).map((row) => toOfficialView(row, now, stale));
}

/** What the page claimed for one surface, minute by minute: its component status, raised by open incidents on it. */
export function readOfficialStates(db: Db, config: Config, surface: Surface, window: Window, now: number, official: readonly OfficialIncidentView[]): Uint8Array {
  const rows = getComponentStatusesRange(db, { componentId: surface.componentId, from: new Date(window.from), to: new Date(window.to) });
  const points: StatusPoint[] = rows.map((row) => ({ at: row.observedAt.getTime(), level: LEVEL_SLOT[officialLevel(row.status)] }));
  const claims: OfficialClaim[] = official
    .filter((o) => concernsComponent(o, surface.componentId))
    .map((o) => ({ from: Math.min(o.createdAt, o.startedAt ?? o.createdAt), to: o.resolvedAt, level: IMPACT_SLOT[impactLevel(o.impact)] }));
  return officialTimeline(window, points, claims, officialStaleMs(config), now);
}

/**
 * Read one surface's facts for a window. Coverage comes from minute rollups (exact: the report) or, for the
 * dashboard's long windows, from hour rollups' counts (each hour covered for as many minutes as its results span).
 */
export function readSurfaceFacts(
  db: Db,
  config: Config,
  surface: Surface,
  window: Window,
  now: number,
  context: { allSeries: readonly string[]; official: readonly OfficialIncidentView[]; coverage?: "minute" | "hour" },
): SurfaceFacts {
  const series = seriesOfSurface(config, surface, context.allSeries);
  const gap = gapMs(config, surface.kinds);
  const to = new Date(window.to);
  const parts: SeriesIncident[] = getMeasuredIncidentsRange(db, { surfaces: [surface.id], from: new Date(window.from), to }).map(toSeriesIncident);
  const incidents = groupSurfaceIncidents(parts, now);
  const intervalMs = Math.max(...surface.kinds.map((k) => config.probes[k].intervalSeconds)) * 1000;
  const coverFrom = new Date(window.from - gap);
  const covered =
    context.coverage === "hour"
      ? minutesFromHours(getHourlyResultCounts(db, { series, from: coverFrom, to }), intervalMs)
      : getCoveredMinutes(db, { series, from: coverFrom, to });
  const measured = measuredTimeline(window, covered, incidents, gap, now);
  const official = [...context.official];
  return { surface, series, incidents, official, measured, officialStates: readOfficialStates(db, config, surface, window, now, official) };
}

/** Minute starts covered by hourly counts: an hour of n results at interval i covers its first n × i minutes. */
function minutesFromHours(counts: readonly { at: number; count: number }[], intervalMs: number): number[] {
  const perHour = new Map<number, number>();
  for (const { at, count } of counts) perHour.set(at, Math.max(perHour.get(at) ?? 0, count));
  const minutes: number[] = [];
  for (const [at, count] of perHour) {
    const covered = Math.min(60, Math.round((count * intervalMs) / 60_000));
    for (let m = 0; m < covered; m++) minutes.push(at + m * 60_000);
  }
  return minutes;
}

/** Build the report over the window ending now. */
export function buildReport(db: Db, config: Config, windowName: WindowName, now: number): Report {
  const window: Window = { from: alignToMinute(now - WINDOWS[windowName]), to: now };
  const context = { allSeries: getSeriesNames(db), official: readOfficialViews(db, config, window, now) };
  const surfaces = config.surfaces.map((surface) => summarise(readSurfaceFacts(db, config, surface, window, now, context), config, now));
  return { generatedAt: new Date(now).toISOString(), window: windowName, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), surfaces };
}

function summarise(facts: SurfaceFacts, config: Config, now: number): SurfaceReport {
  const { surface } = facts;
  const opts = { graceMs: config.incidents.matchGraceMinutes * 60_000, accountableAfterMs: config.incidents.accountableAfterMinutes * 60_000, now };
  const { matches, officialWithoutImpact } = matchIncidents(facts.incidents, facts.official, surface.componentId, opts);
  const up = uptimes(facts.measured, facts.officialStates);
  return {
    id: surface.id,
    name: surface.name,
    componentId: surface.componentId,
    series: facts.series,
    measuredUptime: up.measured,
    officialUptime: up.official,
    measuredMinutes: up.measuredMinutes,
    officialMinutes: up.officialMinutes,
    noDataMinutes: facts.measured.length - up.measuredMinutes,
    disagreement: countDisagreement(facts.measured, facts.officialStates),
    ack: ackStats(matches),
    incidents: matches.map((m) => reportIncident(m, now)),
    officialWithoutImpact: officialWithoutImpact.map((o) => ({ id: o.id, name: o.name, impact: o.impact, createdAt: iso(o.createdAt), resolvedAt: o.resolvedAt === null ? null : iso(o.resolvedAt) })),
  };
}

function reportIncident(m: IncidentMatch, now: number): ReportedIncident {
  const i = m.measured;
  return {
    startedAt: iso(i.startedAt),
    endedAt: i.endedAt === null ? null : iso(i.endedAt),
    durationMinutes: Math.round(((i.endedAt ?? now) - i.startedAt) / 60_000),
    severity: i.severity,
    series: i.series,
    models: i.models,
    peakFailureRatio: Math.round(i.peakFailureRatio * 1000) / 1000,
    errorMix: describeErrorMix(i.errorClassCounts),
    sampleRequestIds: i.sampleRequestIds,
    acknowledged: m.acknowledged,
    ackDelayMinutes: m.ackDelayMs === null ? null : Math.round(m.ackDelayMs / 60_000),
    impactMatches: m.impactMatches,
    accountable: m.accountable,
    official: m.official.map((o) => ({ id: o.id, name: o.name, impact: o.impact, createdAt: iso(o.createdAt), shortlink: o.shortlink })),
  };
}

/**
 * An official incident row as the comparison reads it. One still unresolved that no document has listed for
 * `staleMs` left the page without our seeing its resolution: it ends when it was last seen, not never.
 */
export function toOfficialView(row: OfficialIncidentWithUpdates, now: number, staleMs: number): OfficialIncidentView {
  const lastSeen = row.lastSeenAt.getTime();
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    impact: row.impact,
    componentIds: row.componentIds,
    createdAt: row.createdAt.getTime(),
    startedAt: row.startedAt?.getTime() ?? null,
    resolvedAt: row.resolvedAt?.getTime() ?? (now - lastSeen > staleMs ? lastSeen : null),
    firstAckAt: firstAcknowledgedAt(row, row.updates).getTime(),
    shortlink: row.shortlink,
  };
}


function iso(ms: number): string {
  return new Date(ms).toISOString();
}
