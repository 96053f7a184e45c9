/**
 * AlertEvents built from stored facts. Pure: the caller hands in what the database says, so an event is a function
 * of the fact and its id is derived from the fact ("incident.opened:m-42"): a restart or a replay builds the same id,
 * and the outbox's unique key turns a second write into nothing. The summary is plain text a person reads first;
 * channels (lib/alerts/channels/) format the rest from `data`.
 */
import type { AlertData, AlertEvent, AlertSeverity, OfficialAtTheTime, SentEventType } from "@/lib/alerts/types";
import { formatMinutes } from "@/lib/judge/acknowledgement";
import { clock } from "@/lib/judge/words";
import { failureShare, type FailureShare } from "@/lib/judge/share";

/** A measured incident as the events need it (one row of measured_incidents, or the first of a thread). */
export interface MeasuredFact {
  id: number;
  surface: { id: string; name: string };
  series: string;
  model: string | null;
  severity: "degraded" | "down";
  startedAt: number;
  peakFailureRatio: number;
  errorClassCounts: Record<string, number>;
  /** A hub's verdict: how widely, and who saw it (absent: a single install's own incident, `global`). */
  reach?: Reach;
}

/** Where a hub's verdict incident was seen: "from 2 of 3 vantages (London, Frankfurt)". */
export interface Reach {
  scope: "global" | "regional" | "unconfirmed";
  vantages: { id: string; name: string; firstFailureAt: number }[];
  eligible: number;
  /** The verb phrase after the surface's name: "is failing from 2 of 3 vantages (London, Frankfurt)". */
  words: string;
  /** Said after the time: "Frankfurt and Virginia succeed: likely a network path, not Claude" (a regional one), or null. */
  note: string | null;
}

export interface Links {
  /** WITNESS_PUBLIC_URL as an origin, or null. */
  publicUrl: string | null;
  /** This database's instance id (db/queries/instance.ts), part of every event id so two installs never collide. */
  instance?: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
// Moved to lib/judge/words.ts (feeds use it too); re-exported so callers keep working.
export { clock };

/** "23 min", "2 h 5 min", "57 d 17 h": a duration in the words every output uses (never "83138 min"). */
export const minutes = (ms: number) => formatMinutes(Math.max(1, Math.round(ms / 60_000)));
const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;

export function incidentUrl(links: Links, slug: string): string | null {
  return links.publicUrl ? `${links.publicUrl}/incidents/${encodeURIComponent(slug)}` : null;
}

/** Error classes and counts, largest first. */
export function errorMix(counts: Record<string, number>): { errorClass: string; count: number }[] {
  return Object.entries(counts)
    .map(([errorClass, count]) => ({ errorClass, count }))
    .sort((a, b) => b.count - a.count || a.errorClass.localeCompare(b.errorClass));
}

function mixInWords(counts: Record<string, number>): string {
  const mix = errorMix(counts).slice(0, 3);
  return mix.length === 0 ? "" : ` (${mix.map((m) => `${m.errorClass.replace(/_/g, " ")} ×${m.count}`).join(", ")})`;
}

const STATE_WORDS = { operational: "operational", degraded: "degraded", down: "outage", maintenance: "maintenance", unknown: "not read" } as const;

/** "official page: outage ("Elevated errors…", investigating)": the page's state then, by the one definition, and its incident. */
function officialInWords(o: OfficialAtTheTime): string {
  const state = o.state ? STATE_WORDS[o.state] : o.componentState === null ? "not read" : o.componentState.replace(/_/g, " ");
  return `official page: ${state}${o.incident ? ` ("${o.incident.name}", ${o.incident.status})` : ""}`;
}

function event(type: SentEventType, id: string, fields: { occurredAt: number; surface: { id: string; name: string } | null; severity: AlertSeverity; summary: string; url: string | null; data: AlertData }, links?: Links): AlertEvent {
  return {
    id: `${type}:${links?.instance ? `${links.instance}:` : ""}${id}`,
    type,
    occurredAt: iso(fields.occurredAt),
    surface: fields.surface?.id ?? null,
    surfaceName: fields.surface?.name ?? null,
    severity: fields.severity,
    summary: fields.summary,
    url: fields.url,
    test: false,
    data: fields.data,
  };
}

function measuredData(i: MeasuredFact, official: OfficialAtTheTime, share: FailureShare): AlertData {
  return {
    incidentId: `m-${i.id}`,
    threadId: `m-${i.id}`,
    series: i.series,
    model: i.model,
    incidentSeverity: i.severity === "down" ? "outage" : "degraded",
    startedAt: iso(i.startedAt),
    failureRatio: share.share,
    failureWords: share.share === null ? null : share.words,
    errorMix: errorMix(i.errorClassCounts),
    official,
    ...(i.reach ? { scope: i.reach.scope, vantages: i.reach.vantages.map((v) => ({ id: v.id, name: v.name, firstFailureAt: iso(v.firstFailureAt) })), eligibleVantages: i.reach.eligible } : { scope: "global" as const }),
  };
}

/** "is failing", "is degraded", "has elevated errors" (a surface's pooled incident). */
function measuredVerb(i: Pick<MeasuredFact, "severity" | "series">): string {
  if (i.severity === "down") return "is failing";
  return i.series.startsWith("elevated:") ? "has elevated errors" : "is degraded";
}

/**
 * A confirmed measured incident, the first of its thread. `share`: every request of the surface from the incident's
 * start to its confirmation (lib/judge/share.ts), the figure the page shows at that moment.
 */
export function incidentOpenedEvent(i: MeasuredFact, official: OfficialAtTheTime, share: FailureShare, links: Links): AlertEvent {
  const words = share.share === null ? "requests failing" : share.words;
  return event(
    "incident.opened",
    `m-${i.id}`,
    {
      occurredAt: i.startedAt,
      surface: i.surface,
      severity: i.severity === "down" ? "critical" : "warning",
      summary: `${i.surface.name} ${i.reach?.words ?? measuredVerb(i)} since ${clock(i.startedAt)}${i.reach?.note ? `; ${i.reach.note}` : ""}: ${words}${mixInWords(i.errorClassCounts)}; ${officialInWords(official)}`,
      url: incidentUrl(links, `m-${i.id}`),
      data: { ...measuredData(i, official, share), endedAt: null, durationMs: null },
    },
    links,
  );
}

/**
 * A hub's incident below the quorum (regional or unconfirmed), for the channels that list its scope: a warning, never
 * a page. Its id is its own, so the same incident made global later is news to the channels that heard this one.
 */
export function regionalOpenedEvent(i: MeasuredFact, official: OfficialAtTheTime, links: Links): AlertEvent {
  const e = incidentOpenedEvent(i, official, failureShare([], []), links);
  return { ...e, id: `${e.id}.${i.reach?.scope ?? "regional"}`, severity: "warning" };
}

/** The end of a regional or unconfirmed incident that never became global. */
export function regionalResolvedEvent(i: MeasuredFact, endedAt: number, official: OfficialAtTheTime, links: Links): AlertEvent {
  const e = incidentResolvedEvent(
    { last: i, rootId: i.id, runStartedAt: i.startedAt, endedAt, reopenings: 0, threadStartedAt: i.startedAt, acknowledgementDelayMs: null },
    official,
    failureShare([], []),
    "not one for the official page to acknowledge (below the quorum)",
    links,
  );
  return { ...e, id: `${e.id}.${i.reach?.scope ?? "regional"}` };
}

export interface ResolutionFact {
  /** The incident whose end closed the thread. */
  last: MeasuredFact;
  /** The first incident of the thread (the one whose "opened" was sent): the event's id and incidentId are its. */
  rootId: number;
  runStartedAt: number;
  endedAt: number;
  /** Re-openings within the flap window since the thread began, and when it began. */
  reopenings: number;
  threadStartedAt: number;
  acknowledgementDelayMs: number | null;
}

/**
 * The thread is over: every series of the surface recovered, and stayed so for the resolution hold. It carries the
 * thread's incident id, the same as its "opened"; `share` is every request of the surface over the thread's last run.
 */
export function incidentResolvedEvent(r: ResolutionFact, official: OfficialAtTheTime, share: FailureShare, ackWords: string, links: Links): AlertEvent {
  const flap = r.reopenings > 0 ? `; it flapped: re-opened ${r.reopenings} time${r.reopenings === 1 ? "" : "s"} since ${clock(r.threadStartedAt)}` : "";
  const id = `m-${r.rootId}`;
  return event(
    "incident.resolved",
    id,
    {
      occurredAt: r.endedAt,
      surface: r.last.surface,
      severity: "resolved",
      summary: `${r.last.surface.name} recovered at ${clock(r.endedAt)} after ${minutes(r.endedAt - r.runStartedAt)} (since ${clock(r.runStartedAt, r.endedAt)}); ${ackWords.replace(/^acknowledged/, "the official page acknowledged it").replace(/^never acknowledged/, "the official page never acknowledged it")}${flap}`,
      url: incidentUrl(links, id),
      data: {
        ...measuredData(r.last, official, share),
        incidentId: id,
        threadId: id,
        startedAt: iso(r.runStartedAt),
        endedAt: iso(r.endedAt),
        durationMs: r.endedAt - r.runStartedAt,
        acknowledgementDelayMs: r.acknowledgementDelayMs,
        flapped: r.reopenings > 0 ? { reopenings: r.reopenings, firstStartedAt: iso(r.threadStartedAt) } : null,
      },
    },
    links,
  );
}

export interface OfficialFact {
  id: string;
  name: string;
  status: string;
  impact: string;
  shortlink: string | null;
  createdAt: number;
  resolvedAt: number | null;
}

/** The official page's incident in force, as OfficialAtTheTime shows it. */
export function officialBrief(o: OfficialFact, latest: { body: string; createdAt: number } | null): NonNullable<OfficialAtTheTime["incident"]> {
  return { id: o.id, name: o.name, status: o.status, url: o.shortlink, latestUpdate: latest ? latest.body.slice(0, 500) : null, latestUpdateAt: latest ? iso(latest.createdAt) : null };
}

/**
 * The page posted an incident. `shownAt`: when the page first showed it (lib/judge/official-claims.ts); a created_at
 * much earlier is a backdate, said as such ("posted at 07:36 UTC, dated 14:12 UTC on 8 Oct").
 */
export function officialOpenedEvent(o: OfficialFact, surface: { id: string; name: string } | null, componentState: string | null, links: Links, shownAt = o.createdAt): AlertEvent {
  const backdated = o.createdAt < shownAt - 60 * 60_000;
  const when = backdated ? `${clock(shownAt)}, dated ${clock(o.createdAt, shownAt)}` : clock(o.createdAt);
  return event("official.opened", o.id, {
    occurredAt: shownAt,
    surface,
    severity: o.impact === "critical" || o.impact === "major" ? "critical" : "warning",
    summary: `The official status page posted "${o.name}" (impact ${o.impact}) at ${when}${surface ? ` for ${surface.name}` : ""}`,
    url: incidentUrl(links, `o-${o.id}`),
    data: { official: { componentState, incident: officialBrief(o, null) } },
  }, links);
}

export function officialUpdatedEvent(o: OfficialFact, update: { id: string; status: string; body: string; createdAt: number }, surface: { id: string; name: string } | null, componentState: string | null, links: Links): AlertEvent {
  const body = update.body.replace(/\s+/g, " ").trim();
  return event("official.updated", update.id, {
    occurredAt: update.createdAt,
    surface,
    severity: "info",
    summary: `Official update on "${o.name}" (${update.status}) at ${clock(update.createdAt)}: ${body.length > 200 ? `${body.slice(0, 199)}…` : body}`,
    url: incidentUrl(links, `o-${o.id}`),
    data: { official: { componentState, incident: officialBrief(o, update) } },
  }, links);
}

export function officialResolvedEvent(o: OfficialFact, surface: { id: string; name: string } | null, componentState: string | null, at: number, links: Links): AlertEvent {
  const resolvedAt = o.resolvedAt ?? at;
  return event("official.resolved", o.id, {
    occurredAt: resolvedAt,
    surface,
    severity: "resolved",
    summary: `The official status page resolved "${o.name}" at ${clock(resolvedAt)} after ${minutes(resolvedAt - o.createdAt)} (posted ${clock(o.createdAt, resolvedAt)})`,
    url: incidentUrl(links, `o-${o.id}`),
    data: { endedAt: iso(resolvedAt), durationMs: resolvedAt - o.createdAt, vanished: false, official: { componentState, incident: officialBrief(o, null) } },
  }, links);
}

/**
 * The page stopped listing an incident without resolving it: the page and the feed close it when it was last seen
 * (PRODUCT.md "vanished"), so the channels that were told it opened are told it ended, in those words. The same event
 * id as a resolution: a resolution the page posts later adds nothing.
 */
export function officialVanishedEvent(o: OfficialFact, lastSeenAt: number, surface: { id: string; name: string } | null, componentState: string | null, links: Links): AlertEvent {
  return event("official.resolved", o.id, {
    occurredAt: lastSeenAt,
    surface,
    severity: "resolved",
    summary: `The official status page stopped listing "${o.name}" without resolving it; last seen at ${clock(lastSeenAt)}, ${minutes(lastSeenAt - o.createdAt)} after it was posted (${clock(o.createdAt, lastSeenAt)})`,
    url: incidentUrl(links, `o-${o.id}`),
    data: { endedAt: iso(lastSeenAt), durationMs: lastSeenAt - o.createdAt, vanished: true, official: { componentState, incident: officialBrief(o, null) } },
  }, links);
}

export type DisagreementKind = "official_up_measured_down" | "official_down_measured_up";

export function disagreementStartedEvent(surface: { id: string; name: string }, kind: DisagreementKind, since: number, official: OfficialAtTheTime, links: Links): AlertEvent {
  const words =
    kind === "official_up_measured_down"
      ? `the official page says operational while Witness measures it failing since ${clock(since)}`
      : `the official page reports ${official.componentState?.replace(/_/g, " ") ?? "an outage"} while Witness measures it working since ${clock(since)}`;
  return event("disagreement.started", `${surface.id}:${since}`, {
    occurredAt: since,
    surface,
    severity: "warning",
    summary: `${surface.name}: ${words}`,
    url: links.publicUrl ? `${links.publicUrl}/` : null,
    data: { disagreement: { kind, since: iso(since) }, official },
  }, links);
}

export function disagreementEndedEvent(surface: { id: string; name: string }, kind: DisagreementKind, since: number, at: number, official: OfficialAtTheTime, links: Links): AlertEvent {
  return event("disagreement.ended", `${surface.id}:${since}`, {
    occurredAt: at,
    surface,
    severity: "resolved",
    summary: `${surface.name}: the official page and Witness agree again at ${clock(at)}, after ${minutes(at - since)} of disagreement`,
    url: links.publicUrl ? `${links.publicUrl}/` : null,
    data: { disagreement: { kind, since: iso(since) }, endedAt: iso(at), durationMs: at - since, official },
  }, links);
}

/** Witness lost the internet: said so that nobody reads it as Claude's outage. */
export function monitorOfflineEvent(since: number, detail: string, links?: Links): AlertEvent {
  return event("monitor.offline", `${since}`, {
    occurredAt: since,
    surface: null,
    severity: "warning",
    summary: `Witness itself cannot reach the internet since ${clock(since)}: this is the monitor's own network, not Claude; its probes say nothing about Claude until it is back`,
    url: null,
    data: { monitor: { since: iso(since), detail } },
  }, links);
}

export function monitorOnlineEvent(since: number, at: number, links?: Links): AlertEvent {
  return event("monitor.online", `${since}`, {
    occurredAt: at,
    surface: null,
    severity: "resolved",
    summary: `Witness reaches the internet again at ${clock(at)} after ${minutes(at - since)} offline (its own network, not Claude); probes resumed`,
    url: null,
    data: { monitor: { since: iso(since), detail: "back online" }, endedAt: iso(at), durationMs: at - since },
  }, links);
}

/** A vantage as its events name it: the config's id and name, and its last batch before the silence (null: never). */
export interface VantageFact {
  id: string;
  name: string;
  lastBatchAt: number | null;
}

/** "Frankfurt (fra)". */
const vantageWords = (v: VantageFact) => `${v.name} (${v.id})`;
/** Its silent spell: one per last batch, so a replay or a restart builds the same id for "silent" and its "back". */
const spell = (v: VantageFact) => `${v.id}:${v.lastBatchAt ?? "never"}`;
const vantageData = (v: VantageFact) => ({ id: v.id, name: v.name, since: v.lastBatchAt === null ? null : iso(v.lastBatchAt) });
const vantagesUrl = (links: Links) => (links.publicUrl ? `${links.publicUrl}/methodology#vantages` : null);

/** The hub has had no batch from a vantage for its silence window (lib/vantage/state.ts): one place stopped measuring, not Claude. */
export function vantageSilentEvent(v: VantageFact, at: number, links: Links): AlertEvent {
  const since = v.lastBatchAt === null ? "the hub has never received results from it" : `no results since ${clock(v.lastBatchAt, at)}`;
  return event("vantage.silent", spell(v), {
    occurredAt: at,
    surface: null,
    severity: "warning",
    summary: `Vantage ${vantageWords(v)} is silent: ${since} (its own host or network, not Claude)`,
    url: vantagesUrl(links),
    data: { vantage: vantageData(v) },
  }, links);
}

/** A silent vantage's batches arrive again (`backAt`: the first batch after the silence). The same spell as its "silent". */
export function vantageBackEvent(v: VantageFact, backAt: number, links: Links): AlertEvent {
  const after = v.lastBatchAt === null ? "" : ` (none for ${minutes(backAt - v.lastBatchAt)})`;
  return event("vantage.back", spell(v), {
    occurredAt: backAt,
    surface: null,
    severity: "resolved",
    summary: `Vantage ${vantageWords(v)} is back: results again since ${clock(backAt)}${after}`,
    url: vantagesUrl(links),
    data: { vantage: vantageData(v), endedAt: iso(backAt), durationMs: v.lastBatchAt === null ? null : backAt - v.lastBatchAt },
  }, links);
}

/** The one event `npm run alerts -- --test` sends: of its own type `test`, marked as a test in its id, summary and `test`. */
export function testEvent(at: number, links: Links): AlertEvent {
  return {
    ...event("test", `${at}`, {
      occurredAt: at,
      surface: null,
      severity: "info",
      summary: `TEST: this is a test alert from Witness (npm run alerts -- --test) at ${clock(at)}; nothing is wrong`,
      url: links.publicUrl ? `${links.publicUrl}/` : null,
      data: {},
    }),
    test: true,
  };
}
