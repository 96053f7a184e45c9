/**
 * The report a team pastes into an SLA conversation: per surface, measured and official uptime, incidents with
 * their acknowledgement delay, disagreement minutes and the grade, over a rolling window. Reads only.
 */
import {
  concernsComponent,
  countDisagreement,
  matchIncidents,
  officialImpactOf,
  officialSpan,
  uptimes,
  type Disagreement,
  type IncidentMatch,
  type MeasuredImpact,
  type OfficialImpact,
  type OfficialIncidentView,
} from "@/lib/judge/accountability";
import { describeAckDelay } from "@/lib/judge/acknowledgement";
import { paintSeriesCoverage } from "@/lib/judge/coverage";
import { readFailureShare } from "@/lib/judge/read-share";
import type { FailureShare } from "@/lib/judge/share";
import { officialStaleMs, type Config, type Surface } from "@/lib/config";
import { describeErrorMix } from "@/lib/judge/detector";
import { ackStats, type AckStats } from "@/lib/judge/grade";
import { impactLevel, officialLevel } from "@/lib/judge/official";
import { incidentClaim, modelsInText, type PageReadings } from "@/lib/judge/official-claims";
import { BUCKETS } from "@/lib/keep/rollups";
import { groupSurfaceIncidents, surfaceOfSeries, toSeriesIncident, type SeriesIncident, type SurfaceIncident } from "@/lib/judge/surfaces";
import { alignToMinute, measuredTimeline, MINUTE, O, officialTimeline, slotCount, type OfficialClaim, type StatusPoint, type Window } from "@/lib/judge/timeline";
import type { Db } from "@/db/client";
import { LOCAL_VANTAGE } from "@/db/schema";
import { getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { coverageVantages } from "@/lib/vantage/evidence";
import { getComponentStatusesRange, getLastReadingAt, getOfficialIncidentsRange, getOfficialReads, type OfficialIncidentWithUpdates } from "@/db/queries/official";
import { getSeriesCoverageWithCarry, getSeriesNames } from "@/db/queries/rollups";

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
  /** Official incidents no measured incident matched: "none" where Witness measured all their minutes, else "no_data". */
  officialWithoutImpact: (ReportedOfficial & { resolvedAt: string | null; measuredImpact: MeasuredImpact; minutes: number; measuredMinutes: number })[];
  /** A hub's regional and unconfirmed incidents of the window (absent on a single install): listed, never graded. */
  regional?: ReportedRegional[];
}

export interface ReportedOfficial {
  id: string;
  name: string;
  impact: string;
  createdAt: string;
  shortlink: string | null;
  /** Left the page unresolved; its resolvedAt is when Witness last saw it listed. */
  vanished: boolean;
}

export interface ReportedIncident {
  startedAt: string;
  endedAt: string | null;
  durationMinutes: number;
  severity: string;
  series: string[];
  models: string[];
  peakFailureRatio: number;
  /** The share of every request of the surface over the incident (lib/judge/share.ts), and in words. */
  failureShare: number | null;
  failureWords: string | null;
  errorMix: string;
  sampleRequestIds: string[];
  acknowledged: boolean;
  ackDelayMinutes: number | null;
  /** "acknowledged after 23 min", "never acknowledged": the words every output uses. */
  ackWords: string;
  impactMatches: boolean | null;
  accountable: boolean;
  official: ReportedOfficial[];
  /** Always `global`: only the quorum's incidents are held against the official page. */
  scope: "global";
  /** A hub's: the vantages that saw it (ids), each once; empty on a single install. */
  vantages: string[];
}

/** A hub's incident below the quorum: listed, never graded or held against the official page. */
export interface ReportedRegional {
  scope: "regional" | "unconfirmed";
  startedAt: string;
  endedAt: string | null;
  series: string[];
  vantages: string[];
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
export function readOfficialViews(db: Db, config: Config, window: Window): OfficialIncidentView[] {
  const reading = readPageReading(db, config);
  // The table knows only resolutions the page posted; a vanished incident's end is decided on the view, so the
  // overlap with the window is checked again there.
  return getOfficialIncidentsRange(db, { from: new Date(window.from), to: new Date(window.to) })
    .map((row) => toOfficialView(row, reading))
    .filter((o) => o.resolvedAt === null || o.resolvedAt > window.from);
}

/** When Witness last read the page's documents, and how often it reads them (lib/judge/official-claims.ts). */
export type PageReading = PageReadings;

/**
 * The page's reading times: official_reads, kept by every status read (a database from before it, or seeded by hand,
 * falls back to its newest reading of any kind, so an incident listed then reads as listed now).
 */
export function readPageReading(db: Db, config: Config): PageReading {
  const reads = getOfficialReads(db);
  const fallback = () => getLastReadingAt(db, { componentIds: config.surfaces.map((s) => s.componentId) })?.getTime() ?? null;
  const summary = reads.get("summary");
  return {
    lastSummaryAt: summary ? (summary.lastOkAt?.getTime() ?? null) : fallback(),
    lastHistoryAt: reads.get("incidents")?.lastOkAt?.getTime() ?? null,
    summaryEveryMs: config.probes.status.intervalSeconds * 1000,
    historyEveryMs: config.official.historyIntervalMinutes * 60_000,
  };
}

/**
 * What the page claimed for one surface, minute by minute: its component status, raised by the incidents its summary
 * listed on it, from when the page showed them (never from a backdated created_at).
 */
export function readOfficialStates(db: Db, config: Config, surface: Surface, window: Window, now: number, official: readonly OfficialIncidentView[]): Uint8Array {
  const rows = getComponentStatusesRange(db, { componentId: surface.componentId, from: new Date(window.from), to: new Date(window.to) });
  const points: StatusPoint[] = rows.map((row) => ({ at: row.observedAt.getTime(), level: LEVEL_SLOT[officialLevel(row.status)] }));
  const claims: OfficialClaim[] = official
    .filter((o) => o.claim !== null && concernsComponent(o, surface.componentId))
    .map((o) => ({ from: o.claim!.from, to: o.claim!.to, level: IMPACT_SLOT[impactLevel(o.impact)] }));
  return officialTimeline(window, points, claims, officialStaleMs(config), now);
}

/**
 * The minutes Witness measured any of `series` over the window, one slot a minute (1: measured), from the hours'
 * stored coverage and the newest hour before the window, whose last result may reach into it.
 */
export function readCoverage(db: Db, series: readonly string[], window: Window, vantages: readonly string[] = [LOCAL_VANTAGE]): Uint8Array {
  const covered = new Uint8Array(slotCount(window));
  if (series.length === 0 || covered.length === 0) return covered;
  const from = Math.floor(window.from / BUCKETS.hour) * BUCKETS.hour;
  // A hub measured a minute when any of its vantages did (the verdict's uptime); a single install, when it did.
  for (const vantage of vantages) for (const s of series) paintSeriesCoverage(covered, window.from, getSeriesCoverageWithCarry(db, { series: s, from, to: window.to, vantage }));
  return covered;
}

/** Read one surface's facts for a window: every figure over it counts the same measured minutes (readCoverage). */
export function readSurfaceFacts(
  db: Db,
  config: Config,
  surface: Surface,
  window: Window,
  now: number,
  context: { allSeries: readonly string[]; official: readonly OfficialIncidentView[] },
): SurfaceFacts {
  const series = seriesOfSurface(config, surface, context.allSeries);
  const parts: SeriesIncident[] = getMeasuredIncidentsRange(db, { surfaces: [surface.id], from: new Date(window.from), to: new Date(window.to) }).map(toSeriesIncident);
  const incidents = groupSurfaceIncidents(parts, now);
  const measured = measuredTimeline(window, readCoverage(db, series, window, coverageVantages(config)), incidents, now);
  const official = [...context.official];
  return { surface, series, incidents, official, measured, officialStates: readOfficialStates(db, config, surface, window, now, official) };
}

/**
 * Measured impact of official incidents: per incident, how many of its minutes Witness measured any surface it
 * concerns (an incident naming none of Witness's surfaces is held against all of them).
 */
export function readOfficialImpacts(db: Db, config: Config, official: readonly OfficialIncidentView[], now: number, allSeries: readonly string[]): Map<string, OfficialImpact> {
  const impacts = new Map<string, OfficialImpact>();
  for (const o of official) {
    const span = officialSpan(o, now);
    const window: Window = { from: alignToMinute(span.from), to: Math.max(span.to, span.from + 1) };
    const named = config.surfaces.filter((s) => o.componentIds.includes(s.componentId));
    const series = (named.length ? named : config.surfaces).flatMap((s) => seriesOfSurface(config, s, allSeries));
    // One coverage over every series of the surfaces it concerns: a minute any of them measured counts.
    impacts.set(o.id, officialImpactOf(span, readCoverage(db, series, window, coverageVantages(config)), window.from));
  }
  return impacts;
}

/** Build the report over the window ending now. */
export function buildReport(db: Db, config: Config, windowName: WindowName, now: number): Report {
  const window: Window = { from: alignToMinute(now - WINDOWS[windowName]), to: now };
  const context = { allSeries: getSeriesNames(db), official: readOfficialViews(db, config, window) };
  const facts = config.surfaces.map((surface) => readSurfaceFacts(db, config, surface, window, now, context));
  const matched = facts.map((f) => matchSurface(f, config, now));
  const alone = [...new Map(matched.flatMap((m) => m.officialWithoutImpact.map((o) => [o.id, o] as const))).values()];
  const impacts = readOfficialImpacts(db, config, alone, now, context.allSeries);
  const shareOf = (surface: Surface, m: IncidentMatch) => readFailureShare(db, config, surface, context.allSeries, { from: m.measured.startedAt, to: m.measured.endedAt ?? now }, now);
  const surfaces = facts.map((f, i) => ({ ...summarise(f, matched[i]!, impacts, (m) => shareOf(f.surface, m)), ...(config.vantages.length > 0 ? { regional: readRegional(db, f.surface, window, now) } : {}) }));
  return { generatedAt: new Date(now).toISOString(), window: windowName, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), surfaces };
}

/** A hub's incidents of a surface below the quorum over the window, oldest first. */
function readRegional(db: Db, surface: Surface, window: Window, now: number): ReportedRegional[] {
  const rows = getMeasuredIncidentsRange(db, { surfaces: [surface.id], from: new Date(window.from), to: new Date(window.to), scopes: ["regional", "unconfirmed"] });
  return groupSurfaceIncidents(rows.map(toSeriesIncident), now).map((g) => ({
    scope: g.parts[0]!.scope === "unconfirmed" ? "unconfirmed" : "regional",
    startedAt: iso(g.startedAt),
    endedAt: g.endedAt === null ? null : iso(g.endedAt),
    series: g.series,
    vantages: [...new Set(g.parts.flatMap((p) => (p.vantages ?? []).map((w) => w.id)))],
  }));
}

function matchSurface(facts: SurfaceFacts, config: Config, now: number): ReturnType<typeof matchIncidents> & { now: number } {
  const opts = { graceMs: config.incidents.matchGraceMinutes * 60_000, accountableAfterMs: config.incidents.accountableAfterMinutes * 60_000, now };
  return { ...matchIncidents(facts.incidents, facts.official, facts.surface.componentId, opts), now };
}

function summarise(facts: SurfaceFacts, { matches, officialWithoutImpact, now }: ReturnType<typeof matchSurface>, impacts: ReadonlyMap<string, OfficialImpact>, shareOf: (m: IncidentMatch) => FailureShare): SurfaceReport {
  const { surface } = facts;
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
    incidents: matches.map((m) => reportIncident(m, shareOf(m), now)),
    officialWithoutImpact: officialWithoutImpact.map((o) => ({ ...reportOfficial(o), resolvedAt: o.resolvedAt === null ? null : iso(o.resolvedAt), ...impacts.get(o.id)! })),
  };
}

function reportIncident(m: IncidentMatch, share: FailureShare, now: number): ReportedIncident {
  const i = m.measured;
  return {
    startedAt: iso(i.startedAt),
    endedAt: i.endedAt === null ? null : iso(i.endedAt),
    durationMinutes: Math.round(((i.endedAt ?? now) - i.startedAt) / 60_000),
    severity: i.severity,
    series: i.series,
    models: i.models,
    peakFailureRatio: Math.round(i.peakFailureRatio * 1000) / 1000,
    failureShare: share.share === null ? null : Math.round(share.share * 1000) / 1000,
    failureWords: share.share === null ? null : share.words,
    errorMix: describeErrorMix(i.errorClassCounts),
    sampleRequestIds: i.sampleRequestIds,
    acknowledged: m.acknowledged,
    ackDelayMinutes: m.ackDelayMs === null ? null : Math.round(m.ackDelayMs / 60_000),
    ackWords: describeAckDelay(m.ack),
    impactMatches: m.impactMatches,
    accountable: m.accountable,
    official: m.official.map(reportOfficial),
    scope: "global",
    vantages: [...new Set(i.parts.flatMap((p) => (p.vantages ?? []).map((w) => w.id)))],
  };
}

function reportOfficial(o: OfficialIncidentView): ReportedOfficial {
  return { id: o.id, name: o.name, impact: o.impact, createdAt: iso(o.createdAt), shortlink: o.shortlink, vanished: o.vanished };
}

/** An official incident row as the comparison reads it: what it says, and what it claimed while Witness read the page. */
export function toOfficialView(row: OfficialIncidentWithUpdates, reading: PageReading): OfficialIncidentView {
  const firstSeenAt = row.firstSeenAt.getTime();
  const claim = incidentClaim(
    {
      createdAt: row.createdAt.getTime(),
      startedAt: row.startedAt?.getTime() ?? null,
      resolvedAt: row.resolvedAt?.getTime() ?? null,
      firstSeenAt,
      firstListedAt: row.firstListedAt?.getTime() ?? null,
      lastListedAt: row.lastListedAt?.getTime() ?? null,
      updates: row.updates.map((u) => ({ createdAt: u.createdAt.getTime(), firstSeenAt: u.firstSeenAt?.getTime() ?? Math.max(u.createdAt.getTime(), firstSeenAt) })),
    },
    reading,
  );
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    impact: row.impact,
    componentIds: row.componentIds,
    createdAt: row.createdAt.getTime(),
    startedAt: row.startedAt?.getTime() ?? null,
    shortlink: row.shortlink,
    models: modelsInText(row.name),
    ...claim,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
