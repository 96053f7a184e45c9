/**
 * Feed items, published by the writer. Each measured incident's opened / acknowledged / resolved item is inserted once
 * it is due, under a GUID that carries this install's instance id, and never updated: a reader who saw an item keeps
 * the same words under that GUID. When what an item would say now differs from what was published for it (the page
 * acknowledged late, its incident vanished), a correction item is published with a GUID of its own (…:resolved:c2).
 * The web process, which opens the database read-only, serves the table (lib/web/feeds.ts) and computes nothing.
 */
import type { Config } from "@/lib/config";
import { minutes } from "@/lib/alerts/events";
import { feedIncidents, listBelowQuorum, type FeedIncident } from "@/lib/dashboard/incidents";
import type { FeedEvent } from "@/lib/dashboard/types";
import { POST_HOC_MS } from "@/lib/judge/acknowledgement";
import { clock } from "@/lib/judge/words";
import type { Logger } from "@/lib/log";
import type { Db } from "@/db/client";
import { getFeedItemsBySlugs, insertFeedItems } from "@/db/queries/feed-items";
import { ensureInstanceId } from "@/db/queries/instance";
import { getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { FEED_SUBJECTS, type FeedItemRow, type NewFeedItemRow } from "@/db/schema";

const DAY = 86_400_000;
/** The feed's span (lib/web/feeds.ts), and how far back the first publish of a process looks: history, or downtime. */
export const FEED_DAYS = 90;
/** The page may acknowledge up to POST_HOC_MS after the end; a day later an incident's items are final, never re-checked. */
export const SETTLED_AFTER_MS = POST_HOC_MS + DAY;
/** Between changes, publish at most this often: enough for minIncidentMinutes to pass and for late acknowledgements. */
export const PUBLISH_EVERY_MS = 60_000;

type Subject = (typeof FEED_SUBJECTS)[number];
interface Statement {
  title: string;
  summary: string;
}
/** What the feed says of an acknowledgement the page's record no longer holds. */
const WITHDRAWN: Statement = { title: "", summary: "" };

/** What was said so far of one (incident, event): its first GUID, how many statements, and the latest one. */
interface Said {
  guid: string;
  count: number;
  last: Statement;
}

function saidSoFar(rows: readonly FeedItemRow[]): Map<string, Said> {
  const said = new Map<string, Said>();
  for (const row of rows) {
    const key = `${row.slug}:${row.corrects ?? row.event}`;
    const last = row.stated ?? { title: row.title, summary: row.summary };
    const prev = said.get(key);
    said.set(key, { guid: prev?.guid ?? row.guid, count: (prev?.count ?? 0) + 1, last });
  }
  return said;
}

/**
 * Still open to correction: not settled, and its figures still read from raw results (after rawDays they come from
 * minute rollups, which may count an edge minute differently: a figure that moves for that reason is not news).
 */
function isUnsettled(incident: FeedIncident, config: Config, now: number): boolean {
  const recent = incident.endedAt === null || now - incident.endedAt < SETTLED_AFTER_MS;
  return recent && incident.startedAt >= now - config.retention.rawDays * DAY;
}

function correction(incident: FeedIncident, subject: Subject, said: Said, item: FeedEvent | undefined, now: number): NewFeedItemRow {
  const was = said.last.title === "" ? "Earlier this feed withdrew it." : `Earlier this feed said: “${said.last.title}” ${said.last.summary}`;
  const stated = item ? { title: item.title, summary: item.summary } : WITHDRAWN;
  const text = item
    ? { title: `Correction: ${item.title}`, summary: `${item.summary} ${was}` }
    : { title: `Correction: the official page did not acknowledge the ${incident.name} of ${clock(incident.startedAt, now)}`, summary: `By what the official page shows now, none of its incidents acknowledges it. ${was}` };
  return { guid: `${said.guid}:c${said.count + 1}`, slug: incident.slug, event: "correction", corrects: subject, at: new Date(now), ...text, stated, publishedAt: new Date(now) };
}

export interface Published {
  items: number;
  corrections: number;
}

/**
 * Publish what is due at `now` for the measured incidents that started in the last `days` days: items not yet
 * published, and a correction for each unsettled item whose words would differ now. Writes; the worker's side only.
 */
export function publishFeedItems(db: Db, config: Config, now: number, opts: { days?: number } = {}): Published {
  const from = now - (opts.days ?? FEED_DAYS) * DAY;
  const instance = ensureInstanceId(db);
  // An incident that started before `from` may be missing parts that ended before it (its slug would then differ).
  const incidents = feedIncidents(db, config, now, opts.days ?? FEED_DAYS, instance).filter((i) => i.startedAt >= from);
  const regional = config.vantages.length > 0 ? regionalItems(db, config, from, now, instance) : [];
  return db.transaction((tx) => {
    const conn = tx as unknown as Db;
    // A hub's regional item of the same incident (one later made global) is its own statement, never corrected here.
    const said = saidSoFar(getFeedItemsBySlugs(conn, incidents.map((i) => i.slug)).filter((row) => row.scope === "global"));
    const rows: NewFeedItemRow[] = [];
    for (const incident of incidents) {
      const open = isUnsettled(incident, config, now);
      for (const subject of FEED_SUBJECTS) {
        const item = incident.items.find((i) => i.event === subject);
        const past = said.get(`${incident.slug}:${subject}`);
        if (!past) {
          if (item) rows.push({ ...item, corrects: null, at: new Date(item.at), stated: null, publishedAt: new Date(now) });
          continue;
        }
        // Only an acknowledgement can be taken back; an opened or resolved item stays said while its incident exists.
        if (!open || (!item && subject !== "acknowledged")) continue;
        const stated = item ? { title: item.title, summary: item.summary } : WITHDRAWN;
        if (stated.title === past.last.title && stated.summary === past.last.summary) continue;
        rows.push(correction(incident, subject, past, item, now));
      }
    }
    rows.push(...regional);
    insertFeedItems(conn, rows);
    return { items: rows.filter((r) => r.event !== "correction").length, corrections: rows.filter((r) => r.event === "correction").length };
  });
}

/**
 * A hub's incidents below the quorum, for the regional feed (?scope=regional): an opened item and a resolved one, each
 * said once and never corrected, under GUIDs of their own (…:m-12:regional:opened), so the same incident made global
 * later still gets its global items.
 */
function regionalItems(db: Db, config: Config, from: number, now: number, instance: string): NewFeedItemRow[] {
  const minMs = config.feed.minIncidentMinutes * 60_000;
  const rows: NewFeedItemRow[] = [];
  for (const i of listBelowQuorum(db, config, from, now + 1, now)) {
    if (i.scope === null || i.scope === "global" || (i.endedAt ?? now) - i.startedAt < minMs) continue;
    const guid = (event: string) => `witness:${instance}:${i.slug}:${i.scope}:${event}`;
    const where = i.vantages.map((v) => v.name).join(", ") || "one vantage";
    const why = i.scope === "regional" ? "the other vantages succeeded: likely a network path, not Claude" : "no other vantage was reporting, so it cannot be told from a local fault";
    const item = (event: "opened" | "resolved", at: number, title: string, summary: string): NewFeedItemRow => ({ guid: guid(event), slug: i.slug, event, corrects: null, at: new Date(at), title, summary, stated: null, publishedAt: new Date(now), scope: i.scope! });
    rows.push(item("opened", i.startedAt, i.title, `Witness measured ${i.surfaceName} failing from ${where} since ${clock(i.startedAt)}; ${why}. Not held against the official page.`));
    if (i.endedAt !== null) rows.push(item("resolved", i.endedAt, `Resolved after ${minutes(i.endedAt - i.startedAt)}: ${i.title}`, `Recovered at ${clock(i.endedAt)} from ${where}, failing since ${clock(i.startedAt, i.endedAt)}.`));
  }
  return rows;
}

/** How far back the incidents not yet settled began (plus a day for group-mates that began earlier), or null: none. */
function unsettledDays(db: Db, now: number): number | null {
  // Every published scope: a hub's regional items are due as its global ones are.
  const open = getMeasuredIncidentsRange(db, { from: new Date(now - SETTLED_AFTER_MS), to: new Date(now + 1), scopes: null });
  if (open.length === 0) return null;
  const oldest = Math.min(...open.map((i) => i.startedAt.getTime()));
  return Math.min(FEED_DAYS, Math.ceil((now - oldest) / DAY) + 1);
}

/**
 * When the worker publishes: at once after an incident opened or closed or the official page changed, else at most
 * once a minute, and then only while some incident is unsettled. The first publish of a process looks back over the
 * whole feed (a generated history, a worker that was down); the later ones list only the unsettled incidents.
 */
export class FeedPublisher {
  private lastAt = -Infinity;
  private caughtUp = false;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  /** After a result was stored (its time is `now`). Never throws: the feed must not stop the measuring. */
  afterResult(db: Db, now: number, changed: boolean): void {
    if (this.caughtUp && !changed && now - this.lastAt < PUBLISH_EVERY_MS) return;
    this.lastAt = now;
    try {
      const days = this.caughtUp ? unsettledDays(db, now) : FEED_DAYS;
      if (days !== null) publishFeedItems(db, this.config, now, { days });
      this.caughtUp = true;
    } catch (err) {
      this.log.warn(`feed items not published (retried within a minute): ${(err as Error).message}`);
    }
  }
}
