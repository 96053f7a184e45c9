/** Incidents for the list, the page per incident and the feeds: measured ones with their official match, and official ones alone. */
import { errorMix, minutes } from "@/lib/alerts/events";
import { describeFailures } from "@/lib/alerts/message";
import { describeAckDelay } from "@/lib/judge/acknowledgement";
import { clock } from "@/lib/judge/words";
import { impactSeverity, matchIncidents, type IncidentMatch, type OfficialImpact, type OfficialIncidentView } from "@/lib/judge/accountability";
import { readFailureShare } from "@/lib/judge/read-share";
import type { FailureShare } from "@/lib/judge/share";
import type { Config, Surface } from "@/lib/config";
import { describeErrorMix } from "@/lib/judge/detector";
import type { FeedEvent, IncidentDetail, IncidentSummary, OfficialIncidentBrief, TimelineEntry } from "@/lib/dashboard/types";
import { readOfficialImpacts, readPageReading, toOfficialView } from "@/lib/judge/report";
import { groupSurfaceIncidents, toSeriesIncident, type SurfaceIncident } from "@/lib/judge/surfaces";
import { getScreenshotInSpan } from "@/db/queries/browser-screenshots";
import type { Db } from "@/db/client";
import { getMeasuredIncidentById, getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { getOfficialIncidentById, getOfficialIncidentsRange, type OfficialIncidentWithUpdates } from "@/db/queries/official";
import { getSeriesNames } from "@/db/queries/rollups";
import { getLateEvidence } from "@/db/queries/verdict";

const DAY = 86_400_000;

interface Facts {
  matches: { surface: Surface; match: IncidentMatch; share: FailureShare }[];
  /** A hub's regional and unconfirmed incidents (when asked for): never matched, graded or held against the page. */
  local: { surface: Surface; group: SurfaceIncident; share: FailureShare }[];
  officialAlone: OfficialIncidentWithUpdates[];
  official: OfficialIncidentWithUpdates[];
  views: Map<string, OfficialIncidentView>;
}

/** Which published scopes a reader lists: every one (the list, the API, an incident page) or `global` (feeds, history's grades). */
export type ScopeChoice = "all" | "global";

/** Measured incidents of every surface in [from, to), matched; official incidents no surface matched. */
function readFacts(db: Db, config: Config, from: number, to: number, now: number, scopes: ScopeChoice = "global"): Facts {
  const reading = readPageReading(db, config);
  // A vanished incident's end is decided on the view: one that vanished before `from` is not in the window.
  const views = new Map<string, OfficialIncidentView>();
  const official = getOfficialIncidentsRange(db, { from: new Date(from), to: new Date(to) }).filter((row) => {
    const view = toOfficialView(row, reading);
    if (view.resolvedAt !== null && view.resolvedAt <= from) return false;
    views.set(row.id, view);
    return true;
  });
  const all = groupSurfaceIncidents(getMeasuredIncidentsRange(db, { from: new Date(from), to: new Date(to), scopes: scopes === "all" ? null : ["global"] }).map(toSeriesIncident), now);
  const groups = all.filter((g) => scopeOfGroup(g) === "global");
  const allSeries = getSeriesNames(db);
  const matched = new Set<string>();
  const matches: Facts["matches"] = [];
  const opts = { graceMs: config.incidents.matchGraceMinutes * 60_000, accountableAfterMs: config.incidents.accountableAfterMinutes * 60_000, now };
  for (const surface of config.surfaces) {
    const result = matchIncidents(groups.filter((g) => g.surface === surface.id), [...views.values()], surface.componentId, opts);
    for (const match of result.matches) {
      const share = readFailureShare(db, config, surface, allSeries, { from: match.measured.startedAt, to: match.measured.endedAt ?? now }, now);
      matches.push({ surface, match, share });
      for (const o of match.official) matched.add(o.id);
    }
  }
  return { matches, local: localFacts(db, config, all, allSeries, now), officialAlone: official.filter((o) => !matched.has(o.id)), official, views };
}

/** The groups below the quorum (regional, unconfirmed), each with its surface and the share of its span. */
function localFacts(db: Db, config: Config, groups: readonly SurfaceIncident[], allSeries: readonly string[], now: number): Facts["local"] {
  return groups.flatMap((group) => {
    const surface = config.surfaces.find((x) => x.id === group.surface);
    if (!surface || scopeOfGroup(group) === "global") return [];
    return [{ surface, group, share: readFailureShare(db, config, surface, allSeries, { from: group.startedAt, to: group.endedAt ?? now }, now) }];
  });
}

/** A hub's regional and unconfirmed incidents overlapping [from, to), oldest first, as the list shows them (the regional feed's). */
export function listBelowQuorum(db: Db, config: Config, from: number, to: number, now: number): IncidentSummary[] {
  const groups = groupSurfaceIncidents(getMeasuredIncidentsRange(db, { from: new Date(from), to: new Date(to), scopes: ["regional", "unconfirmed"] }).map(toSeriesIncident), now);
  return localFacts(db, config, groups, getSeriesNames(db), now).map(({ surface, group, share }) => localSummary(db, config, surface, group, share));
}

function scopeOfGroup(g: SurfaceIncident): "global" | "regional" | "unconfirmed" {
  return g.parts[0]?.scope ?? "global";
}

/** The vantages that saw a group, each once with its earliest first failure, named as the config names them. */
function witnessesOf(config: Config, g: SurfaceIncident): IncidentSummary["vantages"] {
  const first = new Map<string, number>();
  for (const p of g.parts) for (const w of p.vantages ?? []) first.set(w.id, Math.min(first.get(w.id) ?? Infinity, w.firstFailureAt));
  const names = new Map([[config.vantage.id, config.vantage.name ?? "Hub"], ["local", config.vantage.name ?? "Hub"], ...config.vantages.map((v) => [v.id, v.name] as [string, string])]);
  return [...first].sort((a, b) => a[1] - b[1]).map(([id, at]) => ({ id, name: names.get(id) ?? id, firstFailureAt: at }));
}

/** "Frankfurt also failed 14:02–14:31 UTC, reported at 15:05 UTC": what vantages said late about a group. */
function lateNotesOf(db: Db, config: Config, g: SurfaceIncident): string[] {
  const names = new Map(config.vantages.map((v) => [v.id, v.name]));
  return getLateEvidence(
    db,
    g.parts.map((p) => p.id),
  ).map((n) => `${names.get(n.vantage) ?? n.vantage} also failed ${clock(n.startedAt.getTime())}–${n.endedAt ? clock(n.endedAt.getTime(), n.startedAt.getTime()) : "on"}, reported at ${clock(n.reportedAt.getTime(), n.startedAt.getTime())}`);
}

/** A regional or unconfirmed incident as the list shows it: no official match, no grade, said for what it is. */
function localSummary(db: Db, config: Config, surface: Surface, g: SurfaceIncident, share: FailureShare): IncidentSummary {
  const scope = scopeOfGroup(g);
  const vantages = witnessesOf(config, g);
  const where = vantages.map((v) => v.name).join(", ") || "one vantage";
  return {
    ...measuredFields(surface, g, share),
    title: scope === "regional" ? `Regional: ${surface.name} failing from ${where} only` : `Unconfirmed: ${surface.name} failing from ${where}, the only vantage reporting`,
    acknowledged: null,
    ackDelayMs: null,
    ackWords: scope === "regional" ? "not graded: below the quorum (likely a network path, not Claude)" : "not graded: only one vantage was reporting",
    accountable: false,
    official: [],
    measuredImpact: null,
    minutes: null,
    measuredMinutes: null,
    scope,
    vantages,
    confirmedLate: false,
    lateNotes: lateNotesOf(db, config, g),
  };
}

/** An official incident as the pages and the API list it, with when the page first showed it. */
export function officialIncidentBrief(o: OfficialIncidentView): OfficialIncidentBrief {
  return { id: o.id, name: o.name, status: o.status, impact: o.impact, createdAt: o.createdAt, shownAt: o.shownAt, backdated: o.backdated, resolvedAt: o.resolvedAt, shortlink: o.shortlink, vanished: o.vanished };
}

/** "elevated errors (all requests pooled)" for a surface's pooled incident, else the series name. */
export function seriesLabel(series: string): string {
  return series.startsWith("elevated:") ? "elevated errors (all requests)" : series;
}

export function measuredSlug(group: SurfaceIncident): string {
  return `m-${Math.min(...group.parts.map((p) => p.id))}`;
}

/** "outage", "elevated errors" (a surface's pooled incident) or "degraded". */
function measuredWhat(g: SurfaceIncident): string {
  return g.severity === "down" ? "outage" : g.series.every((s) => s.startsWith("elevated:")) ? "elevated errors" : "degraded";
}

/** What every measured incident's summary says of its group, whatever its scope. */
function measuredFields(surface: Surface, g: SurfaceIncident, share: FailureShare) {
  return {
    slug: measuredSlug(g),
    kind: "measured" as const,
    surface: surface.id,
    surfaceName: surface.name,
    startedAt: g.startedAt,
    endedAt: g.endedAt,
    severity: g.severity,
    series: g.series,
    models: g.models,
    peakFailureRatio: g.peakFailureRatio,
    failureShare: share.share,
    failureWords: share.share === null ? null : share.words,
    errorMix: describeErrorMix(g.errorClassCounts),
  };
}

function measuredSummary(db: Db, config: Config, surface: Surface, { measured: g, ...m }: IncidentMatch, share: FailureShare): IncidentSummary {
  const what = measuredWhat(g);
  return {
    ...measuredFields(surface, g, share),
    title: `${surface.name} ${what}: ${share.share === null ? `${g.series.length} series failing` : share.words}`,
    acknowledged: m.acknowledged,
    ackDelayMs: m.ackDelayMs,
    ackWords: describeAckDelay(m.ack),
    accountable: m.accountable,
    official: m.official.map(officialIncidentBrief),
    measuredImpact: null,
    minutes: null,
    measuredMinutes: null,
    scope: "global",
    vantages: witnessesOf(config, g),
    confirmedLate: g.parts.some((p) => p.confirmedLate === true),
    lateNotes: lateNotesOf(db, config, g),
  };
}

/** An official incident on its own: `impact` is what Witness measured meanwhile ("measured" when a measured incident matched it). */
function officialSummary(config: Config, view: OfficialIncidentView, impact: OfficialImpact | "measured"): IncidentSummary {
  const surface = config.surfaces.find((s) => view.componentIds.includes(s.componentId)) ?? null;
  return {
    slug: `o-${view.id}`,
    kind: "official",
    surface: surface?.id ?? null,
    surfaceName: surface?.name ?? null,
    title: view.name,
    startedAt: Math.min(view.createdAt, view.startedAt ?? view.createdAt),
    endedAt: view.resolvedAt,
    severity: impactSeverity(view.impact) ?? "none",
    series: [],
    models: [],
    peakFailureRatio: null,
    failureShare: null,
    failureWords: null,
    errorMix: null,
    acknowledged: null,
    ackDelayMs: null,
    ackWords: null,
    accountable: false,
    official: [officialIncidentBrief(view)],
    measuredImpact: impact === "measured" ? "measured" : impact.measuredImpact,
    minutes: impact === "measured" ? null : impact.minutes,
    measuredMinutes: impact === "measured" ? null : impact.measuredMinutes,
    scope: null,
    vantages: [],
    confirmedLate: false,
    lateNotes: [],
  };
}

/** Every incident of the last `days` days, newest first: measured ones (with their match, every scope) and official ones alone. */
export function listIncidents(db: Db, config: Config, now: number, days = 90, scopes: ScopeChoice = "all"): IncidentSummary[] {
  return listIncidentsBetween(db, config, now - days * DAY, now + 1, now, scopes);
}

/** Every incident overlapping [from, to), newest first, as `listIncidents` shows them (used by /history per month). */
export function listIncidentsBetween(db: Db, config: Config, from: number, to: number, now: number, scopes: ScopeChoice = "all"): IncidentSummary[] {
  const facts = readFacts(db, config, from, to, now, scopes);
  const alone = facts.officialAlone.map((o) => facts.views.get(o.id)!);
  const impacts = readOfficialImpacts(db, config, alone, now, getSeriesNames(db));
  const list = [
    ...facts.matches.map(({ surface, match, share }) => measuredSummary(db, config, surface, match, share)),
    ...facts.local.map(({ surface, group, share }) => localSummary(db, config, surface, group, share)),
    ...alone.map((o) => officialSummary(config, o, impacts.get(o.id)!)),
  ];
  return list.sort((a, b) => b.startedAt - a.startedAt);
}

/** One official incident: matched against the measured incidents around it, else with what Witness measured meanwhile. */
function getOfficialIncident(db: Db, config: Config, id: string, now: number): IncidentDetail | null {
  const official = getOfficialIncidentById(db, id);
  if (!official) return null;
  const view = toOfficialView(official, readPageReading(db, config));
  const span = { from: Math.min(view.createdAt, view.startedAt ?? view.createdAt), to: view.resolvedAt ?? now };
  const facts = readFacts(db, config, span.from - DAY, Math.min(span.to + DAY, now + 1), now);
  const measuredSlugs = facts.matches.filter(({ match }) => match.official.some((o) => o.id === id)).map(({ match }) => measuredSlug(match.measured));
  const impact = measuredSlugs.length ? "measured" : readOfficialImpacts(db, config, [view], now, getSeriesNames(db)).get(id)!;
  return { ...officialSummary(config, view, impact), timeline: officialTimeline([official]), sampleRequestIds: [], measuredSlugs, screenshot: null };
}

/** One incident with its timeline, or null for an unknown slug. */
export function getIncident(db: Db, config: Config, slug: string, now: number): IncidentDetail | null {
  if (slug.startsWith("o-")) return getOfficialIncident(db, config, slug.slice(2), now);
  const id = /^m-(\d{1,15})$/.exec(slug)?.[1];
  if (!id) return null;
  const anchor = getMeasuredIncidentById(db, Number(id));
  if (!anchor) return null;
  const from = anchor.startedAt.getTime() - DAY;
  const to = (anchor.endedAt?.getTime() ?? now) + DAY;
  const facts = readFacts(db, config, from, Math.min(to, now + 1), now, "all");
  const found = facts.matches.find(({ match }) => match.measured.parts.some((p) => p.id === Number(id)));
  const local = found ? null : facts.local.find(({ group }) => group.parts.some((p) => p.id === Number(id)));
  if (local) {
    const summary = localSummary(db, config, local.surface, local.group, local.share);
    return { ...summary, timeline: [...measuredEntries(local.group), ...vantageEntries(summary)].sort((a, b) => a.at - b.at), sampleRequestIds: local.group.sampleRequestIds, measuredSlugs: [], screenshot: null };
  }
  if (!found) return null;
  const summary = measuredSummary(db, config, found.surface, found.match, found.share);
  const official = facts.official.filter((o) => found.match.official.some((m) => m.id === o.id));
  const timeline = [...measuredEntries(found.match.measured), ...vantageEntries(summary), ...officialTimeline(official)].sort((a, b) => a.at - b.at);
  const screenshot = summary.series.includes("browser") ? getScreenshotInSpan(db, { series: "browser", from: new Date(summary.startedAt), to: new Date((summary.endedAt ?? now) + 1) }) : null;
  return { ...summary, timeline, sampleRequestIds: found.match.measured.sampleRequestIds, measuredSlugs: [], screenshot };
}

/** Each vantage's first failure, on a hub's incident page. */
function vantageEntries(summary: IncidentSummary): TimelineEntry[] {
  return summary.vantages.map((v) => ({ at: v.firstFailureAt, source: "measured" as const, label: `first failure from ${v.name} (${v.id})`, text: "" }));
}

/** The measured entries of an incident's timeline: each series' first failure, confirmation and recovery. */
function measuredEntries(g: SurfaceIncident): TimelineEntry[] {
  return g.parts.flatMap((p) => [
    { at: p.startedAt, source: "measured" as const, label: "first failure", text: seriesLabel(p.series) },
    ...(p.confirmedAt !== undefined ? [{ at: p.confirmedAt, source: "measured" as const, label: "confirmed (incident opened)", text: seriesLabel(p.series) }] : []),
    ...(p.endedAt !== null ? [{ at: p.endedAt, source: "measured" as const, label: "recovered", text: seriesLabel(p.series) }] : []),
  ]);
}

function officialTimeline(incidents: readonly OfficialIncidentWithUpdates[]): TimelineEntry[] {
  return incidents.flatMap((o) =>
    o.updates.length
      ? o.updates.map((u) => ({ at: u.createdAt.getTime(), source: "official" as const, label: `${u.status} (${o.name})`, text: u.body }))
      : [{ at: o.createdAt.getTime(), source: "official" as const, label: `${o.status} (${o.name})`, text: "" }],
  );
}

/** One measured incident as the feed tells it: its span, its name, and its items due now. */
export interface FeedIncident {
  slug: string;
  /** "Claude API outage". */
  name: string;
  startedAt: number;
  endedAt: number | null;
  /** Its opened / acknowledged / resolved items due now, in that order. */
  items: FeedEvent[];
}

/**
 * Each measured incident overlapping the last `days` days that lasted `feed.minIncidentMinutes`, with its items in the
 * page's and the alerts' words. Each item states only what was true when its event happened and stays true after it
 * (the opened item: the share over the incident's first minutes, not so far), so its words change only when the record
 * itself changes. `instance` (db/queries/instance.ts) goes into every GUID, so two installs never collide.
 */
export function feedIncidents(db: Db, config: Config, now: number, days = 90, instance: string | null = null): FeedIncident[] {
  const minMs = config.feed.minIncidentMinutes * 60_000;
  const allSeries = getSeriesNames(db);
  return readFacts(db, config, now - days * DAY, now + 1, now)
    .matches.filter(({ match }) => (match.measured.endedAt ?? now) - match.measured.startedAt >= minMs)
    .map(({ surface, match, share }) => {
      const g = match.measured;
      const slug = measuredSlug(g);
      const guid = (event: FeedEvent["event"]) => `witness:${instance ? `${instance}:` : ""}${slug}:${event}`;
      const name = `${surface.name} ${measuredWhat(g)}`;
      const confirmedAt = Math.min(...g.parts.map((p) => p.confirmedAt ?? p.startedAt));
      // The opened item tells the first minutes (until the incident was confirmed and lasted minIncidentMinutes).
      const dueAt = Math.max(g.startedAt + minMs, confirmedAt);
      const early = readFailureShare(db, config, surface, allSeries, { from: g.startedAt, to: dueAt }, now);
      const earlyWords = early.share === null ? "no conclusive results" : early.words;
      const items: FeedEvent[] = [
        {
          guid: guid("opened"),
          slug,
          event: "opened",
          at: g.startedAt,
          title: `Opened: ${surface.name}: ${early.share === null ? "requests failing" : early.words}`,
          summary: `Witness measured the first failure at ${clock(g.startedAt)} and confirmed the incident at ${clock(confirmedAt, g.startedAt)}; over its first ${minutes(dueAt - g.startedAt)}: ${earlyWords}.`,
        },
      ];
      const by = match.ack.by[0];
      if (match.ack.acknowledged && by && match.ack.at !== null) {
        const at = match.ack.at;
        items.push({
          guid: guid("acknowledged"),
          slug,
          event: "acknowledged",
          at,
          title: `${describeAckDelay(match.ack).replace(/^acknowledged/, "Acknowledged by the official page")}: ${by.name}`,
          summary: `The official status page acknowledged it at ${clock(at)} with "${by.name}"${by.backdated ? ` (dated ${clock(by.createdAt, at)})` : ""}; Witness measured ${surface.name} failing from ${clock(g.startedAt, at)}.`,
        });
      }
      if (g.endedAt !== null) {
        const failures = describeFailures({ failureWords: share.share === null ? null : share.words, errorMix: errorMix(g.errorClassCounts) }) ?? "No conclusive results";
        items.push({
          guid: guid("resolved"),
          slug,
          event: "resolved",
          at: g.endedAt,
          title: `Resolved after ${minutes(g.endedAt - g.startedAt)}: ${name}`,
          summary: `Recovered at ${clock(g.endedAt)}, failing since ${clock(g.startedAt, g.endedAt)}. ${failures}. Official page: ${describeAckDelay(match.ack)}.`,
        });
      }
      return { slug, name, startedAt: g.startedAt, endedAt: g.endedAt, items };
    });
}

/** Every feed item due now, newest first, as `feedIncidents` words them (the worker publishes these; the feeds serve what was published). */
export function feedEvents(db: Db, config: Config, now: number, days = 90, instance: string | null = null): FeedEvent[] {
  return feedIncidents(db, config, now, days, instance)
    .flatMap((i) => i.items)
    .sort((a, b) => b.at - a.at);
}
