/** The state of every surface now, measured beside official, with the sentence a visitor reads when they disagree. */
import { concernsComponent } from "@/lib/accountability";
import { gapMs, officialStaleMs, type Config, type Surface } from "@/lib/config";
import { isMonitorOffline } from "@/lib/connectivity";
import { describeMonitorNetwork, readMonitorNetwork } from "@/lib/monitor-network";
import { officialLevel } from "@/lib/official";
import { readPageReading, toOfficialView } from "@/lib/report";
import { surfaceOfSeries } from "@/lib/surfaces";
import type { MeasuredState, OfficialIncidentBrief, OfficialState, SeriesNow, StatusNow, SurfaceNow } from "@/lib/dashboard/types";
import type { Db } from "@/db/client";
import { getOpenMeasuredIncidents } from "@/db/queries/measured-incidents";
import { getLatestComponentStatus, getOfficialIncidentsRange } from "@/db/queries/official";
import { getLatestResultBySeries } from "@/db/queries/probe-results";
import { getSeriesNames } from "@/db/queries/rollups";
import type { MeasuredIncidentRow } from "@/db/schema";

const RANK: Record<MeasuredState, number> = { nodata: 0, up: 1, degraded: 2, down: 3 };

/** How long a reading stays current: results within the detector's gap, official rows within two heartbeats. */
export function freshness(config: Config, surface: Surface) {
  return { resultMs: gapMs(config, surface.kinds), officialMs: officialStaleMs(config) };
}

/** Every surface's state now. */
export function getStatusNow(db: Db, config: Config, now: number): StatusNow {
  const open = getOpenMeasuredIncidents(db);
  // An unresolved incident a later reading no longer listed has vanished from the page: not open now (see toOfficialView).
  const reading = readPageReading(db, config);
  const openOfficial = getOfficialIncidentsRange(db, { from: new Date(now), to: new Date(now + 1) }).filter((o) => toOfficialView(o, reading).resolvedAt === null);
  const allSeries = getSeriesNames(db);
  let lastResultAt: number | null = null;
  const surfaces = config.surfaces.map((surface) => {
    const fresh = freshness(config, surface);
    const series = allSeries.filter((s) => surfaceOfSeries(config.surfaces, s)?.id === surface.id).map((s) => seriesNow(db, s, open, now, fresh.resultMs));
    for (const s of series) if (s.lastAt !== null && (lastResultAt === null || s.lastAt > lastResultAt)) lastResultAt = s.lastAt;
    const incidents: OfficialIncidentBrief[] = openOfficial
      .filter((o) => concernsComponent(o, surface.componentId))
      .map((o) => ({ id: o.id, name: o.name, status: o.status, impact: o.impact, createdAt: o.createdAt.getTime(), resolvedAt: o.resolvedAt?.getTime() ?? null, shortlink: o.shortlink, vanished: false }));
    const latest = getLatestComponentStatus(db, surface.componentId);
    const current = latest && now - latest.observedAt.getTime() <= fresh.officialMs ? latest.status : null;
    return surfaceNow(surface, series, current, incidents, now);
  });
  return { generatedAt: now, lastResultAt, monitor: readMonitorNetwork(db), surfaces };
}

function seriesNow(db: Db, series: string, open: readonly MeasuredIncidentRow[], now: number, freshMs: number): SeriesNow {
  const last = getLatestResultBySeries(db, series);
  const incident = open.find((i) => i.series === series) ?? null;
  const lastAt = last?.startedAt.getTime() ?? null;
  // Stale beats an open incident: if Witness stopped mid-outage it does not know the outage goes on. A result the
  // own-network rule made inconclusive is no sight of Claude at all, so it is no data too, never "up".
  const stale = lastAt === null || now - lastAt > freshMs || isMonitorOffline(last!);
  const state: MeasuredState = stale ? "nodata" : incident ? (incident.severity === "down" ? "down" : "degraded") : "up";
  return {
    series,
    kind: series.split(":")[0]!,
    model: series.split(":")[1] ?? null,
    state,
    lastAt,
    lastOutcome: last?.outcome ?? null,
    lastErrorClass: last?.errorClass ?? null,
    lastTotalMs: last?.totalMs ?? null,
    lastTtftMs: last?.ttftMs ?? null,
    incidentId: incident?.id ?? null,
    since: incident?.startedAt.getTime() ?? null,
    failureRatio: incident ? incident.failedResults / Math.max(1, incident.totalResults) : null,
    failedResults: incident?.failedResults ?? 0,
    totalResults: incident?.totalResults ?? 0,
  };
}

function surfaceNow(surface: Surface, series: SeriesNow[], componentStatus: string | null, incidents: OfficialIncidentBrief[], now: number): SurfaceNow {
  const measured = series.reduce<MeasuredState>((worst, s) => (RANK[s.state] > RANK[worst] ? s.state : worst), "nodata");
  const failing = series.filter((s) => s.since !== null && s.state !== "nodata");
  const since = failing.length ? Math.min(...failing.map((s) => s.since!)) : null;
  // Weighted by results: the share of all requests the failing series made during their incidents that failed.
  const total = failing.reduce((sum, s) => sum + s.totalResults, 0);
  const failureRatio = total ? failing.reduce((sum, s) => sum + s.failedResults, 0) / total : null;
  const official = officialNow(componentStatus, incidents);
  return {
    id: surface.id,
    name: surface.name,
    componentId: surface.componentId,
    measured,
    failureRatio,
    since,
    official,
    officialStatus: componentStatus,
    officialIncidents: incidents,
    disagreement: disagreementSentence(measured, official, failureRatio, since, now),
    series,
  };
}

/**
 * The component's level, raised by open incidents' impact: the page's claim, never the banner alone. Without a
 * current reading the claim is unknown, open incidents or not: as on the bars, Witness says what the page claims
 * only while it reads the page.
 */
function officialNow(componentStatus: string | null, incidents: readonly OfficialIncidentBrief[]): OfficialState {
  const base: OfficialState = componentStatus === null ? "unknown" : officialLevel(componentStatus);
  const impact = incidents.some((i) => i.impact === "major" || i.impact === "critical") ? "down" : incidents.some((i) => i.impact !== "none") ? "degraded" : null;
  if (base === "unknown" || base === "maintenance" || impact === null) return base;
  if (base === "operational") return impact;
  return base === "down" || impact === "down" ? "down" : "degraded";
}

const OFFICIAL_WORDS: Record<OfficialState, string> = { operational: "operational", degraded: "degraded performance", down: "outage", maintenance: "under maintenance", unknown: "unknown (the page could not be read)" };

/** A plain sentence when the two sides disagree; null when they agree or either side is unknown. */
export function disagreementSentence(measured: MeasuredState, official: OfficialState, failureRatio: number | null, since: number | null, now: number): string | null {
  if (measured === "nodata" || official === "unknown" || official === "maintenance") return null;
  const officialRank = official === "operational" ? 1 : official === "degraded" ? 2 : 3;
  if (officialRank === RANK[measured]) return null;
  const minutes = since === null ? null : Math.max(1, Math.round((now - since) / 60_000));
  const measuredText =
    measured === "up"
      ? "requests are succeeding"
      : `${failureRatio === null ? "requests" : `${Math.round(failureRatio * 100)}% of requests`} ${measured === "down" ? "failing" : "degraded"}${minutes === null ? "" : ` for ${minutes} minute${minutes === 1 ? "" : "s"}`}`;
  return `Official: ${OFFICIAL_WORDS[official]}. Measured: ${measuredText}.`;
}

const STATE_TONE: Record<MeasuredState, string> = { down: "state-down", degraded: "state-degraded", up: "state-up", nodata: "state-nodata" };

/** How the official side stands beside a measured state, as the clause that ends the headline's sentence. */
function officialClause(surface: SurfaceNow): string {
  if (surface.official === "unknown") return "; the official page could not be read";
  if (surface.official === "maintenance") return "; the official page shows maintenance";
  return surface.measured === "up" ? ", and the official page agrees" : ", and the official page says so too";
}

/**
 * The one sentence at the top of the home page, worst first. It speaks for the official page only where Witness
 * has a current reading of it: unknown is said as unknown, never as agreement.
 */
export function headline(status: StatusNow): { tone: string; text: string } {
  const offline = describeMonitorNetwork(status.monitor);
  if (offline) return { tone: "state-nodata", text: offline };
  const disagreeing = status.surfaces.filter((s) => s.disagreement);
  const names = (list: readonly SurfaceNow[]) => list.map((s) => s.name).join(" and ");
  const down = status.surfaces.filter((s) => s.measured === "down");
  if (disagreeing.length > 0) {
    return { tone: down.length ? "state-down" : "state-degraded", text: `Witness and the official page disagree about ${names(disagreeing)}.` };
  }
  const known = status.surfaces.filter((s) => s.measured !== "nodata");
  if (known.length === 0) return { tone: "state-nodata", text: "No recent measurements: Witness cannot say whether Claude is up right now." };
  const worstState = (["down", "degraded", "up"] as const).find((state) => known.some((s) => s.measured === state))!;
  const worst = known.filter((s) => s.measured === worstState);
  // One sentence per way the official side stands, so "agrees" is never said of a surface whose page was unread.
  const clauses = [...new Set(worst.map(officialClause))].map((clause) => {
    const group = worst.filter((s) => officialClause(s) === clause);
    const every = worstState === "up" && group.length === status.surfaces.length;
    return `${every ? "Every surface is" : `${names(group)}:`} measured ${worstState}${clause}.`;
  });
  return { tone: STATE_TONE[worstState], text: clauses.join(" ") };
}
