/**
 * RSS 2.0, Atom 1.0 and JSON Feed 1.1 of incident events. One item per published feed item (feed_items, written once by
 * the worker: lib/publish/feed-items.ts), its guid the item's, linked to the incident's page; the feed's date is its
 * newest event, never "now", so readers and validators see a change only when there is one. Nothing is recomputed
 * here: an install whose worker has not published yet serves an empty feed.
 *
 * Titles are plain text, escaped once by the XML serialiser, so a reader shows `Claude's web & API` as written. The
 * XML is built by fast-xml-parser's builder rather than the `feed` package, because that package writes every item
 * title as CDATA (its serialiser escapes only the first `]]>`, so a hostile title could close the section) and Atom
 * titles as type="html": a plain title could only reach it pre-escaped as HTML, which readers then showed
 * double-escaped (`Claude&#39;s web &amp; API`). Summaries stay HTML (RSS descriptions are read as HTML anyway),
 * escaped so markup in an official incident name shows as text.
 */
import { XMLBuilder } from "fast-xml-parser";
import type { Config } from "@/lib/config";
import type { FeedEvent } from "@/lib/dashboard/types";
import { FEED_DAYS } from "@/lib/publish/feed-items";
import type { Db } from "@/db/client";
import type { Scope } from "@/db/schema";
import { getFeedItemsSince } from "@/db/queries/feed-items";
import { readThrough } from "@/lib/web/cache";
import type { WebContext } from "@/lib/web/context";
import { conditionalResponse, DOCUMENT_CACHE, guarded, requestOrigin } from "@/lib/web/http";

export type FeedFormat = "rss" | "atom" | "json";

export const FEED_FORMATS: Record<FeedFormat, { path: string; contentType: string }> = {
  rss: { path: "/feed.xml", contentType: "application/rss+xml; charset=utf-8" },
  atom: { path: "/feed.atom", contentType: "application/atom+xml; charset=utf-8" },
  json: { path: "/feed.json", contentType: "application/feed+json; charset=utf-8" },
};

const DESCRIPTION = "Claude incidents as Witness measured them, and when the official status page acknowledged them.";

// Characters XML 1.0 forbids even escaped (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF): one of them
// in an official title would make the whole document unparsable, so they are dropped, from every format alike.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Plain text that is valid in any XML document. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, "");
}

/** Text for a field readers treat as HTML (RSS description, Atom type="html", JSON `content_html`): markup as text. */
export function htmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Where feed links point, and whether that came from the request's Host (then the response must `Vary: Host`). */
export interface LinkBase {
  base: string;
  fromHost: boolean;
}

/** WITNESS_PUBLIC_URL, else `feed.siteUrl` (it may carry a path), else the origin the request was addressed to. */
export function linkBase(config: Config, request: Request): LinkBase {
  if (config.publicUrl) return { base: config.publicUrl, fromHost: false };
  if (config.feed.siteUrl) return { base: config.feed.siteUrl.replace(/\/+$/, ""), fromHost: false };
  return { base: requestOrigin(request), fromHost: true };
}

/** The feed's date: its newest event, or null for an empty feed (which then carries no date, never 1970). */
export function feedUpdated(events: readonly FeedEvent[]): Date | null {
  return events.length ? new Date(Math.max(...events.map((e) => e.at))) : null;
}

const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@", textNodeName: "#text", format: true, indentBy: "  ", suppressEmptyNode: true });
const DECLARATION = { "@version": "1.0", "@encoding": "utf-8" };

export interface FeedOptions {
  title: string;
  base: string;
  /** When the events were read: an empty Atom feed's required `updated` (RSS and JSON then carry no date). */
  readAt: number;
}

/** One feed document of `events` (newest first) in `format`. */
export function renderFeed(format: FeedFormat, events: readonly FeedEvent[], opts: FeedOptions): string {
  if (format === "rss") return renderRss(events, opts);
  if (format === "atom") return renderAtom(events, opts);
  return renderJson(events, opts);
}

const link = (base: string, event: FeedEvent) => `${base}/incidents/${encodeURIComponent(event.slug)}`;

function renderRss(events: readonly FeedEvent[], { title, base }: FeedOptions): string {
  const updated = feedUpdated(events);
  const channel = {
    title: xmlSafe(title),
    link: `${base}/`,
    description: DESCRIPTION,
    language: "en",
    ...(updated ? { lastBuildDate: updated.toUTCString() } : {}),
    docs: "https://www.rssboard.org/rss-specification",
    generator: "Witness",
    "atom:link": { "@href": `${base}${FEED_FORMATS.rss.path}`, "@rel": "self", "@type": "application/rss+xml" },
    item: events.map((event) => ({
      title: xmlSafe(event.title),
      link: link(base, event),
      guid: { "@isPermaLink": "false", "#text": event.guid },
      pubDate: new Date(event.at).toUTCString(),
      description: htmlText(event.summary),
    })),
  };
  return xml.build({ "?xml": DECLARATION, rss: { "@version": "2.0", "@xmlns:atom": "http://www.w3.org/2005/Atom", channel } });
}

function renderAtom(events: readonly FeedEvent[], { title, base, readAt }: FeedOptions): string {
  // RFC 4287 requires `updated`: with no event, the feed is as of the moment its (empty) data was read.
  const updated = feedUpdated(events) ?? new Date(readAt);
  const feed = {
    "@xmlns": "http://www.w3.org/2005/Atom",
    id: `${base}/`,
    title: { "@type": "text", "#text": xmlSafe(title) },
    subtitle: { "@type": "text", "#text": DESCRIPTION },
    updated: updated.toISOString(),
    generator: "Witness",
    author: { name: "Witness", uri: `${base}/` },
    link: [
      { "@rel": "alternate", "@href": `${base}/` },
      { "@rel": "self", "@href": `${base}${FEED_FORMATS.atom.path}` },
    ],
    entry: events.map((event) => ({
      title: { "@type": "text", "#text": xmlSafe(event.title) },
      id: event.guid,
      link: { "@rel": "alternate", "@href": link(base, event) },
      published: new Date(event.at).toISOString(),
      updated: new Date(event.at).toISOString(),
      summary: { "@type": "html", "#text": htmlText(event.summary) },
    })),
  };
  return xml.build({ "?xml": DECLARATION, feed });
}

/** JSON Feed 1.1: `title` is plain text by its spec, so JSON escaping is all it needs. */
function renderJson(events: readonly FeedEvent[], { title, base }: FeedOptions): string {
  const doc = {
    version: "https://jsonfeed.org/version/1.1",
    title: xmlSafe(title),
    home_page_url: `${base}/`,
    feed_url: `${base}${FEED_FORMATS.json.path}`,
    description: DESCRIPTION,
    language: "en",
    authors: [{ name: "Witness", url: `${base}/` }],
    items: events.map((event) => ({
      id: event.guid,
      url: link(base, event),
      title: xmlSafe(event.title),
      content_html: htmlText(event.summary),
      date_published: new Date(event.at).toISOString(),
      date_modified: new Date(event.at).toISOString(),
    })),
  };
  return JSON.stringify(doc, null, 2);
}

/** Which items a feed shows (?scope=): global by default; a hub's regional and unconfirmed ones, or every one. */
export const FEED_SCOPES = { global: ["global"], regional: ["regional", "unconfirmed"], all: ["global", "regional", "unconfirmed"] } as const satisfies Record<string, readonly Scope[]>;
export type FeedScope = keyof typeof FEED_SCOPES;

/** The published items of the last FEED_DAYS days, newest first. */
export function readFeedEvents(db: Db, now: number, scope: FeedScope = "global"): FeedEvent[] {
  return getFeedItemsSince(db, { since: new Date(now - FEED_DAYS * 86_400_000), scopes: FEED_SCOPES[scope] }).map((row) => ({ guid: row.guid, slug: row.slug, event: row.event, at: row.at.getTime(), title: row.title, summary: row.summary }));
}

/** A feed response for the request: events from the store (none without one), 304 when the reader has this one. */
export function serveFeed(request: Request, format: FeedFormat, context: WebContext, now: number = Date.now()): Promise<Response> {
  return guarded(() => {
    const { config } = context;
    const asked = new URL(request.url).searchParams.get("scope") ?? "global";
    if (!Object.hasOwn(FEED_SCOPES, asked)) return new Response(`scope must be one of ${Object.keys(FEED_SCOPES).join(", ")}\n`, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
    const scope = asked as FeedScope;
    const snapshot = readThrough(context, `feed-events:${scope}`, (db, _cfg, at) => readFeedEvents(db, at, scope), now);
    const events = snapshot?.value ?? [];
    const { base, fromHost } = linkBase(config, request);
    const body = renderFeed(format, events, { title: config.feed.title, base, readAt: snapshot?.readAt ?? now });
    return conditionalResponse(request, {
      body,
      contentType: FEED_FORMATS[format].contentType,
      lastModified: feedUpdated(events),
      cacheControl: DOCUMENT_CACHE,
      vary: fromHost ? "Host" : null,
    });
  });
}
