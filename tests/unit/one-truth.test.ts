/**
 * One truth everywhere (issue 15 item 2): a recorded scenario played minute by minute through the worker's recorder
 * (an outage the official page admits late, its recovery, a stream-only failure, an official incident that vanishes
 * without a resolution, intermittent errors), and at every minute the page's state, `/metrics`, and the alerts written
 * that minute say the same state, share and words; at the end the incident list, the report, the feed, the resolved
 * alerts and the JSON API (called as route handlers) tell each incident the same way.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as incidentsGET } from "@/app/api/v1/incidents/route";
import { GET as statusGET } from "@/app/api/v1/status/route";
import type { OpenedDatabase } from "@/db/client";
import { getOutboxRows } from "@/db/queries/alerts";
import { alertsSchema, type AlertEvent } from "@/lib/alerts/types";
import { loadConfig, type Config } from "@/lib/config";
import { feedEvents, listIncidents } from "@/lib/dashboard/incidents";
import { getStatusNow } from "@/lib/dashboard/now";
import type { StatusNow, SurfaceNow } from "@/lib/dashboard/types";
import { buildReport } from "@/lib/judge/report";
import { createLogger } from "@/lib/log";
import { recordIncidentHistory } from "@/lib/measure/official-record";
import { Recorder } from "@/lib/measure/recorder";
import { renderMetrics } from "@/lib/metrics/exposition";
import { readMetrics } from "@/lib/metrics/read";
import { setWebContext } from "@/lib/web/context";
import { parseIncidents } from "@/probes/status-history";
import { parseSummary, type StatusIncident } from "@/probes/statuspage";
import type { ProbeResult } from "@/probes/types";
import { openMigratedMemory, sampleResult } from "@/tests/unit/support";

const MIN = 60_000;
const API = "k8w3r06qmzrp";
const MINUTES = 96;
// The scenario ends about now, so the route handlers (which read the clock) see its last minute.
const T = Math.floor(Date.now() / MIN) * MIN - MINUTES * MIN;
const at = (m: number) => T + m * MIN;

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../lib/simulator/fixtures/statuspage/${name}`, import.meta.url), "utf8")) as Record<string, any>;

/** The summary the page serves at minute m: operational, or listing one incident created at `createdMinute`. */
function summaryDoc(incident: { id: string; createdMinute: number; component: string; name?: string } | null): Record<string, any> {
  const doc = fixture("summary.incident.json");
  const template = doc.incidents[0];
  for (const c of doc.components) c.status = incident && c.id === incident.component ? "major_outage" : "operational";
  if (!incident) {
    doc.incidents = [];
    return doc;
  }
  const created = new Date(at(incident.createdMinute)).toISOString();
  const updates = template.incident_updates.slice(-1).map((u: any) => ({ ...u, id: `${incident.id}u1`, incident_id: incident.id, status: "investigating", created_at: created, updated_at: created, display_at: created }));
  doc.incidents = [{ ...template, id: incident.id, name: incident.name ?? "Elevated errors on the Claude API", status: "investigating", impact: "major", created_at: created, updated_at: created, started_at: created, incident_updates: updates }];
  return doc;
}

/** What the API series do at minute m. */
function outcome(m: number, series: string): Pick<ProbeResult, "outcome" | "errorClass" | "httpStatus"> {
  const down = { outcome: "down", errorClass: "overloaded", httpStatus: 529 } as const;
  const up = { outcome: "up", errorClass: null, httpStatus: 200 } as const;
  if (m >= 10 && m < 25 && series !== "web") return down; // B: the whole API fails
  if (m >= 36 && m < 46 && series.startsWith("stream:")) return { outcome: "down", errorClass: "stream_truncated", httpStatus: 200 }; // C
  if (m >= 72 && series !== "web") {
    // E: intermittent, one request in three, rotating over the series.
    const i = ["messages:claude-haiku-4-5", "stream:claude-haiku-4-5", "edge"].indexOf(series);
    return (m + i) % 3 === 0 ? down : up;
  }
  return up;
}

/**
 * What the official page lists at minute m: B's incident from 18 to 29 (resolved at 30); D's from 63 to 67, then gone
 * unresolved (vanished), far enough from C and E that it neither answers C after the fact nor E before it.
 */
function officialAt(m: number) {
  // It names the model, as the real page does: it acknowledges the whole outage (messages and stream of that model
  // failing with the edge), on every output, the resolved alert too (it once read only the edge, the last to recover).
  if (m >= 18 && m < 30) return { id: "truth0outage", createdMinute: 17, component: API, name: OUTAGE_NAME };
  if (m >= 63 && m < 68) return { id: "truth0vanish", createdMinute: 63, component: API };
  return null;
}

const OUTAGE_NAME = "Elevated errors on Claude Haiku 4.5";
const SERIES = ["messages:claude-haiku-4-5", "stream:claude-haiku-4-5", "edge", "web"];
const log = createLogger({ secrets: [], write: () => {} });

let store: OpenedDatabase;
let config: Config;
/** Per minute: the page's view of the API and /metrics' view, half a minute after the minute's results. */
const minutes: { m: number; now: number; status: StatusNow; api: SurfaceNow; metrics: string }[] = [];
/** Each alert, with the page's view of the API at the moment the result that wrote it was stored. */
const written: { m: number; api: SurfaceNow; event: AlertEvent }[] = [];

function statusResult(when: number): ProbeResult {
  return { probe: "status", kind: "status", model: null, startedAt: new Date(when).toISOString(), outcome: "up", errorClass: null, httpStatus: 200, dnsMs: 0, connectMs: 1, tlsMs: null, ttfbMs: 5, ttftMs: null, totalMs: 6, outputTokens: null, tokensPerSecond: null, requestId: null, message: null, details: null };
}

/** A metric's value for the api surface, or null when absent. */
function metric(text: string, name: string, labels: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : null;
}
const metricState = (text: string, name: string, states: readonly string[]) => states.find((s) => metric(text, name, `surface="api",state="${s}"`) === 1) ?? null;

beforeAll(async () => {
  store = openMigratedMemory();
  const base = loadConfig({ DATABASE_PATH: ":memory:", ANTHROPIC_API_KEY: "sk-ant-api03-one-truth-test-key" });
  const alerts = alertsSchema.parse({ channels: [{ name: "ops", type: "webhook", url: "http://127.0.0.1:9/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }], disagreementMinutes: 3, resolveHoldMinutes: 2 });
  config = { ...base, alerts };
  const recorder = new Recorder(config, store.db, log);
  let seen = 0;
  const collect = (m: number, when: number) => {
    const rows = getOutboxRows(store.db);
    if (rows.length === seen) return;
    const api = getStatusNow(store.db, config, when).surfaces.find((s) => s.id === "api")!;
    for (const row of rows.slice(seen)) written.push({ m, api, event: row.event as unknown as AlertEvent });
    seen = rows.length;
  };
  for (let m = 0; m < MINUTES; m++) {
    SERIES.forEach((series, i) => {
      const kind = series.split(":")[0] as ProbeResult["kind"];
      const o = outcome(m, series);
      const when = at(m) + 5_000 + i * 1_000;
      recorder.record({ result: sampleResult(new Date(when).toISOString(), { probe: series, kind, model: series.includes(":") ? series.split(":")[1]! : null, ttftMs: kind === "stream" ? 400 : null, requestId: `req_${m}_${kind}`, ...o }) });
      collect(m, when);
    });
    const doc = summaryDoc(officialAt(m));
    const raw = JSON.stringify(doc);
    const parsed = parseSummary(raw);
    if ("error" in parsed) throw new Error(String(parsed.error));
    const result = statusResult(at(m) + 8_000);
    recorder.record({ result, status: { result, summary: parsed.summary, raw } });
    collect(m, at(m) + 8_000);
    // The history, every ten minutes: B's incident resolved at 30; D's never (it vanishes from both).
    if (m % 10 === 0 && m >= 30) {
      const resolved = summaryDoc({ id: "truth0outage", createdMinute: 17, component: API, name: OUTAGE_NAME }).incidents[0];
      const resolvedAt = new Date(at(30)).toISOString();
      const incidents = [{ ...resolved, status: "resolved", resolved_at: resolvedAt, updated_at: resolvedAt }];
      const history = parseIncidents(JSON.stringify({ page: fixture("incidents.json").page, incidents })) as { incidents: StatusIncident[] };
      await recordIncidentHistory(store.db, { at: new Date(at(m) + 9_000), incidents: history.incidents, raw: "" }, (tx, changes) => recorder.alerts.officialChanges(tx, changes, at(m) + 9_000));
      recorder.alerts.officialVanished(store.db, at(m) + 9_000); // as the worker does after each history reading
    }
    collect(m, at(m) + 9_000);
    const now = at(m) + 30_000;
    const status = getStatusNow(store.db, config, now);
    minutes.push({ m, now, status, api: status.surfaces.find((s) => s.id === "api")!, metrics: await renderMetrics(readMetrics(store, config, now)) });
  }
  setWebContext({ config, store });
});

afterAll(() => {
  setWebContext(null);
  store.close();
});

const during = (from: number, to: number) => minutes.filter((x) => x.m >= from && x.m < to);

describe("one truth, minute by minute", () => {
  it("the page says what happened: down with every request failing, then only streams, then elevated errors", () => {
    for (const x of during(13, 25)) expect({ m: x.m, state: x.api.measured, words: x.api.failureWords }).toEqual({ m: x.m, state: "down", words: "100% of requests failing" });
    for (const x of during(32, 36)) expect({ m: x.m, state: x.api.measured }).toEqual({ m: x.m, state: "up" });
    for (const x of during(39, 46)) expect({ m: x.m, state: x.api.measured, words: x.api.failureWords }).toEqual({ m: x.m, state: "down", words: "streaming requests fail (100%); plain requests and the edge work" });
    const elevated = during(72, MINUTES).filter((x) => x.api.measured === "degraded");
    expect(elevated.length, "intermittent errors read as degraded").toBeGreaterThan(10);
    for (const x of elevated) expect(x.api.failureWords).toMatch(/^\d+% of requests failing$/);
  });

  it("the official side follows the summary at every read: outage from 18, operational from 30, the vanished incident only while listed", () => {
    for (const x of minutes) {
      const listed = officialAt(x.m) !== null;
      expect({ m: x.m, official: x.api.official }).toEqual({ m: x.m, official: listed ? "down" : "operational" });
    }
  });

  it("/metrics states the page's measured state, official state and failure share at every minute", () => {
    for (const x of minutes) {
      const measured = metricState(x.metrics, "witness_surface_measured_state", ["up", "degraded", "down", "nodata"]);
      const official = metricState(x.metrics, "witness_surface_official_state", ["operational", "degraded", "down", "maintenance", "unknown"]);
      const ratio = metric(x.metrics, "witness_surface_failure_ratio", 'surface="api"');
      expect({ m: x.m, measured, official, ratio }).toEqual({ m: x.m, measured: x.api.measured, official: x.api.official, ratio: x.api.failureRatio });
      expect(metric(x.metrics, "witness_surface_disagreement", 'surface="api"')).toBe(x.api.disagreement === null ? 0 : 1);
    }
  });

  it("each alert says the share, words and official state the page showed at the moment it was written", () => {
    const opened = written.filter(({ event }) => event.type === "incident.opened" && event.surface === "api");
    // B, C and E each page once: a resolution was sent in between.
    expect(opened.map(({ m }) => m)).toEqual([expect.toSatisfy((m: number) => m >= 10 && m < 14), expect.toSatisfy((m: number) => m >= 36 && m < 40), expect.toSatisfy((m: number) => m >= 72 && m < 88)]);
    for (const { m, api, event } of opened) {
      expect({ m, ratio: event.data.failureRatio, words: event.data.failureWords, official: event.data.official?.state }).toEqual({ m, ratio: api.failureRatio, words: api.failureWords, official: api.official });
      expect(event.summary).toContain(api.failureWords!);
    }
    const disagreements = written.filter(({ event }) => event.type === "disagreement.started" && event.surface === "api");
    expect(disagreements.length).toBeGreaterThanOrEqual(1);
    for (const { m, api, event } of disagreements) {
      expect(api.disagreement, `minute ${m}`).not.toBeNull();
      expect(event.data.official?.state).toBe(api.official);
      // Never while the page already says the API is down with it (B from 18 on).
      expect(m >= 18 && m < 30, `minute ${m}`).toBe(false);
    }
  });
});

describe("one truth, incident by incident", () => {
  const end = () => minutes.at(-1)!.now;
  const measured = () => listIncidents(store.db, config, end(), 1).filter((i) => i.kind === "measured" && i.surface === "api");

  it("the outage is acknowledged after the lag, the stream failure and the intermittent errors never", () => {
    const list = measured().sort((a, b) => a.startedAt - b.startedAt);
    const outage = list.find((i) => i.startedAt >= at(10) && i.startedAt < at(11));
    expect(outage?.ackWords).toMatch(/^acknowledged after [6-8] min$/);
    const stream = list.find((i) => i.startedAt >= at(36) && i.startedAt < at(37));
    expect(stream?.ackWords).toBe("never acknowledged");
    expect(stream?.failureWords).toBe("streaming requests fail (100%); plain requests and the edge work");
    const elevated = list.find((i) => i.startedAt >= at(72));
    expect(elevated?.ackWords).toBe("never acknowledged");
    // The vanished incident (63–67) acknowledges nothing: nothing was measured near it.
    expect(list.some((i) => i.startedAt >= at(50) && i.startedAt < at(72))).toBe(false);
  });

  it("the report, the resolved alerts and the feed say each incident's share and acknowledgement in the list's words", () => {
    const report = buildReport(store.db, config, "24h", end()).surfaces.find((s) => s.id === "api")!;
    const alerts = getOutboxRows(store.db).map((r) => r.event as unknown as AlertEvent);
    const feed = feedEvents(store.db, config, end(), 1);
    for (const incident of measured()) {
      const reported = report.incidents.find((r) => Date.parse(r.startedAt) === incident.startedAt && r.series.join() === incident.series.join());
      expect(reported, `report has ${incident.slug} (${new Date(incident.startedAt).toISOString()} ${incident.series.join()}); it has ${report.incidents.map((r) => `${r.startedAt} ${r.series.join()}`).join("; ")}`).toBeDefined();
      expect({ slug: incident.slug, share: reported!.failureShare, words: reported!.failureWords, ack: reported!.ackWords }).toEqual({ slug: incident.slug, share: incident.failureShare === null ? null : Math.round(incident.failureShare * 1000) / 1000, words: incident.failureWords, ack: incident.ackWords });
      if (incident.endedAt === null) continue;
      const resolved = alerts.find((e) => e.type === "incident.resolved" && e.data.incidentId === incident.slug);
      if (incident.ackWords?.startsWith("acknowledged")) expect(resolved, `${incident.slug} has its resolved alert`).toBeDefined();
      if (resolved) expect(resolved.summary).toContain(incident.ackWords!.replace(/^acknowledged/, "the official page acknowledged it").replace(/^never acknowledged/, "the official page never acknowledged it"));
      for (const item of feed.filter((f) => f.slug === incident.slug && f.event === "acknowledged")) expect(item.title).toContain(incident.ackWords!.replace(/^acknowledged /, ""));
    }
  });

  it("the official incident that vanished is told as ended once, when the list ends it, in the list's words", () => {
    const listed = listIncidents(store.db, config, end(), 1).find((i) => i.slug === "o-truth0vanish");
    const brief = listed?.official[0];
    expect(brief?.vanished).toBe(true);
    const told = getOutboxRows(store.db)
      .map((r) => r.event as unknown as AlertEvent)
      .filter((e) => e.type === "official.resolved" && e.data.official?.incident?.id === "truth0vanish");
    expect(told).toHaveLength(1);
    expect(told[0]!.data.vanished).toBe(true);
    expect(Date.parse(told[0]!.data.endedAt!)).toBe(brief!.resolvedAt);
    expect(told[0]!.summary).toMatch(/stopped listing "Elevated errors on the Claude API" without resolving it; last seen at \d\d:\d\d UTC/);
    // The outage's real resolution is told as resolved, not vanished.
    const resolved = getOutboxRows(store.db).map((r) => r.event as unknown as AlertEvent).filter((e) => e.type === "official.resolved" && e.data.official?.incident?.id === "truth0outage");
    expect(resolved.map((e) => e.data.vanished)).toEqual([false]);
  });

  it("the JSON API, called as the route handlers, gives the page's state now and the list's incidents", async () => {
    const now = getStatusNow(store.db, config, Date.now());
    const body = (await (await statusGET(new Request("http://localhost/api/v1/status"))).json()) as StatusNow;
    const api = body.surfaces.find((s) => s.id === "api")!;
    const page = now.surfaces.find((s) => s.id === "api")!;
    expect({ measured: api.measured, official: api.official, ratio: api.failureRatio, words: api.failureWords }).toEqual({ measured: page.measured, official: page.official, ratio: page.failureRatio, words: page.failureWords });
    const incidents = (await (await incidentsGET(new Request("http://localhost/api/v1/incidents?days=1"))).json()) as { incidents: { slug: string; ackWords: string | null; failureWords: string | null }[] };
    for (const incident of measured()) {
      const listed = incidents.incidents.find((i) => i.slug === incident.slug);
      expect(listed, incident.slug).toBeDefined();
      expect({ ack: listed!.ackWords, words: listed!.failureWords }).toEqual({ ack: incident.ackWords, words: incident.failureWords });
    }
  });
});
