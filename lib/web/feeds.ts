/**
 * RSS 2.0, Atom 1.0 and JSON Feed 1.1 of incident events, made by the `feed` library. One item per FeedEvent, its
 * guid the event's stable guid, linked to the incident's page; the feed's date is its newest event, never "now",
 * so readers and validators see a change only when there is one.
 */
import { Feed, type Item } from "feed";
import type { Config } from "@/lib/config";
import type { FeedEvent } from "@/lib/dashboard/types";
import { feedEvents } from "@/lib/dashboard/incidents";
import type { OpenedDatabase } from "@/db/client";
import { conditionalResponse, DOCUMENT_CACHE, guarded } from "@/lib/web/http";

export type FeedFormat = "rss" | "atom" | "json";

export const FEED_FORMATS: Record<FeedFormat, { path: string; contentType: string }> = {
  rss: { path: "/feed.xml", contentType: "application/rss+xml; charset=utf-8" },
  atom: { path: "/feed.atom", contentType: "application/atom+xml; charset=utf-8" },
  json: { path: "/feed.json", contentType: "application/feed+json; charset=utf-8" },
};

/** An empty feed's date: fixed, so its ETag and Last-Modified never change until the first event. */
export const EMPTY_FEED_UPDATED = new Date(0);

const DESCRIPTION = "Claude incidents as Witness measured them, and when the official status page acknowledged them.";

// Characters XML 1.0 forbids even escaped (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF): one of them
// in an official title would make the whole document unparsable, so they are dropped.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Plain text that is valid in any XML document. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, "");
}

/**
 * Text for a field readers treat as HTML (Atom `type="html"`, RSS title and description, JSON `content_html`): markup
 * becomes entities so it shows as text. It also keeps `]]>` out of the library's CDATA sections: xml-js escapes only
 * the first occurrence, so a title with two could close the section and inject elements. With `>` escaped, none can.
 */
export function htmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Where links point: `feed.siteUrl` when set (it may carry a path), else the origin the request came to. */
export function siteBase(config: Config, requestUrl: string): string {
  return (config.feed.siteUrl ?? new URL(requestUrl).origin).replace(/\/+$/, "");
}

/** The feed's date: its newest event, or the fixed epoch when there is none. */
export function feedUpdated(events: readonly FeedEvent[]): Date {
  return events.length ? new Date(Math.max(...events.map((e) => e.at))) : EMPTY_FEED_UPDATED;
}

/** One feed document of `events` (newest first) in `format`. */
export function renderFeed(format: FeedFormat, events: readonly FeedEvent[], opts: { title: string; base: string }): string {
  const feed = new Feed({
    id: `${opts.base}/`,
    title: xmlSafe(opts.title),
    description: DESCRIPTION,
    link: `${opts.base}/`,
    language: "en",
    updated: feedUpdated(events),
    generator: "Witness",
    author: { name: "Witness", link: `${opts.base}/` },
    feedLinks: { rss: `${opts.base}${FEED_FORMATS.rss.path}`, atom: `${opts.base}${FEED_FORMATS.atom.path}`, json: `${opts.base}${FEED_FORMATS.json.path}` },
  });
  // JSON Feed's `title` is plain text by its spec (JSON escaping is enough); every XML title is read as HTML. The
  // same characters are dropped from all three, so every format carries the same text.
  const title = format === "json" ? xmlSafe : htmlText;
  for (const event of events) feed.addItem(toItem(event, opts.base, title));
  if (format === "rss") return feed.rss2();
  if (format === "atom") return feed.atom1();
  return asJsonFeed11(feed.json1());
}

function toItem(event: FeedEvent, base: string, title: (text: string) => string): Item {
  const date = new Date(event.at);
  return {
    id: event.guid,
    guid: event.guid,
    link: `${base}/incidents/${encodeURIComponent(event.slug)}`,
    title: title(event.title),
    description: htmlText(event.summary),
    date,
    // Sets JSON Feed's date_published (the library's `date` is date_modified); RSS and Atom get the same instant.
    published: date,
  };
}

/**
 * The library writes JSON Feed 1 (`version` …/1, a single `author`). 1.1 is the same document with `authors` as a
 * list and a `language`, so the object is upgraded rather than written by hand.
 */
function asJsonFeed11(json1: string): string {
  const { version: _version, author, ...rest } = JSON.parse(json1) as Record<string, unknown>;
  const upgraded = { version: "https://jsonfeed.org/version/1.1", ...rest, language: "en", ...(author ? { authors: [author] } : {}) };
  return JSON.stringify(upgraded, null, 2);
}

/** A feed response for the request: events from the store (none without one), 304 when the reader has this one. */
export function serveFeed(request: Request, format: FeedFormat, context: { config: Config; store: OpenedDatabase | null }, now: number): Promise<Response> {
  return guarded(() => {
    const { config, store } = context;
    const events = store ? feedEvents(store.db, config, now) : [];
    const body = renderFeed(format, events, { title: config.feed.title, base: siteBase(config, request.url) });
    return conditionalResponse(request, { body, contentType: FEED_FORMATS[format].contentType, lastModified: feedUpdated(events), cacheControl: DOCUMENT_CACHE });
  });
}
