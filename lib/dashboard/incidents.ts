/** Incidents for the list, the page per incident and the feeds: measured ones with their official match, and official ones alone. */
import { describeAckDelay } from "@/lib/judge/acknowledgement";
import { impactSeverity, matchIncidents, type IncidentMatch, type OfficialImpact, type OfficialIncidentView } from "@/lib/judge/accountability";
import { readFailureShare } from "@/lib/judge/read-share";
import type { FailureShare } from "@/lib/judge/share";
import type { Config, Surface } from "@/lib/config";
import { describeErrorMix } from "@/lib/judge/detector";
import type { FeedEvent, IncidentDetail, IncidentSummary, OfficialIncidentBrief, TimelineEntry } from "@/lib/dashboard/types";
import { readOfficialImpacts, readPageReading, toOfficialView } from "@/lib/judge/report";
import { groupSurfaceIncidents, toSeriesIncident, type SurfaceIncident } from "@/lib/judge/surfaces";
import type { Db } from "@/db/client";
import { getMeasuredIncidentById, getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { getOfficialIncidentById, getOfficialIncidentsRange, type OfficialIncidentWithUpdates } from "@/db/queries/official";
import { getSeriesNames } from "@/db/queries/rollups";

const DAY = 86_400_000;

interface Facts {
  matches: { surface: Surface; match: IncidentMatch; share: FailureShare }[];
  officialAlone: OfficialIncidentWithUpdates[];
  official: OfficialIncidentWithUpdates[];
  views: Map<string, OfficialIncidentView>;
}

/** Measured incidents of every surface in [from, to), matched; official incidents no surface matched. */
function readFacts(db: Db, config: Config, from: number, to: number, now: number): Facts {
  const reading = readPageReading(db, config);
  // A vanished incident's end is decided on the view: one that vanished before `from` is not in the window.
  const views = new Map<string, OfficialIncidentView>();
  const official = getOfficialIncidentsRange(db, { from: new Date(from), to: new Date(to) }).filter((row) => {
    const view = toOfficialView(row, reading);
    if (view.resolvedAt !== null && view.resolvedAt <= from) return false;
    views.set(row.id, view);
    return true;
  });
  const groups = groupSurfaceIncidents(getMeasuredIncidentsRange(db, { from: new Date(from), to: new Date(to) }).map(toSeriesIncident), now);
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
  return { matches, officialAlone: official.filter((o) => !matched.has(o.id)), official, views };
}

function brief(o: OfficialIncidentView): OfficialIncidentBrief {
  return { id: o.id, name: o.name, status: o.status, impact: o.impact, createdAt: o.createdAt, shownAt: o.shownAt, backdated: o.backdated, resolvedAt: o.resolvedAt, shortlink: o.shortlink, vanished: o.vanished };
}

/** "elevated errors (all requests pooled)" for a surface's pooled incident, else the series name. */
export function seriesLabel(series: string): string {
  return series.startsWith("elevated:") ? "elevated errors (all requests)" : series;
}

export function measuredSlug(group: SurfaceIncident): string {
  return `m-${Math.min(...group.parts.map((p) => p.id))}`;
}

function measuredSummary(surface: Surface, { measured: g, ...m }: IncidentMatch, share: FailureShare): IncidentSummary {
  const mix = describeErrorMix(g.errorClassCounts);
  const what = g.severity === "down" ? "outage" : g.series.every((s) => s.startsWith("elevated:")) ? "elevated errors" : "degraded";
  return {
    slug: measuredSlug(g),
    kind: "measured",
    surface: surface.id,
    surfaceName: surface.name,
    title: `${surface.name} ${what}: ${share.share === null ? `${g.series.length} series failing` : share.words}`,
    startedAt: g.startedAt,
    endedAt: g.endedAt,
    severity: g.severity,
    series: g.series,
    models: g.models,
    peakFailureRatio: g.peakFailureRatio,
    failureShare: share.share,
    failureWords: share.share === null ? null : share.words,
    errorMix: mix,
    acknowledged: m.acknowledged,
    ackDelayMs: m.ackDelayMs,
    ackWords: describeAckDelay(m.ack),
    accountable: m.accountable,
    official: m.official.map(brief),
    measuredImpact: null,
    minutes: null,
    measuredMinutes: null,
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
    official: [brief(view)],
    measuredImpact: impact === "measured" ? "measured" : impact.measuredImpact,
    minutes: impact === "measured" ? null : impact.minutes,
    measuredMinutes: impact === "measured" ? null : impact.measuredMinutes,
  };
}

/** Every incident of the last `days` days, newest first: measured ones (with their match) and official ones alone. */
export function listIncidents(db: Db, config: Config, now: number, days = 90): IncidentSummary[] {
  return listIncidentsBetween(db, config, now - days * DAY, now + 1, now);
}

/** Every incident overlapping [from, to), newest first, as `listIncidents` shows them (used by /history per month). */
export function listIncidentsBetween(db: Db, config: Config, from: number, to: number, now: number): IncidentSummary[] {
  const facts = readFacts(db, config, from, to, now);
  const alone = facts.officialAlone.map((o) => facts.views.get(o.id)!);
  const impacts = readOfficialImpacts(db, config, alone, now, getSeriesNames(db));
  const list = [...facts.matches.map(({ surface, match, share }) => measuredSummary(surface, match, share)), ...alone.map((o) => officialSummary(config, o, impacts.get(o.id)!))];
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
  return { ...officialSummary(config, view, impact), timeline: officialTimeline([official]), sampleRequestIds: [], measuredSlugs };
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
  const facts = readFacts(db, config, from, Math.min(to, now + 1), now);
  const found = facts.matches.find(({ match }) => match.measured.parts.some((p) => p.id === Number(id)));
  if (!found) return null;
  const summary = measuredSummary(found.surface, found.match, found.share);
  const official = facts.official.filter((o) => found.match.official.some((m) => m.id === o.id));
  const measured: TimelineEntry[] = found.match.measured.parts.flatMap((p) => [
    { at: p.startedAt, source: "measured" as const, label: "first failure", text: seriesLabel(p.series) },
    ...(p.confirmedAt !== undefined ? [{ at: p.confirmedAt, source: "measured" as const, label: "confirmed (incident opened)", text: seriesLabel(p.series) }] : []),
    ...(p.endedAt !== null ? [{ at: p.endedAt, source: "measured" as const, label: "recovered", text: seriesLabel(p.series) }] : []),
  ]);
  const timeline = [...measured, ...officialTimeline(official)].sort((a, b) => a.at - b.at);
  return { ...summary, timeline, sampleRequestIds: found.match.measured.sampleRequestIds, measuredSlugs: [] };
}

function officialTimeline(incidents: readonly OfficialIncidentWithUpdates[]): TimelineEntry[] {
  return incidents.flatMap((o) =>
    o.updates.length
      ? o.updates.map((u) => ({ at: u.createdAt.getTime(), source: "official" as const, label: `${u.status} (${o.name})`, text: u.body }))
      : [{ at: o.createdAt.getTime(), source: "official" as const, label: `${o.status} (${o.name})`, text: "" }],
  );
}

/** Feed items: each measured incident that lasted `feed.minIncidentMinutes`, as opened / acknowledged / resolved events. */
export function feedEvents(db: Db, config: Config, now: number, days = 90): FeedEvent[] {
  const minMs = config.feed.minIncidentMinutes * 60_000;
  const events: FeedEvent[] = [];
  for (const incident of listIncidents(db, config, now, days)) {
    if (incident.kind !== "measured" || (incident.endedAt ?? now) - incident.startedAt < minMs) continue;
    const base = { slug: incident.slug };
    events.push({ ...base, guid: `witness:${incident.slug}:opened`, event: "opened", at: incident.startedAt, title: `Opened: ${incident.title}`, summary: `Measured since ${new Date(incident.startedAt).toISOString()}: ${incident.errorMix ?? ""}.` });
    const ack = incident.official[0];
    if (incident.acknowledged && ack) {
      const delay = Math.round((incident.ackDelayMs ?? 0) / 60_000);
      events.push({ ...base, guid: `witness:${incident.slug}:acknowledged`, event: "acknowledged", at: incident.startedAt + (incident.ackDelayMs ?? 0), title: `Acknowledged by the official page after ${delay} min: ${ack.name}`, summary: `The official status page posted "${ack.name}" (${ack.impact}).` });
    }
    if (incident.endedAt !== null) {
      const minutes = Math.round((incident.endedAt - incident.startedAt) / 60_000);
      const ackText = incident.acknowledged ? "" : " The official page never acknowledged it.";
      events.push({ ...base, guid: `witness:${incident.slug}:resolved`, event: "resolved", at: incident.endedAt, title: `Resolved after ${minutes} min: ${incident.title}`, summary: `Recovered at ${new Date(incident.endedAt).toISOString()}.${ackText}` });
    }
  }
  return events.sort((a, b) => b.at - a.at);
}
