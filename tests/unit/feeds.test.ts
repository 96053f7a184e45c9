/**
 * The three feeds, called as route handlers on a generated history whose items the worker's side published: required
 * elements per format, stable guids, conditional GET, hostile official titles arriving as text, a valid empty feed
 * before any data or any publishing, and items served as published, never recomputed. RSS and Atom
 * are also read back by rss-parser, a real feed parser that reports titles exactly as the XML carries them (no
 * extra HTML decoding), so a double escape shows the way readers showed it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import Parser from "rss-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as atomGET } from "@/app/feed.atom/route";
import { GET as jsonGET } from "@/app/feed.json/route";
import { GET as rssGET } from "@/app/feed.xml/route";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { eq } from "drizzle-orm";
import { migrateDatabase } from "@/db/migrate";
import { insertFeedItems } from "@/db/queries/feed-items";
import { insertMeasuredIncident } from "@/db/queries/measured-incidents";
import { upsertIncidentUpdates, upsertOfficialIncident } from "@/db/queries/official";
import { officialIncidents } from "@/db/schema";
import { ConfigError, loadConfig, type Config } from "@/lib/config";
import { feedEvents } from "@/lib/dashboard/incidents";
import { publishFeedItems } from "@/lib/publish/feed-items";
import { readFeedEvents } from "@/lib/web/feeds";
import { publicUrlWarning, setWebContext, warnAtStartup } from "@/lib/web/context";
import { generateHistory } from "@/lib/simulator/history";

const HOSTILE = '<script>alert(1)</script> ]]> & "quotes"';
// Two `]]>`: xml-js escapes only the first inside CDATA, so this one would inject a real element if not escaped. Then
// the characters readers saw double-escaped (& and '), and text beyond ASCII.
const HOSTILE_ACK = `${HOSTILE} ]]><script>alert(2)</script>\u0007 Claude's web & API — réseau 日本語 🚀`;
/** What every format must carry for HOSTILE_ACK: the same string, less the control character XML cannot hold. */
const ACK_TITLE = `Acknowledged by the official page after 10 min: ${HOSTILE_ACK.replace("\u0007", "")}`;
const FEED_TITLE = `Witness's "status" & <uptime> — é`;
const feedParser = new Parser();
const MIN = 60_000;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" });

let dir: string;
let config: Config;
let store: OpenedDatabase;
let emptyStore: OpenedDatabase;
/** History written, but no worker has published its items yet. */
let unpublishedStore: OpenedDatabase;

/** A measured incident the page acknowledged under a hostile title, so an "acknowledged" item carries it. */
function addAcknowledgedIncident(writer: OpenedDatabase, now: number): void {
  const started = now - 6 * 60 * MIN;
  const ended = started + 60 * MIN;
  insertMeasuredIncident(writer.db, { surface: "api", series: "messages:claude-haiku-4-5", model: "claude-haiku-4-5", startedAt: new Date(started), confirmedAt: new Date(started + 2 * MIN), endedAt: new Date(ended), severity: "down", peakFailureRatio: 0.9, errorClassCounts: { overloaded: 40 }, sampleRequestIds: ["req_hostile"], failedResults: 40, totalResults: 44, lastResultAt: new Date(ended) });
  const created = new Date(started + 10 * MIN);
  const resolved = new Date(ended + 5 * MIN);
  upsertOfficialIncident(writer.db, { id: "hostile0001", name: HOSTILE_ACK, status: "resolved", impact: "major", createdAt: created, updatedAt: resolved, startedAt: created, monitoringAt: null, resolvedAt: resolved, shortlink: null, componentIds: ["k8w3r06qmzrp"], firstSeenAt: created, lastSeenAt: resolved });
  upsertIncidentUpdates(writer.db, [{ id: "hostile0001u1", incidentId: "hostile0001", status: "investigating", body: HOSTILE, createdAt: created, displayAt: created, affectedComponents: [] }]);
}

function migrated(path: string): OpenedDatabase {
  const writer = openDatabase(path);
  migrateDatabase(writer.db);
  return writer;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-feeds-"));
  const path = join(dir, "witness.db");
  config = loadConfig({ DATABASE_PATH: path });
  const now = Date.now();
  const writer = migrated(path);
  generateHistory(writer, config, { days: 3, now, seed: 1, hostileTitle: HOSTILE });
  addAcknowledgedIncident(writer, now);
  publishFeedItems(writer.db, config, now);
  writer.close();
  migrated(join(dir, "empty.db")).close();
  const unpublished = migrated(join(dir, "unpublished.db"));
  generateHistory(unpublished, config, { days: 1, now, seed: 2 });
  addAcknowledgedIncident(unpublished, now);
  unpublished.close();
  store = openDatabase(path, { readonly: true });
  emptyStore = openDatabase(join(dir, "empty.db"), { readonly: true });
  unpublishedStore = openDatabase(join(dir, "unpublished.db"), { readonly: true });
  setWebContext({ config, store });
});

afterAll(() => {
  setWebContext(null);
  store.close();
  emptyStore.close();
  unpublishedStore.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (handler: (r: Request) => Promise<Response>, path: string, headers: Record<string, string> = {}) => handler(new Request(`http://localhost${path}`, { headers }));
const HANDLERS = [["rss", rssGET, "/feed.xml"], ["atom", atomGET, "/feed.atom"], ["json", jsonGET, "/feed.json"]] as const;

/** Point the routes at `store` with `overrides` over the test configuration until `run` ends. */
async function withContext<T>(overrides: Partial<Config>, run: () => Promise<T>, on: OpenedDatabase | null = store): Promise<T> {
  setWebContext({ config: { ...config, ...overrides }, store: on });
  try {
    return await run();
  } finally {
    setWebContext({ config, store });
  }
}

/** A feed as a reader sees it: title, links and item titles, whatever the format. */
async function readBack(format: "rss" | "atom" | "json", body: string): Promise<{ title: string; links: string[]; itemTitles: string[] }> {
  if (format === "json") {
    const doc = JSON.parse(body);
    return { title: doc.title, links: [doc.home_page_url, doc.feed_url, ...doc.authors.map((a: { url: string }) => a.url), ...doc.items.map((i: { url: string }) => i.url)], itemTitles: doc.items.map((i: { title: string }) => i.title) };
  }
  const feed = await feedParser.parseString(body);
  return { title: feed.title ?? "", links: [feed.link ?? "", feed.feedUrl ?? "", ...feed.items.map((i) => i.link ?? "")], itemTitles: feed.items.map((i) => i.title ?? "") };
}

/** What a reader shows for a field it reads as HTML: entities decoded once. */
const asHtmlText = (html: string) => html.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const text = (node: unknown): string => (typeof node === "object" && node !== null ? String((node as Record<string, unknown>)["#text"] ?? "") : String(node));

/** Every element name in a parsed document, to prove no `script` element exists anywhere. */
function elementNames(node: unknown, out = new Set<string>()): Set<string> {
  if (typeof node !== "object" || node === null) return out;
  for (const [key, value] of Object.entries(node)) {
    out.add(key);
    for (const child of list(value)) elementNames(child, out);
  }
  return out;
}

describe("RSS 2.0 /feed.xml", () => {
  it("has the channel and an item per event, with stable guids and absolute links", async () => {
    const res = await get(rssGET, "/feed.xml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/rss+xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    const body = await res.text();
    expect(XMLValidator.validate(body)).toBe(true);
    const { rss } = parser.parse(body);
    expect(rss["@version"]).toBe("2.0");
    expect(text(rss.channel.title)).toBe(config.feed.title);
    expect(rss.channel.link).toBe("http://localhost/");
    expect(rss.channel.description).toBeTruthy();
    const events = readFeedEvents(store.db, Date.now());
    const items = list(rss.channel.item);
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(items).toHaveLength(events.length);
    expect(items.map((i) => text(i.guid))).toEqual(events.map((e) => e.guid));
    for (const [n, item] of items.entries()) {
      expect(item.guid["@isPermaLink"]).toBe("false");
      expect(item.link).toBe(`http://localhost/incidents/${events[n]!.slug}`);
      expect(new Date(item.pubDate).getTime()).toBe(Math.floor(events[n]!.at / 1000) * 1000);
      expect(text(item.title)).toBe(events[n]!.title.replace("\u0007", ""));
      expect(asHtmlText(text(item.description))).toBe(events[n]!.summary.replace("\u0007", ""));
    }
    const again = parser.parse(await (await get(rssGET, "/feed.xml")).text());
    expect(list(again.rss.channel.item).map((i) => text(i.guid))).toEqual(items.map((i) => text(i.guid)));
  });

  it("carries the hostile official title as text: no element, no CDATA break-out", async () => {
    const body = await (await get(rssGET, "/feed.xml")).text();
    expect(body).not.toMatch(/<script/i);
    const { rss } = parser.parse(body);
    expect(elementNames(rss).has("script")).toBe(false);
    const titles = list(rss.channel.item).map((i) => text(i.title));
    // The control character is not allowed in XML 1.0 and is dropped; everything else arrives intact, as plain text.
    expect(titles).toContain(ACK_TITLE);
  });
});

describe("Atom 1.0 /feed.atom", () => {
  it("has feed id/title/updated and entries with id, updated, link and the hostile title as text", async () => {
    const res = await get(atomGET, "/feed.atom");
    expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const body = await res.text();
    expect(XMLValidator.validate(body)).toBe(true);
    expect(body).not.toMatch(/<script/i);
    const { feed } = parser.parse(body);
    expect(feed["@xmlns"]).toBe("http://www.w3.org/2005/Atom");
    expect(feed.id).toBe("http://localhost/");
    expect(text(feed.title)).toBe(config.feed.title);
    const events = readFeedEvents(store.db, Date.now());
    expect(feed.updated).toBe(new Date(Math.max(...events.map((e) => e.at))).toISOString());
    const entries = list(feed.entry);
    expect(entries.map((e) => e.id)).toEqual(events.map((e) => e.guid));
    for (const [n, entry] of entries.entries()) {
      expect(entry.updated).toBe(new Date(events[n]!.at).toISOString());
      expect(list(entry.link)[0]["@href"]).toBe(`http://localhost/incidents/${events[n]!.slug}`);
      expect(entry.title["@type"]).toBe("text");
    }
    expect(elementNames(feed).has("script")).toBe(false);
    expect(entries.map((e) => text(e.title))).toContain(ACK_TITLE);
  });
});

describe("JSON Feed 1.1 /feed.json", () => {
  it("has version 1.1, a title and items with id, url, date_published; titles are plain text", async () => {
    const res = await get(jsonGET, "/feed.json");
    expect(res.headers.get("content-type")).toBe("application/feed+json; charset=utf-8");
    const doc = JSON.parse(await res.text());
    expect(doc.version).toBe("https://jsonfeed.org/version/1.1");
    expect(doc.title).toBe(config.feed.title);
    expect(doc.feed_url).toBe("http://localhost/feed.json");
    expect(doc.authors).toEqual([{ name: "Witness", url: "http://localhost/" }]);
    const events = readFeedEvents(store.db, Date.now());
    expect(doc.items.map((i: { id: string }) => i.id)).toEqual(events.map((e) => e.guid));
    for (const [n, item] of doc.items.entries()) {
      expect(item.url).toBe(`http://localhost/incidents/${events[n]!.slug}`);
      expect(item.date_published).toBe(new Date(events[n]!.at).toISOString());
      expect(item.content_html).not.toMatch(/<script/i);
    }
    // JSON Feed's title is plain text by its spec: the hostile name arrives exactly (less the control character).
    expect(doc.items.map((i: { title: string }) => i.title)).toContain(ACK_TITLE);
    const ack = doc.items.find((i: { title: string }) => i.title === ACK_TITLE);
    expect(asHtmlText(ack.content_html)).toMatch(/^The official status page acknowledged it at \d\d:\d\d UTC with "(.*)"; Witness measured Claude API failing from \d\d:\d\d UTC\.$/s);
    expect(asHtmlText(ack.content_html)).toContain(`"${HOSTILE_ACK.replace("\u0007", "")}"`);
  });
});

describe("conditional GET", () => {
  for (const [name, handler, path] of [["rss", rssGET, "/feed.xml"], ["atom", atomGET, "/feed.atom"], ["json", jsonGET, "/feed.json"]] as const) {
    it(`${name}: 304 with no body on If-None-Match or If-Modified-Since, 200 otherwise`, async () => {
      const first = await get(handler, path);
      const etag = first.headers.get("etag")!;
      const lastModified = first.headers.get("last-modified")!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      const events = readFeedEvents(store.db, Date.now());
      expect(lastModified).toBe(new Date(Math.max(...events.map((e) => e.at))).toUTCString());
      const revalidations: Record<string, string>[] = [{ "If-None-Match": etag }, { "If-None-Match": `"other", W/${etag}` }, { "If-Modified-Since": lastModified }];
      for (const headers of revalidations) {
        const res = await get(handler, path, headers);
        expect(res.status).toBe(304);
        expect(res.body).toBeNull();
        expect(res.headers.get("etag")).toBe(etag);
      }
      // If-None-Match wins over a matching If-Modified-Since (RFC 9110).
      expect((await get(handler, path, { "If-None-Match": '"stale"', "If-Modified-Since": lastModified })).status).toBe(200);
      expect((await get(handler, path, { "If-Modified-Since": new Date(Date.parse(lastModified) - 1000).toUTCString() })).status).toBe(200);
      expect((await get(handler, path, { "If-Modified-Since": "not a date" })).status).toBe(200);
    });
  }
});

describe("links and empty feeds", () => {
  it("uses feed.siteUrl for every link when it is set", async () => {
    setWebContext({ config: { ...config, feed: { ...config.feed, siteUrl: "https://status.example.com/witness/" } }, store });
    try {
      const doc = JSON.parse(await (await get(jsonGET, "/feed.json")).text());
      expect(doc.home_page_url).toBe("https://status.example.com/witness/");
      for (const item of doc.items) expect(item.url).toMatch(/^https:\/\/status\.example\.com\/witness\/incidents\/m-\d+$/);
    } finally {
      setWebContext({ config, store });
    }
  });

  // No database yet: the configured file does not exist (getWebContext would otherwise open it).
  const contexts = [
    ["no database yet", () => ({ config: { ...config, databasePath: join(dir, "missing.db") }, store: null })],
    ["an empty database", () => ({ config, store: emptyStore })],
    ["a database whose worker has not published yet", () => ({ config, store: unpublishedStore })],
  ] as const;
  for (const [label, context] of contexts) {
    it(`gives valid empty feeds with no 1970 date for ${label}`, async () => {
      setWebContext(context());
      try {
        const before = Date.now();
        const rss = await get(rssGET, "/feed.xml");
        const rssBody = await rss.text();
        expect(XMLValidator.validate(rssBody)).toBe(true);
        const channel = parser.parse(rssBody).rss.channel;
        expect(channel.item).toBeUndefined();
        // No event, no date: RSS's lastBuildDate is optional, and Last-Modified would claim a change that never was.
        expect(channel.lastBuildDate).toBeUndefined();
        expect(rss.headers.get("last-modified")).toBeNull();
        expect(rss.headers.get("etag")).toBeTruthy();
        const atomRes = await get(atomGET, "/feed.atom");
        expect(atomRes.headers.get("last-modified")).toBeNull();
        const atomBody = await atomRes.text();
        expect(XMLValidator.validate(atomBody)).toBe(true);
        const atom = parser.parse(atomBody).feed;
        // Atom requires `updated`: the time the (empty) data was read.
        expect(Date.parse(atom.updated)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
        expect(Date.parse(atom.updated)).toBeLessThanOrEqual(Date.now());
        expect(atom.entry).toBeUndefined();
        const jsonBody = await (await get(jsonGET, "/feed.json")).text();
        const json = JSON.parse(jsonBody);
        expect(json.version).toBe("https://jsonfeed.org/version/1.1");
        expect(json.items).toEqual([]);
        for (const body of [rssBody, atomBody, jsonBody]) expect(body).not.toMatch(/1970|Thu, 01 Jan/);
        for (const [format, body] of [["rss", rssBody], ["atom", atomBody]] as const) {
          const read = await feedParser.parseString(body);
          expect(read.items, format).toEqual([]);
          expect(read.lastBuildDate ?? "", format).not.toMatch(/1970/);
        }
      } finally {
        setWebContext({ config, store });
      }
    });
  }
});

describe("feeds read back by a feed parser", () => {
  it.each(HANDLERS)("%s: titles with & ' < > \" and non-ASCII arrive as the original strings", async (format, handler, path) => {
    await withContext({ feed: { ...config.feed, title: FEED_TITLE } }, async () => {
      const body = await (await get(handler, path)).text();
      const read = await readBack(format, body);
      expect(read.title).toBe(FEED_TITLE);
      const events = readFeedEvents(store.db, Date.now());
      expect(read.itemTitles).toEqual(events.map((e) => e.title.replace("\u0007", "")));
      expect(read.itemTitles).toContain(ACK_TITLE);
      if (format === "json") return;
      // In the XML itself: each title escaped once (no entity of an entity), and no markup from the hostile one.
      const rawTitles = [...body.matchAll(/<title[^>]*>([^<]*)<\/title>/g)].map((m) => m[1]!);
      expect(rawTitles).toHaveLength(events.length + 1);
      for (const raw of rawTitles) expect(raw).not.toMatch(/&amp;(?:amp|lt|gt|quot|apos|#\d+);/);
      expect(body).not.toMatch(/<script/i);
    });
  });

  it.each(HANDLERS)("%s: every link is absolute on WITNESS_PUBLIC_URL, which wins over feed.siteUrl, with no Vary: Host", async (format, handler, path) => {
    const overrides = { publicUrl: "https://status.example.com", feed: { ...config.feed, siteUrl: "https://old.example.net/witness" } };
    await withContext(overrides, async () => {
      const res = await get(handler, path, { host: "attacker.example" });
      expect(res.headers.get("vary")).toBeNull();
      const read = await readBack(format, await res.text());
      expect(read.links.length).toBeGreaterThan(3);
      for (const link of read.links) expect(link).toMatch(/^https:\/\/status\.example\.com\/(?:$|feed\.|incidents\/[mo]-)/);
    });
  });

  it.each(HANDLERS)("%s: without either, links follow the request's Host, and the response varies on Host", async (format, handler, path) => {
    await withContext({ publicUrl: null }, async () => {
      const res = await handler(new Request(`http://localhost:3000${path}`, { headers: { host: "status.example.org:8443" } }));
      expect(res.headers.get("vary")).toBe("Host");
      const read = await readBack(format, await res.text());
      for (const link of read.links) expect(link).toMatch(/^http:\/\/status\.example\.org:8443\//);
      const other = await readBack(format, await (await handler(new Request(`http://localhost:3000${path}`, { headers: { host: "10.0.0.7" } }))).text());
      for (const link of other.links) expect(link).toMatch(/^http:\/\/10\.0\.0\.7\//);
    });
  });

  it.each(['evil.example/"><script>alert(1)</script>', "a b", "example.com:99999", "user@example.com", ""])("a malformed Host %j never reaches a link", async (host) => {
    await withContext({ publicUrl: null }, async () => {
      const res = await rssGET(new Request("http://127.0.0.1:3000/feed.xml", { headers: host ? { host } : {} }));
      const body = await res.text();
      expect(body).not.toMatch(/evil|user@|99999|a b/);
      const read = await readBack("rss", body);
      for (const link of read.links) expect(link).toMatch(/^http:\/\/127\.0\.0\.1:3000\//);
    });
  });
});

describe("WITNESS_PUBLIC_URL", () => {
  it("is an origin: a trailing slash is dropped, unset is null", () => {
    expect(loadConfig({ WITNESS_PUBLIC_URL: "https://status.example.com/" }).publicUrl).toBe("https://status.example.com");
    expect(loadConfig({ WITNESS_PUBLIC_URL: "http://10.0.0.7:3000" }).publicUrl).toBe("http://10.0.0.7:3000");
    expect(loadConfig({}).publicUrl).toBeNull();
    expect(loadConfig({ WITNESS_PUBLIC_URL: "  " }).publicUrl).toBeNull();
  });

  it.each(["status.example.com", "ftp://status.example.com", "https://status.example.com/witness", "https://u:secret-token@status.example.com", "https://status.example.com/?token=secret-token", "https://status.example.com/#x"])(
    "refuses %j naming the variable, never echoing the value",
    (value) => {
      const run = () => loadConfig({ WITNESS_PUBLIC_URL: value });
      expect(run).toThrow(ConfigError);
      expect(run).toThrow(/^WITNESS_PUBLIC_URL: must be an http\(s\) origin/);
      expect(run).not.toThrow(/secret-token|status\.example\.com\//);
    },
  );

  it("without it (or feed.siteUrl) the web process warns once at start-up, saying what to set", () => {
    const lines: string[] = [];
    const flags = globalThis as unknown as { __witnessWebWarned?: boolean };
    delete flags.__witnessWebWarned;
    setWebContext({ config: { ...config, publicUrl: null }, store });
    try {
      warnAtStartup((line) => lines.push(line));
      warnAtStartup((line) => lines.push(line));
    } finally {
      setWebContext({ config, store });
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ warn witness web: .*set WITNESS_PUBLIC_URL=https:\/\/… so feed links are absolute/);
    expect(publicUrlWarning({ ...config, publicUrl: "https://status.example.com" })).toBeNull();
    expect(publicUrlWarning({ ...config, feed: { ...config.feed, siteUrl: "https://status.example.com" } })).toBeNull();
  });
});

describe("items as published", () => {
  it("an install whose worker has not published serves no item, though it has incidents: the web computes none", () => {
    expect(feedEvents(unpublishedStore.db, config, Date.now()).length).toBeGreaterThan(0);
    expect(readFeedEvents(unpublishedStore.db, Date.now())).toEqual([]);
  });

  it("every GUID carries the instance id and the incident's slug", () => {
    const events = readFeedEvents(store.db, Date.now());
    for (const e of events) expect(e.guid).toMatch(new RegExp(`^witness:w[0-9a-f]{8}:${e.slug}:(opened|acknowledged|resolved)(:c\\d+)?$`));
  });

  it("an item's words never change once published: a renamed official incident arrives as a correction", async () => {
    const renamed = "Elevated errors on the Claude API (renamed)";
    const writer = openDatabase(join(dir, "witness.db"));
    try {
      const row = writer.db.select().from(officialIncidents).where(eq(officialIncidents.id, "hostile0001")).get()!;
      upsertOfficialIncident(writer.db, { ...row, name: renamed });
      const served = async () => JSON.parse(await (await get(jsonGET, "/feed.json")).text()).items as { id: string; title: string; content_html: string }[];
      const before = await served();
      const original = before.find((i) => i.title === ACK_TITLE)!;
      // The record changed, nothing was published: the feed is as it was.
      expect(await served()).toEqual(before);
      publishFeedItems(writer.db, config, Date.now());
      const after = await served();
      expect(after.find((i) => i.id === original.id)).toEqual(original);
      const correction = after.find((i) => i.id === `${original.id}:c2`)!;
      expect(correction.title).toBe(`Correction: Acknowledged by the official page after 10 min: ${renamed}`);
      expect(asHtmlText(correction.content_html)).toContain(`Earlier this feed said: “${ACK_TITLE}”`);
      expect(after[0]).toEqual(correction);
    } finally {
      writer.close();
    }
  });
});

describe("feed scopes (a hub's regional items)", () => {
  it("the feeds are global by default; ?scope=regional shows a hub's regional and unconfirmed items, ?scope=all every one, another value is 400", async () => {
    const path = join(dir, "scopes.db");
    const writer = migrated(path);
    const now = Date.now();
    const item = (guid: string, scope: "global" | "regional" | "unconfirmed", at: number) => ({ guid, slug: "m-1", event: "opened" as const, corrects: null, at: new Date(at), title: `${scope} <item>`, summary: "s", stated: null, publishedAt: new Date(now), scope });
    insertFeedItems(writer.db, [item("g:1", "global", now - 3 * MIN), item("r:1", "regional", now - 2 * MIN), item("u:1", "unconfirmed", now - MIN)]);
    writer.close();
    const scoped = openDatabase(path, { readonly: true });
    try {
      await withContext({}, async () => {
        const guids = async (query: string) => (await feedParser.parseString(await (await get(rssGET, `/feed.xml${query}`)).text())).items.map((i) => i.guid);
        expect(await guids("")).toEqual(["g:1"]);
        expect(await guids("?scope=global")).toEqual(["g:1"]);
        expect(await guids("?scope=regional")).toEqual(["u:1", "r:1"]);
        expect(await guids("?scope=all")).toEqual(["u:1", "r:1", "g:1"]);
        const bad = await get(jsonGET, "/feed.json?scope=%3Cscript%3E");
        expect(bad.status).toBe(400);
        expect(await bad.text()).toBe("scope must be one of global, regional, all\n");
      }, scoped);
    } finally {
      scoped.close();
    }
  });
});
