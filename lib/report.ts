/**
 * The report a team pastes into an SLA conversation: per surface, measured and official uptime, incidents with
 * their acknowledgement delay, disagreement minutes and the grade, over a rolling window. Reads only.
 */
import { countDisagreement, matchIncidents, uptimes, type Disagreement, type IncidentMatch, type OfficialIncidentView } from "@/lib/accountability";
import type { Config, Surface } from "@/lib/config";
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

/**
 * Read one surface's facts for a window. Coverage comes from minute rollups (exact: the report) or, for the
 * dashboard's long windows, from hour rollups' counts (each hour covered for as many minutes as its results span).
 */
export function readSurfaceFacts(db: Db, config: Config, surface: Surface, window: Window, now: number, allSeries: readonly string[], coverage: "minute" | "hour" = "minute"): SurfaceFacts {
  const series = allSeries.filter((s) => surfaceOfSeries(config.surfaces, s)?.id === surface.id);
  const gapMs = config.incidents.gapIntervals * Math.max(...surface.kinds.map((k) => config.probes[k].intervalSeconds)) * 1000;
  const from = new Date(window.from);
  const to = new Date(window.to);
  const parts: SeriesIncident[] = getMeasuredIncidentsRange(db, { surfaces: [surface.id], from, to }).map(toSeriesIncident);
  const incidents = groupSurfaceIncidents(parts, now);
  const intervalMs = Math.max(...surface.kinds.map((k) => config.probes[k].intervalSeconds)) * 1000;
  const coverFrom = new Date(window.from - gapMs);
  const covered = coverage === "minute" ? getCoveredMinutes(db, { series, from: coverFrom, to }) : minutesFromHours(getHourlyResultCounts(db, { series, from: coverFrom, to }), intervalMs);
  const measured = measuredTimeline(window, covered, incidents, gapMs, now);
  // A reading holds until two heartbeats and a status tick have gone by without a row: then we stopped seeing it.
  const staleMs = 2 * config.official.heartbeatMinutes * 60_000 + config.probes.status.intervalSeconds * 1000;
  const official = getOfficialIncidentsRange(db, { from, to }).map((row) => toOfficialView(row, now, staleMs));
  const points: StatusPoint[] = getComponentStatusesRange(db, { componentId: surface.componentId, from, to }).map((row) => ({ at: row.observedAt.getTime(), level: LEVEL_SLOT[officialLevel(row.status)] }));
  const claims: OfficialClaim[] = official
    .filter((o) => o.componentIds.length === 0 || o.componentIds.includes(surface.componentId))
    .map((o) => ({ from: Math.min(o.createdAt, o.startedAt ?? o.createdAt), to: o.resolvedAt, level: IMPACT_SLOT[impactLevel(o.impact)] }));
  const officialStates = officialTimeline(window, points, claims, staleMs, now);
  return { surface, series, incidents, official, measured, officialStates };
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
  const allSeries = getSeriesNames(db);
  const surfaces = config.surfaces.map((surface) => summarise(readSurfaceFacts(db, config, surface, window, now, allSeries), config, now));
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
