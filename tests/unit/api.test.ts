/**
 * The JSON API, badges and health, called as route handlers on a generated history: each endpoint's shape field by
 * field, every bad parameter as a 400/404 JSON naming it, CORS everywhere, and answers before any database exists.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as notFoundGET, POST as notFoundPOST } from "@/app/api/[...rest]/route";
import { GET as healthGET } from "@/app/api/health/route";
import { GET as badgeGET } from "@/app/api/v1/badges/[surface]/route";
import { GET as incidentGET } from "@/app/api/v1/incidents/[slug]/route";
import { GET as incidentsGET } from "@/app/api/v1/incidents/route";
import { GET as resultsGET } from "@/app/api/v1/series/[id]/results/route";
import { GET as statusGET, OPTIONS as statusOPTIONS } from "@/app/api/v1/status/route";
import { GET as uptimeGET } from "@/app/api/v1/uptime/route";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertMeasuredIncident } from "@/db/queries/measured-incidents";
import { loadConfig, type Config } from "@/lib/config";
import { getSurfaceDays } from "@/lib/dashboard/days";
import { setWebContext } from "@/lib/web/context";
import { generateHistory, HISTORY_SERIES } from "@/lib/simulator/history";

const HOSTILE = '<script>alert(1)</script> ]]> & "quotes"';
const MIN = 60_000;
const DAY = 86_400_000;

let dir: string;
let config: Config;
let store: OpenedDatabase;
let staleStore: OpenedDatabase;
let measuredSlug: string;

function historyDb(path: string, now: number, days: number): void {
  const writer = openDatabase(path);
  migrateDatabase(writer.db);
  generateHistory(writer, config, { days, now, seed: 1, hostileTitle: HOSTILE });
  if (days === 3) {
    // Three generated days hold no outage: one measured incident gives the incident endpoints something to show.
    const started = now - 6 * 60 * MIN;
    const id = insertMeasuredIncident(writer.db, { surface: "api", series: "edge", model: null, startedAt: new Date(started), confirmedAt: new Date(started + 2 * MIN), endedAt: new Date(started + 40 * MIN), severity: "down", peakFailureRatio: 1, errorClassCounts: { http_5xx: 38 }, sampleRequestIds: ["req_api_test"], failedResults: 38, totalResults: 40, lastResultAt: new Date(started + 40 * MIN) });
    measuredSlug = `m-${id}`;
  }
  writer.close();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-api-"));
  // The models the generated history measured: the home page and /api/v1/status list only configured series.
  config = { ...loadConfig({ DATABASE_PATH: join(dir, "witness.db") }), models: ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"] };
  historyDb(join(dir, "witness.db"), Date.now(), 3);
  historyDb(join(dir, "stale.db"), Date.now() - 30 * DAY, 1);
  store = openDatabase(join(dir, "witness.db"), { readonly: true });
  staleStore = openDatabase(join(dir, "stale.db"), { readonly: true });
  setWebContext({ config, store });
});

afterAll(() => {
  setWebContext(null);
  store.close();
  staleStore.close();
  rmSync(dir, { recursive: true, force: true });
});

type Handler<P> = (request: Request, context: { params: Promise<P> }) => Promise<Response>;
const request = (path: string, init?: RequestInit) => new Request(`http://localhost${path}`, init);
const call = <P>(handler: Handler<P>, path: string, params: P) => handler(request(path), { params: Promise.resolve(params) });

/** The parsed JSON of a response, after checking the headers every API answer carries. */
async function body(res: Response, status = 200): Promise<any> {
  expect(res.status).toBe(status);
  expect(res.headers.get("access-control-allow-origin")).toBe("*");
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return res.json();
}

/** A 400/404 whose message starts with the parameter's name. */
async function expectError(res: Response, status: number, parameter: string): Promise<void> {
  const json = await body(res, status);
  expect(Object.keys(json)).toEqual(["error"]);
  expect(json.error).toMatch(new RegExp(`^${parameter}: `));
}

describe("GET /api/v1/status", () => {
  it("lists every surface with its measured and official state and its series", async () => {
    const res = await statusGET();
    expect(res.headers.get("cache-control")).toBe("public, max-age=15");
    const json = await body(res);
    expect(json.generatedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(json.lastResultAt).toBeGreaterThan(Date.now() - 3 * MIN);
    expect(json.surfaces.map((s: any) => s.id)).toEqual(["claude-ai", "console", "api", "claude-code"]);
    for (const s of json.surfaces) {
      expect(Object.keys(s).sort()).toEqual(["componentId", "disagreement", "failureRatio", "failureWords", "id", "measured", "name", "notMeasured", "official", "officialIncidents", "officialLatest", "officialStatus", "series", "since"]);
      expect(["up", "degraded", "down", "nodata"]).toContain(s.measured);
      expect(["operational", "degraded", "down", "maintenance", "unknown"]).toContain(s.official);
      for (const series of s.series) {
        expect(typeof series.series).toBe("string");
        expect(series.lastAt).toBeTypeOf("number");
        expect(["up", "down", "degraded", "inconclusive"]).toContain(series.lastOutcome);
      }
    }
    const bySurface = Object.fromEntries(json.surfaces.map((s: any) => [s.id, s]));
    expect(bySurface.api.series.map((s: any) => s.series).sort()).toEqual(HISTORY_SERIES.filter((s) => s !== "web").sort());
    expect(bySurface["claude-ai"].series.map((s: any) => s.series)).toEqual(["web"]);
    // The generated history (the benchmarks' 8 series) measured neither; without a key Claude Code says why.
    expect([bySurface.console.measured, bySurface.console.series, bySurface.console.notMeasured]).toEqual(["nodata", [], null]);
    expect([bySurface["claude-code"].measured, bySurface["claude-code"].notMeasured]).toEqual(["nodata", "it needs ANTHROPIC_API_KEY"]);
  });

  it("answers If-None-Match with 304 while the data is unchanged, so the home page's poll costs nothing", async () => {
    const first = await statusGET(request("/api/v1/status"));
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]+"$/);
    await first.arrayBuffer();
    const again = await statusGET(request("/api/v1/status", { headers: { "If-None-Match": etag! } }));
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    const other = await statusGET(request("/api/v1/status", { headers: { "If-None-Match": '"something-else"' } }));
    expect(other.status).toBe(200);
  });

  it("answers a CORS preflight", async () => {
    const res = statusOPTIONS();
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("GET");
  });
});

describe("GET /api/v1/incidents", () => {
  it("lists measured and official incidents newest first; hostile titles are plain JSON strings", async () => {
    const json = await body(await incidentsGET(request("/api/v1/incidents")));
    expect(json.days).toBe(90);
    expect(json.surface).toBeNull();
    const { incidents } = json;
    expect(incidents.map((i: any) => i.startedAt)).toEqual([...incidents.map((i: any) => i.startedAt)].sort((a, b) => b - a));
    const measured = incidents.find((i: any) => i.slug === measuredSlug);
    expect(measured).toMatchObject({ kind: "measured", surface: "api", surfaceName: "Claude API", severity: "down", series: ["edge"], accountable: true, acknowledged: false });
    expect(measured.endedAt - measured.startedAt).toBe(40 * MIN);
    const official = incidents.find((i: any) => i.slug === "o-genquiet0001");
    expect(official).toMatchObject({ kind: "official", title: HOSTILE, surface: "api", acknowledged: null });
    expect(official.official[0]).toMatchObject({ id: "genquiet0001", name: HOSTILE, impact: "major" });
  });

  it("filters by days and surface", async () => {
    const recent = await body(await incidentsGET(request("/api/v1/incidents?days=1&surface=api")));
    expect(recent).toMatchObject({ days: 1, surface: "api" });
    // The last day holds the added measured incident and the generated official one (80% into the history).
    expect(recent.incidents.map((i: any) => i.slug).sort()).toEqual([measuredSlug, "o-genquiet0001"]);
    expect(recent.incidents.every((i: any) => i.surface === "api")).toBe(true);
    const web = await body(await incidentsGET(request("/api/v1/incidents?surface=claude-ai")));
    expect(web.incidents).toEqual([]);
  });

  it("rejects bad parameters with 400 naming them", async () => {
    for (const query of ["days=0", "days=abc", "days=91", "days=1.5", "days=", "days=1e1"]) await expectError(await incidentsGET(request(`/api/v1/incidents?${query}`)), 400, "days");
    await expectError(await incidentsGET(request("/api/v1/incidents?days=1&days=2")), 400, "days");
    await expectError(await incidentsGET(request("/api/v1/incidents?surface=nope")), 400, "surface");
  });
});

describe("GET /api/v1/incidents/<slug>", () => {
  it("returns a measured incident with its timeline and sample request ids", async () => {
    const json = await body(await call(incidentGET, `/api/v1/incidents/${measuredSlug}`, { slug: measuredSlug }));
    expect(json).toMatchObject({ slug: measuredSlug, kind: "measured", sampleRequestIds: ["req_api_test"] });
    expect(json.timeline.map((t: any) => t.label)).toEqual(["first failure", "confirmed (incident opened)", "recovered"]);
  });

  it("returns an official incident alone with its updates", async () => {
    const json = await body(await call(incidentGET, "/api/v1/incidents/o-genquiet0001", { slug: "o-genquiet0001" }));
    expect(json).toMatchObject({ kind: "official", title: HOSTILE });
    expect(json.timeline.map((t: any) => t.source)).toEqual(["official", "official"]);
  });

  it("400 for a malformed slug, 404 for an unknown one", async () => {
    for (const slug of ["../../etc", "..%2F..%2Fetc", "m-abc", "%E0%A4%A"]) await expectError(await call(incidentGET, "/api/v1/incidents/x", { slug }), 400, "slug");
    await expectError(await call(incidentGET, "/api/v1/incidents/m-999999", { slug: "m-999999" }), 404, "slug");
    await expectError(await call(incidentGET, "/api/v1/incidents/o-nope", { slug: "o-nope" }), 404, "slug");
  });
});

describe("GET /api/v1/uptime", () => {
  it("gives per surface uptime, minutes, disagreement and grade over the window", async () => {
    const json = await body(await uptimeGET(request("/api/v1/uptime?window=7d")));
    expect(json.window).toBe("7d");
    expect(json.to - json.from).toBeGreaterThanOrEqual(7 * DAY - MIN);
    const api = json.surfaces.find((s: any) => s.id === "api");
    expect(Object.keys(api).sort()).toEqual(["ack", "disagreement", "grade", "id", "incidents", "measuredMinutes", "measuredUptime", "name", "noDataMinutes", "officialMinutes", "officialUptime"]);
    expect(api.measuredUptime).toBeGreaterThan(0.9);
    expect(api.measuredUptime).toBeLessThan(1);
    expect(api.officialUptime).toBeGreaterThan(0.9);
    // Seven days asked, three recorded: the other four (and the generated one-hour gap) are no data.
    expect(api.noDataMinutes).toBeGreaterThan(4 * 1440);
    // The window ends now, not on a minute: its last, partial minute counts too.
    expect(api.measuredMinutes + api.noDataMinutes - 7 * 1440).toBeGreaterThanOrEqual(0);
    expect(api.measuredMinutes + api.noDataMinutes - 7 * 1440).toBeLessThanOrEqual(1);
    expect(api.incidents).toBe(1);
    expect(api.ack).toMatchObject({ accountableIncidents: 1, acknowledged: 0, neverAcknowledged: 1, grade: "F" });
    expect(api.grade).toBe("F");
    expect(Object.keys(api.disagreement).sort()).toEqual(["officialUpMeasuredDegradedMinutes", "officialUpMeasuredDownMinutes", "officialWorseMinutes", "severityMismatchMinutes", "totalMinutes"]);
    expect(api.disagreement.officialUpMeasuredDownMinutes).toBeGreaterThan(30);
  });

  it("equals, figure for figure, the home page's 90-day row for the same window", async () => {
    const json = await body(await uptimeGET(request("/api/v1/uptime")));
    // The home page computed at the moment the API's report was: the same rolling 90 days, to the minute.
    const home = getSurfaceDays(store.db, config, json.to);
    for (const surface of json.surfaces) {
      const row = home.find((s) => s.id === surface.id)!;
      expect([row.from, row.to]).toEqual([json.from, json.to]);
      expect(row.measuredUptime).toBe(surface.measuredUptime);
      expect(row.officialUptime).toBe(surface.officialUptime);
      expect(row.officialUpMeasuredDownMinutes).toBe(surface.disagreement.officialUpMeasuredDownMinutes);
    }
    expect(json.surfaces.find((s: any) => s.id === "api").measuredUptime).toBeLessThan(1);
  });

  it("defaults to 90d and rejects other windows", async () => {
    expect((await body(await uptimeGET(request("/api/v1/uptime")))).window).toBe("90d");
    for (const query of ["window=2y", "window=", "window=7D"]) await expectError(await uptimeGET(request(`/api/v1/uptime?${query}`)), 400, "window");
  });
});

describe("GET /api/v1/series/<id>/results", () => {
  it("pages through raw results newest first with a cursor", async () => {
    const first = await body(await call(resultsGET, "/api/v1/series/edge/results?since=1h&limit=25", { id: "edge" }));
    expect(first.series).toBe("edge");
    expect(Date.parse(first.since)).toBeGreaterThan(Date.now() - 61 * MIN);
    expect(first.results).toHaveLength(25);
    const result = first.results[0];
    expect(Object.keys(result).sort()).toEqual(["connectMs", "details", "dnsMs", "errorClass", "httpStatus", "kind", "message", "model", "outcome", "outputTokens", "probe", "requestId", "startedAt", "tlsMs", "tokensPerSecond", "totalMs", "ttfbMs", "ttftMs", "vantage"]);
    // The place that measured it (PRODUCT.md "One result"): a single install is `local`.
    expect(result).toMatchObject({ probe: "edge", kind: "edge", model: null, vantage: "local" });
    expect(typeof first.next).toBe("string");
    const second = await body(await call(resultsGET, `/api/v1/series/edge/results?since=1h&limit=25&before=${first.next}`, { id: "edge" }));
    const second2 = await body(await call(resultsGET, `/api/v1/series/edge/results?since=1h&limit=25&before=${second.next}`, { id: "edge" }));
    const all = [...first.results, ...second.results, ...second2.results].map((r: any) => Date.parse(r.startedAt));
    expect(all).toEqual([...all].sort((a, b) => b - a));
    expect(new Set(all).size).toBe(all.length);
    // One result a minute for the last hour: the third page ends the window.
    expect(all.length).toBeGreaterThanOrEqual(58);
    expect(all.length).toBeLessThanOrEqual(61);
    expect(second2.next).toBeNull();
  });

  it("takes a model series by its encoded name and an ISO since, default limit 100", async () => {
    const since = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const json = await body(await call(resultsGET, `/api/v1/series/x/results?since=${since}`, { id: "stream%3Aclaude-haiku-4-5" }));
    expect(json.series).toBe("stream:claude-haiku-4-5");
    expect(json.results).toHaveLength(100);
    expect(json.results.every((r: any) => r.kind === "stream" && r.model === "claude-haiku-4-5" && Date.parse(r.startedAt) >= Date.parse(since))).toBe(true);
  });

  it("rejects bad parameters with 400 and an unknown series with 404", async () => {
    const bad = { limit: ["5000", "0", "ten"], since: ["yesterday-ish", "2025-13-45", "24 h", "1y"], before: ["abc", "12"] };
    for (const [parameter, values] of Object.entries(bad)) {
      for (const value of values) await expectError(await call(resultsGET, `/api/v1/series/edge/results?${parameter}=${encodeURIComponent(value)}`, { id: "edge" }), 400, parameter);
    }
    for (const id of ["nope", "../../etc", "edge%ZZ"]) await expectError(await call(resultsGET, "/api/v1/series/x/results", { id }), 404, "id");
  });
});

describe("GET /api/v1/badges/<surface>.svg", () => {
  const parser = new XMLParser({ ignoreAttributes: false });
  async function svg(surface: string, query = ""): Promise<string> {
    const res = await call(badgeGET, `/api/v1/badges/${surface}${query}`, { surface });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    const text = await res.text();
    expect(XMLValidator.validate(text)).toBe(true);
    expect(parser.parse(text).svg.title).toBeTruthy();
    return parser.parse(text).svg.title;
  }

  it("shows the measured state and the 30-day uptime, saying 'measured'", async () => {
    expect(await svg("api.svg")).toBe("Claude API measured: operational");
    expect(await svg("claude-ai", "?metric=state")).toBe("claude.ai measured: operational");
    expect(await svg("api.svg", "?metric=uptime")).toMatch(/^Claude API measured 30d: (\d{2}\.\d{2}|100)%$/);
  });

  it.each(["24h", "7d", "30d", "90d"])("honours window=%s, alone or with metric=uptime", async (window) => {
    const label = new RegExp(`^Claude API measured ${window}: (\\d{1,2}\\.\\d{2}|100)%$`);
    expect(await svg("api.svg", `?window=${window}`)).toMatch(label);
    expect(await svg("api.svg", `?metric=uptime&window=${window}`)).toMatch(label);
  });

  it("404 for an unknown surface, 400 for an unknown metric or window, or a window on a state badge", async () => {
    await expectError(await call(badgeGET, "/api/v1/badges/nope.svg", { surface: "nope.svg" }), 404, "surface");
    await expectError(await call(badgeGET, "/api/v1/badges/api.svg?metric=nope", { surface: "api.svg" }), 400, "metric");
    await expectError(await call(badgeGET, "/api/v1/badges/api.svg?window=1y", { surface: "api.svg" }), 400, "window");
    await expectError(await call(badgeGET, "/api/v1/badges/api.svg?window=7d&window=30d", { surface: "api.svg" }), 400, "window");
    await expectError(await call(badgeGET, "/api/v1/badges/api.svg?metric=state&window=7d", { surface: "api.svg" }), 400, "window");
  });
});

describe("GET /api/health", () => {
  it("200 while results are fresh, 503 when the newest is stale or there is no database", async () => {
    const fresh = await body(await healthGET(), 200);
    expect(fresh).toMatchObject({ web: "ok", database: "ok", worker: { fresh: true, freshWithinMs: 180_000 } });
    expect(fresh.worker.lastResultAt).toBeGreaterThan(Date.now() - 3 * MIN);
    try {
      setWebContext({ config, store: staleStore });
      const stale = await body(await healthGET(), 503);
      expect(stale).toMatchObject({ web: "ok", database: "ok", worker: { fresh: false } });
      expect(stale.worker.lastResultAt).toBeLessThan(Date.now() - 29 * DAY);
      setWebContext({ config: { ...config, databasePath: join(dir, "missing.db") }, store: null });
      const res = await healthGET();
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await body(res, 503)).toEqual({ web: "ok", database: "missing", worker: { lastResultAt: null, fresh: false, freshWithinMs: 180_000 }, monitor: { online: true, offlineSince: null }, storage: { state: "ok", walBytes: null, reason: null } });
    } finally {
      setWebContext({ config, store });
    }
  });
});

describe("before the worker has created the database", () => {
  it("answers status, incidents, uptime and badges with nothing known, and 404 for results", async () => {
    setWebContext({ config: { ...config, databasePath: join(dir, "missing.db") }, store: null });
    try {
      const status = await body(await statusGET());
      expect(status.lastResultAt).toBeNull();
      expect(status.surfaces.map((s: any) => [s.id, s.measured, s.official, s.series])).toEqual([["claude-ai", "nodata", "unknown", []], ["console", "nodata", "unknown", []], ["api", "nodata", "unknown", []], ["claude-code", "nodata", "unknown", []]]);
      expect((await body(await incidentsGET(request("/api/v1/incidents")))).incidents).toEqual([]);
      const uptime = await body(await uptimeGET(request("/api/v1/uptime?window=24h")));
      expect(uptime.surfaces[0]).toMatchObject({ measuredUptime: null, officialUptime: null, noDataMinutes: 1440, grade: null });
      const badge = await (await call(badgeGET, "/api/v1/badges/api.svg", { surface: "api.svg" })).text();
      expect(badge).toContain("Claude API measured: no data");
      await expectError(await call(resultsGET, "/api/v1/series/edge/results", { id: "edge" }), 404, "id");
    } finally {
      setWebContext({ config, store });
    }
  });
});

describe("unknown API routes", () => {
  it("404 JSON for any method", async () => {
    await expectError(notFoundGET(request("/api/v1/nope")), 404, "path");
    await expectError(notFoundPOST(request("/api/v2/status", { method: "POST" })), 404, "path");
  });
});
