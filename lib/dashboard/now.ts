/** The state of every surface now, measured beside official, with the sentence a visitor reads when they disagree. */
import { gapMs, officialStaleMs, type Config, type Surface } from "@/lib/config";
import { isMonitorOffline } from "@/lib/measure/connectivity";
import { describeMonitorNetwork, readMonitorNetwork } from "@/lib/measure/monitor-network";
import { readOfficialNow } from "@/lib/judge/official-state";
import { readFailureShare } from "@/lib/judge/read-share";
import type { FailureShare } from "@/lib/judge/share";
import { readPageReading, toOfficialView } from "@/lib/judge/report";
import { surfaceOfSeries } from "@/lib/judge/surfaces";
import { formatUtcTime } from "@/lib/dashboard/format";
import { officialIncidentBrief } from "@/lib/dashboard/incidents";
import type { MeasuredState, OfficialIncidentBrief, OfficialLatest, OfficialState, SeriesNow, StatusNow, SurfaceNow } from "@/lib/dashboard/types";
import { seriesName, unprobedReason } from "@/lib/measure/targets";
import { KEYED_KINDS, PROBE_KINDS } from "@/probes/types";
import type { Db } from "@/db/client";
import { getOpenMeasuredIncidents } from "@/db/queries/measured-incidents";
import { readSurfaceVerdicts, type SurfaceVerdict } from "@/lib/vantage/verdict-view";
import { getOfficialIncidentsRange, type OfficialIncidentWithUpdates } from "@/db/queries/official";
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
  const reading = readPageReading(db, config);
  const rows = getOfficialIncidentsRange(db, { from: new Date(now), to: new Date(now + 1) });
  const views = rows.map((row) => toOfficialView(row, reading));
  const allSeries = getSeriesNames(db);
  const planned = plannedSeries(config);
  // A hub says what its vantages measured together (the quorum); a single install, what it measured itself.
  const verdicts = readSurfaceVerdicts(db, config, now);
  let lastResultAt: number | null = null;
  const surfaces = config.surfaces.map((surface) => {
    const fresh = freshness(config, surface);
    const measured = allSeries.filter((s) => surfaceOfSeries(config.surfaces, s)?.id === surface.id).map((s) => seriesNow(db, s, open, now, fresh.resultMs));
    const series = currentSeries(measured, planned);
    for (const s of series) if (s.lastAt !== null && (lastResultAt === null || s.lastAt > lastResultAt)) lastResultAt = s.lastAt;
    // The one definition of the page's state at a moment (lib/judge/official-state.ts): component status in force,
    // raised by the incidents the summary lists now.
    const official = readOfficialNow(db, config, surface, views, now);
    const incidents = official.incidents.map(officialIncidentBrief);
    const claimingRows = rows.filter((r) => official.incidents.some((o) => o.id === r.id));
    // The share of every request of the surface since its trouble began (lib/judge/share.ts): the one figure every output says.
    // The surface's pooled elevated-errors incident (lib/judge/elevated.ts) counts while any of its series is current.
    const elevated = series.some((s) => s.state !== "nodata") ? (open.find((i) => i.series === `elevated:${surface.id}`) ?? null) : null;
    const failing = series.filter((s) => s.since !== null && s.state !== "nodata");
    const starts = [...failing.map((s) => s.since!), ...(elevated ? [elevated.startedAt.getTime()] : [])];
    const since = starts.length ? Math.min(...starts) : null;
    const share = since === null ? null : readFailureShare(db, config, surface, allSeries, { from: since, to: now }, now);
    const verdict = verdicts?.get(surface.id) ?? null;
    const own = surfaceNow(config, surface, series, elevated !== null, since, share, official.componentStatus, official.state, incidents, now);
    return { ...(verdict ? atHub(own, verdict, open, surface) : own), officialLatest: latestOfficialUpdate(claimingRows, config.statusPageUrl), ...(verdict ? { verdict } : {}) };
  });
  return { generatedAt: now, lastResultAt, monitor: readMonitorNetwork(db, monitorGapMs(config)), surfaces };
}

/** A hub's headline: each surface's verdict sentence, worst first; a regional or unconfirmed failure is not an outage. */
function hubHeadline(surfaces: readonly SurfaceNow[], names: (list: readonly SurfaceNow[]) => string): Headline {
  const counted = Math.max(...surfaces.map((s) => s.verdict!.eligible));
  const configured = surfaces[0]!.verdict!.configured;
  if (surfaces.every((s) => s.measured === "up" && s.verdict!.scope === null && s.official === "operational")) {
    return made("state-up", [`Claude is working: every surface measured up from ${counted} of ${configured} vantages, and the official page agrees.`], "✓ Claude working");
  }
  const ordered = [...surfaces].sort((a, b) => WORST_FIRST[a.measured] - WORST_FIRST[b.measured]);
  const parts = ordered.map((s, i) => `${i ? " " : ""}${s.verdict!.headline}.`);
  const down = surfaces.filter((s) => s.measured === "down");
  const degraded = surfaces.filter((s) => s.measured === "degraded");
  const local = surfaces.filter((s) => s.verdict!.scope === "regional" || s.verdict!.scope === "unconfirmed");
  const worst = down.length ? "down" : degraded.length ? "degraded" : surfaces.every((s) => s.measured === "nodata") ? "nodata" : "up";
  const title = down.length ? `✕ ${names(down)} failing` : degraded.length ? `! ${names(degraded)} degraded` : local.length ? `~ ${names(local)}: ${local[0]!.verdict!.scope}` : worst === "nodata" ? "? No vantage reporting" : "✓ Claude working";
  return made(STATE_TONE[worst], parts, title);
}

/**
 * A hub's surface: measured is the verdict's (a global incident open: its severity; else working while any vantage is
 * eligible; else no data), whatever the hub's own probes say (a regional failure is not Claude's).
 */
function atHub(own: SurfaceNow, verdict: SurfaceVerdict, open: readonly MeasuredIncidentRow[], surface: Surface): SurfaceNow {
  const global = open.filter((i) => i.surface === surface.id);
  const measured: MeasuredState = global.length > 0 ? (global.some((i) => i.severity === "down") ? "down" : "degraded") : verdict.eligible > 0 ? "up" : "nodata";
  if (measured === own.measured) return own;
  const since = global.length > 0 ? Math.min(...global.map((i) => i.startedAt.getTime())) : null;
  return { ...own, measured, since, failureRatio: since === null ? null : own.failureRatio, failureWords: since === null ? null : own.failureWords };
}

/** No result for this long means Witness was not running: 2.5 of its most frequent probe's intervals. */
export function monitorGapMs(config: Config): number {
  const intervals = PROBE_KINDS.filter((k) => config.probes[k].enabled).map((k) => config.probes[k].intervalSeconds * 1000);
  return 2.5 * Math.min(...intervals, 3_600_000);
}

/** Every series the configuration probes now: each enabled kind, per model for the keyed kinds. */
export function plannedSeries(config: Config): Set<string> {
  const kinds = PROBE_KINDS.filter((kind) => config.probes[kind].enabled);
  return new Set(kinds.flatMap((kind) => (KEYED_KINDS.includes(kind) ? config.models.map((m) => seriesName(kind, m)) : [kind])));
}

/**
 * The series "N of M" counts and the table lists: only those the configuration probes now. A retired one (a model
 * removed from the config) would otherwise speak for "now" with results that will never come again; its history
 * stays on /charts and the incident pages.
 */
export function currentSeries(series: readonly SeriesNow[], planned: ReadonlySet<string>): SeriesNow[] {
  return series.filter((s) => planned.has(s.series));
}

/** The newest update of the open incidents: its text (untrusted, rendered as text), time, and the incident's page. */
function latestOfficialUpdate(incidents: readonly OfficialIncidentWithUpdates[], statusPageUrl: string): OfficialLatest | null {
  let best: OfficialLatest | null = null;
  for (const incident of incidents) {
    for (const u of incident.updates) {
      const at = (u.displayAt ?? u.createdAt).getTime();
      if (best && best.at >= at) continue;
      const url = incident.shortlink && /^https?:\/\//.test(incident.shortlink) ? incident.shortlink : `${statusPageUrl.replace(/\/$/, "")}/incidents/${encodeURIComponent(incident.id)}`;
      best = { incidentId: incident.id, incidentName: incident.name, status: u.status, body: u.body, at, url };
    }
  }
  return best;
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

function surfaceNow(config: Config, surface: Surface, series: SeriesNow[], elevated: boolean, since: number | null, share: FailureShare | null, componentStatus: string | null, official: OfficialState, incidents: OfficialIncidentBrief[], now: number): SurfaceNow {
  const worst = series.reduce<MeasuredState>((w, s) => (RANK[s.state] > RANK[w] ? s.state : w), "nodata");
  const measured: MeasuredState = elevated && worst === "up" ? "degraded" : worst;
  const failure = measured === "down" || measured === "degraded" ? share : null;
  return {
    id: surface.id,
    name: surface.name,
    componentId: surface.componentId,
    measured,
    failureRatio: failure?.share ?? null,
    failureWords: failure && failure.share !== null ? failure.words : null,
    since: failure ? since : null,
    official,
    officialStatus: componentStatus,
    officialIncidents: incidents,
    disagreement: disagreementSentence(measured, official, failure && failure.share !== null ? failure.words : null, failure ? since : null, now),
    series,
    notMeasured: unprobedReason(config, surface.kinds),
  };
}


const OFFICIAL_WORDS: Record<OfficialState, string> = { operational: "operational", degraded: "degraded performance", down: "outage", maintenance: "under maintenance", unknown: "unknown (the page could not be read)" };

/** A plain sentence when the two sides disagree; null when they agree or either side is unknown. */
export function disagreementSentence(measured: MeasuredState, official: OfficialState, failureWords: string | null, since: number | null, now: number): string | null {
  if (measured === "nodata" || official === "unknown" || official === "maintenance") return null;
  const officialRank = official === "operational" ? 1 : official === "degraded" ? 2 : 3;
  if (officialRank === RANK[measured]) return null;
  const minutes = since === null ? null : Math.max(1, Math.round((now - since) / 60_000));
  const measuredText =
    measured === "up"
      ? "requests are succeeding"
      : `${minutes === null ? "" : `for ${minutes} minute${minutes === 1 ? "" : "s"}, `}${failureWords ?? `requests ${measured === "down" ? "failing" : "degraded"}`}`;
  return `Official: ${OFFICIAL_WORDS[official]}. Measured: ${measuredText}.`;
}

const STATE_TONE: Record<MeasuredState, string> = { down: "state-down", degraded: "state-degraded", up: "state-up", nodata: "state-nodata" };
const OFFICIAL_LABEL: Record<OfficialState, string> = { operational: "Operational", degraded: "Degraded", down: "Outage", maintenance: "Maintenance", unknown: "Unknown" };
const WORST_FIRST: Record<MeasuredState, number> = { down: 0, degraded: 1, nodata: 2, up: 3 };

/** A piece of the headline: text, or an instant the page shows in the reader's time zone (UTC without JavaScript). */
export type Phrase = string | { at: number };

export interface Headline {
  tone: string;
  /** The sentences, with their times as instants. */
  parts: Phrase[];
  /** The same with times in UTC: the server's HTML and plain-text readers. */
  text: string;
  /** The tab's title: state first, so a row of tabs shows which is failing. */
  title: string;
}

/**
 * "Claude API is failing since 17:54: 56% of requests failing." (the time first, so it never attaches to the last
 * kind of "streaming requests fail (100%); plain requests and the edge work") and what the official page says beside it.
 */
function surfaceSentence(surface: SurfaceNow): Phrase[] {
  const words = surface.failureWords;
  const since: Phrase[] = surface.since === null ? [] : [" since ", { at: surface.since }];
  const measured: Phrase[] =
    surface.measured === "down"
      ? [`${surface.name} is failing`, ...since, ...(words ? [`: ${words}`] : []), "."]
      : surface.measured === "degraded"
        ? [`${surface.name} is degraded`, ...since, ...(words ? [`: ${words}`] : []), "."]
        : surface.measured === "up"
          ? [`${surface.name} is working.`]
          : [`Witness has no recent measurements of ${surface.name}.`];
  return [...measured, ` ${officialSentence(surface)}`];
}

/** Unknown is said as unknown, never as agreement; "still says Operational" only beside a measured failure. */
function officialSentence(surface: SurfaceNow): string {
  const failing = surface.measured === "down" || surface.measured === "degraded";
  if (surface.official === "unknown") return "The official page could not be read.";
  if (surface.official === "maintenance") return "The official page shows maintenance.";
  if (surface.official === "operational") return failing ? "The official page still says Operational." : surface.measured === "up" ? "The official page agrees." : "The official page says Operational.";
  return `The official page says ${OFFICIAL_LABEL[surface.official]}.`;
}

/** The instants in `parts` as UTC clock times. */
export function phrasesText(parts: readonly Phrase[], time: (at: number) => string = (at) => formatUtcTime(at)): string {
  return parts.map((p) => (typeof p === "string" ? p : time(p.at))).join("");
}

function made(tone: string, parts: Phrase[], title: string): Headline {
  return { tone, parts, text: phrasesText(parts), title: `${title} · Witness` };
}

/**
 * The sentences at the top of the home page: is Claude working, per surface, worst first, each with what the official
 * page says. It speaks for the official page only where Witness has a current reading of it, and says nothing about
 * Claude while Witness's own network is down.
 */
export function headline(status: StatusNow): Headline {
  const offline = describeMonitorNetwork(status.monitor);
  if (offline) return made("state-nodata", [offline], "? Witness offline");
  // A surface this install does not probe at all is not news: its card says why, the headline speaks of the others.
  const probed = status.surfaces.filter((s) => s.notMeasured === null);
  const known = probed.filter((s) => s.measured !== "nodata");
  if (known.length === 0) return made("state-nodata", ["No recent measurements: Witness cannot say whether Claude is up right now."], "? No recent measurements");
  const names = (list: readonly SurfaceNow[]) => list.map((s) => s.name).join(" and ");
  // A hub leads with its verdict across vantages, with the count: "Claude API: failing from 2 of 3 vantages (…)".
  const verdicts = probed.filter((s) => s.verdict);
  if (verdicts.length > 0) return hubHeadline(verdicts, names);
  if (probed.every((s) => s.measured === "up" && s.official === "operational")) {
    return made("state-up", ["Claude is working: every surface measured up, and the official page agrees."], "✓ Claude working");
  }
  const ordered = [...probed].sort((a, b) => WORST_FIRST[a.measured] - WORST_FIRST[b.measured]);
  const parts = ordered.flatMap((s, i) => [...(i ? [" "] : []), ...surfaceSentence(s)]);
  const down = known.filter((s) => s.measured === "down");
  const degraded = known.filter((s) => s.measured === "degraded");
  const worst = down.length ? "down" : degraded.length ? "degraded" : "up";
  const title = down.length ? `✕ ${names(down)} failing` : degraded.length ? `! ${names(degraded)} degraded` : "✓ Claude working";
  return made(STATE_TONE[worst], parts, title);
}
