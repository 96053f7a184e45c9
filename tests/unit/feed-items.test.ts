/**
 * Feed items published once (issue 15): a scenario played minute by minute through the worker's recorder. Outage A
 * is acknowledged by an official incident that later vanishes without a resolution; outage B is not acknowledged
 * until, after its recovery, a backdated official incident appears. Every row published stays as it was; the changed
 * story arrives as new items (B's late acknowledgement, and a correction of B's "never acknowledged"). GUIDs carry
 * the instance id, and no item shows a raw ISO time, a negative duration or a bare error class.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { OpenedDatabase } from "@/db/client";
import { insertMeasuredIncident } from "@/db/queries/measured-incidents";
import { loadConfig, type Config } from "@/lib/config";
import { listIncidents } from "@/lib/dashboard/incidents";
import type { FeedEvent } from "@/lib/dashboard/types";
import { createLogger } from "@/lib/log";
import { recordIncidentHistory } from "@/lib/measure/official-record";
import { Recorder } from "@/lib/measure/recorder";
import { publishFeedItems } from "@/lib/publish/feed-items";
import { readFeedEvents } from "@/lib/web/feeds";
import { parseIncidents } from "@/probes/status-history";
import { parseSummary, type StatusIncident } from "@/probes/statuspage";
import type { ProbeResult } from "@/probes/types";
import { feedItems, type FeedItemRow } from "@/db/schema";
import { openMigratedMemory, sampleResult } from "@/tests/unit/support";

const MIN = 60_000;
const API = "k8w3r06qmzrp";
const MINUTES = 100;
const T = Math.floor(Date.now() / MIN) * MIN - MINUTES * MIN;
const at = (m: number) => T + m * MIN;
const SERIES = ["messages:claude-haiku-4-5", "stream:claude-haiku-4-5", "edge", "web"];
const log = createLogger({ secrets: [], write: () => {} });

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../lib/simulator/fixtures/statuspage/${name}`, import.meta.url), "utf8")) as Record<string, any>;

interface Listed {
  id: string;
  name: string;
  createdMinute: number;
}
/** A: posted at 14, listed until 39, then gone unresolved (it vanishes). B's: posted at 80, dated minute 10 (backdated). */
const ACK = { id: "feedack00001", name: "Elevated errors on the Claude API", createdMinute: 14 };
const LATE = { id: "feedlate0001", name: "Degraded performance on the Claude API", createdMinute: 10 };
const officialAt = (m: number): Listed | null => (m >= 14 && m < 40 ? ACK : m >= 80 ? LATE : null);

/** The summary the page serves: operational, or listing one incident on the API. */
function summaryDoc(incident: Listed | null): Record<string, any> {
  const doc = fixture("summary.incident.json");
  const template = doc.incidents[0];
  for (const c of doc.components) c.status = incident && c.id === API ? "major_outage" : "operational";
  if (!incident) {
    doc.incidents = [];
    return doc;
  }
  const created = new Date(at(incident.createdMinute)).toISOString();
  const updates = template.incident_updates.slice(-1).map((u: any) => ({ ...u, id: `${incident.id}u1`, incident_id: incident.id, status: "investigating", created_at: created, updated_at: created, display_at: created }));
  doc.incidents = [{ ...template, id: incident.id, name: incident.name, status: "investigating", impact: "major", created_at: created, updated_at: created, started_at: created, incident_updates: updates }];
  return doc;
}

/** A (10–24) and B (50–64): the whole API fails with 529s. */
function outcome(m: number, series: string): Pick<ProbeResult, "outcome" | "errorClass" | "httpStatus"> {
  const failing = ((m >= 10 && m < 25) || (m >= 50 && m < 65)) && series !== "web";
  return failing ? { outcome: "down", errorClass: "overloaded", httpStatus: 529 } : { outcome: "up", errorClass: null, httpStatus: 200 };
}

const statusResult = (when: number): ProbeResult => ({ ...sampleResult(new Date(when).toISOString()), probe: "status", kind: "status", model: null, ttftMs: null, outputTokens: null, tokensPerSecond: null });

const allRows = (store: OpenedDatabase): FeedItemRow[] => store.db.select().from(feedItems).all();

let store: OpenedDatabase;
let config: Config;
/** Every row as first seen, by guid, and whether any row ever changed after that. */
const firstSeen = new Map<string, FeedItemRow>();
const changedRows: string[] = [];
/** The items published by the end of each minute. */
const byMinute: FeedItemRow[][] = [];

beforeAll(async () => {
  store = openMigratedMemory();
  config = loadConfig({ DATABASE_PATH: ":memory:" });
  const recorder = new Recorder(config, store.db, log);
  for (let m = 0; m < MINUTES; m++) {
    SERIES.forEach((series, i) => {
      const kind = series.split(":")[0] as ProbeResult["kind"];
      const when = at(m) + 5_000 + i * 1_000;
      recorder.record({ result: sampleResult(new Date(when).toISOString(), { probe: series, kind, model: series.includes(":") ? series.split(":")[1]! : null, requestId: `req_${m}_${kind}`, ...outcome(m, series) }) });
    });
    const raw = JSON.stringify(summaryDoc(officialAt(m)));
    const parsed = parseSummary(raw);
    if ("error" in parsed) throw new Error(String(parsed.error));
    const result = statusResult(at(m) + 8_000);
    recorder.record({ result, status: { result, summary: parsed.summary, raw } });
    // The history, every ten minutes, resolves nothing: A's incident left the page unresolved, so it vanished.
    if (m % 10 === 0) {
      const history = parseIncidents(JSON.stringify({ page: fixture("incidents.json").page, incidents: [] })) as { incidents: StatusIncident[] };
      await recordIncidentHistory(store.db, { at: new Date(at(m) + 9_000), incidents: history.incidents, raw: "" });
    }
    const rows = allRows(store);
    for (const row of rows) {
      const first = firstSeen.get(row.guid);
      if (!first) firstSeen.set(row.guid, row);
      else if (JSON.stringify(first) !== JSON.stringify(row)) changedRows.push(row.guid);
    }
    byMinute.push(rows);
  }
});

const end = () => at(MINUTES - 1) + 30_000;
const measured = () => listIncidents(store.db, config, end(), 1).filter((i) => i.kind === "measured");
const incidentA = () => measured().find((i) => i.startedAt >= at(10) && i.startedAt < at(11))!;
const incidentB = () => measured().find((i) => i.startedAt >= at(50) && i.startedAt < at(51))!;
const itemsOf = (slug: string) => readFeedEvents(store.db, end()).filter((e) => e.slug === slug);
const guidEnd = (e: FeedEvent) => e.guid.split(":").slice(3).join(":");

/**
 * A time in the words: a time on another day than the one the sentence is about names its day ("23:26 UTC on 6 Dec").
 * The incidents here are dated relative to now, so near midnight UTC their times cross into the day before.
 */
const TIME = "\\d\\d:\\d\\d UTC(?: on \\d{1,2} [A-Z][a-z]{2})?";

describe("feed items are published once", () => {
  it("the scenario happened: A acknowledged by an incident that then vanished, B acknowledged only by the late, backdated one", () => {
    const a = incidentA();
    const b = incidentB();
    expect(a.ackWords).toBe("acknowledged after 4 min");
    expect(a.official[0]).toMatchObject({ id: ACK.id, vanished: true });
    expect(b.official[0]).toMatchObject({ id: LATE.id, backdated: true });
    expect(b.ackWords).toBe("acknowledged after 29 min");
  });

  it("no published row ever changed, and no GUID was published twice", () => {
    expect(changedRows).toEqual([]);
    const guids = allRows(store).map((r) => r.guid);
    expect(new Set(guids).size).toBe(guids.length);
  });

  it("the opened item comes due with minIncidentMinutes, while the outage goes on, and keeps its first words", () => {
    const slug = incidentA().slug;
    const opened = (m: number) => byMinute[m]!.find((r) => r.slug === slug && r.event === "opened");
    expect(opened(14)).toBeUndefined();
    expect(opened(16)).toBeDefined();
    expect(opened(16)!.title).toBe("Opened: Claude API: 100% of requests failing");
    expect(opened(16)!.summary).toMatch(new RegExp(`^Witness measured the first failure at ${TIME} and confirmed the incident at ${TIME}; over its first 5 min: 100% of requests failing\\.$`));
    expect(opened(MINUTES - 1)).toEqual(opened(16));
  });

  it("A: the vanishing of the incident that acknowledged it changes nothing said", () => {
    const items = itemsOf(incidentA().slug);
    expect(items.map(guidEnd).sort()).toEqual(["acknowledged", "opened", "resolved"]);
    const ack = items.find((e) => e.event === "acknowledged")!;
    expect(ack.title).toBe(`Acknowledged by the official page after 4 min: ${ACK.name}`);
    expect(ack.at).toBe(incidentA().startedAt + incidentA().ackDelayMs!);
    const resolved = items.find((e) => e.event === "resolved")!;
    expect(resolved.title).toBe("Resolved after 15 min: Claude API outage");
    expect(resolved.summary).toMatch(new RegExp(`^Recovered at ${TIME}, failing since ${TIME}\\. \\d+% of requests failing: \\d+ overloaded \\(HTTP 529\\)\\. Official page: acknowledged after 4 min\\.$`));
  });

  it("B: the backdated incident brings a new acknowledged item and a correction of 'never acknowledged', under new GUIDs", () => {
    const b = incidentB();
    const items = itemsOf(b.slug);
    expect(items.map(guidEnd).sort()).toEqual(["acknowledged", "opened", "resolved", "resolved:c2"]);
    const resolved = items.find((e) => e.event === "resolved")!;
    // As published at the recovery, before the page said anything.
    expect(resolved.summary).toMatch(/Official page: never acknowledged\.$/);
    const ack = items.find((e) => e.event === "acknowledged")!;
    expect(ack.title).toBe(`Acknowledged by the official page after 29 min: ${LATE.name}`);
    expect(ack.summary).toMatch(new RegExp(`^The official status page acknowledged it at ${TIME} with "${LATE.name}" \\(dated ${TIME}\\); Witness measured Claude API failing from ${TIME}\\.$`));
    const correction = items.find((e) => e.event === "correction")!;
    expect(correction.guid).toBe(`${resolved.guid}:c2`);
    expect(correction.title).toBe(`Correction: ${resolved.title}`);
    expect(correction.summary).toContain("Official page: acknowledged after 29 min.");
    expect(correction.summary).toContain(`Earlier this feed said: “${resolved.title}” ${resolved.summary}`);
    // Published when the page changed (minute 80), so it is news now, not backdated into the past.
    expect(correction.at).toBeGreaterThanOrEqual(at(80));
    expect(readFeedEvents(store.db, end())[0]!.at).toBeGreaterThanOrEqual(correction.at);
  });

  it("publishing again changes nothing: every statement is already said", () => {
    const before = allRows(store);
    const out = publishFeedItems(store.db, config, end());
    expect(out).toEqual({ items: 0, corrections: 0 });
    expect(allRows(store)).toEqual(before);
  });

  it("no item text shows a raw ISO time, a negative duration or a bare error class", () => {
    const texts = readFeedEvents(store.db, end()).flatMap((e) => [e.title, e.summary]);
    expect(texts.length).toBeGreaterThan(10);
    for (const text of texts) {
      expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
      expect(text).not.toMatch(/-\s?\d+\s?min|after -/);
      expect(text).not.toMatch(/overloaded(?! \(HTTP 529\))|http_5xx|_error|_response/);
    }
  });
});

describe("GUIDs", () => {
  it("carry each database's instance id, so two installs never collide", () => {
    const publishOne = () => {
      const db = openMigratedMemory();
      const cfg = loadConfig({ DATABASE_PATH: ":memory:" });
      const now = Date.now();
      insertMeasuredIncident(db.db, { surface: "api", series: "edge", model: null, startedAt: new Date(now - 60 * MIN), confirmedAt: new Date(now - 58 * MIN), endedAt: new Date(now - 30 * MIN), severity: "down", peakFailureRatio: 1, errorClassCounts: { http_5xx: 30 }, sampleRequestIds: [], failedResults: 30, totalResults: 30, lastResultAt: new Date(now - 30 * MIN) });
      publishFeedItems(db.db, cfg, now);
      const guids = readFeedEvents(db.db, now).map((e) => e.guid);
      db.close();
      return guids;
    };
    const one = publishOne();
    const two = publishOne();
    expect(one).toHaveLength(2);
    for (const guid of [...one, ...two]) expect(guid).toMatch(/^witness:w[0-9a-f]{8}:m-1:(opened|resolved)$/);
    expect(one.filter((g) => two.includes(g))).toEqual([]);
  });
});
