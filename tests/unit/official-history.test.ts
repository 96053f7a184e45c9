/**
 * The official page's history beside Witness's own coverage: an incident from before Witness's first reading has no
 * measured data and colours no bar; one that vanished from the page unresolved closes at its last sighting and never
 * acknowledges what Witness measured later; one Witness merely stopped reading stays open; the headline never says the
 * page agrees when it could not be read.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OpenedDatabase } from "@/db/client";
import type { Config } from "@/lib/config";
import { getSurfaceDays } from "@/lib/dashboard/days";
import { getIncident, listIncidents } from "@/lib/dashboard/incidents";
import { getStatusNow, headline } from "@/lib/dashboard/now";
import type { StatusNow, SurfaceNow } from "@/lib/dashboard/types";
import { recordIncidentHistory, recordStatusObservation } from "@/lib/measure/official-record";
import type { Recorder } from "@/lib/measure/recorder";
import { buildReport } from "@/lib/judge/report";
import { parseSummary, type StatusIncident, type StatusSummary } from "@/probes/statuspage";
import type { Outcome } from "@/probes/types";
import { openRecorder, sampleResult } from "@/tests/unit/support";

const MIN = 60_000;
const API = "k8w3r06qmzrp";
const DAY0 = Date.UTC(2026, 9, 8);
const at = (hhmm: string, day = 0) => DAY0 + day * 86_400_000 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;
const fixture = (name: string) => readFileSync(new URL(`../../lib/simulator/fixtures/statuspage/${name}`, import.meta.url), "utf8");

/** A summary document as the page sends it: the operational one, or the one with the 14:12 API incident open. */
function summary(name: "summary.operational.json" | "summary.incident.json"): { summary: StatusSummary; raw: string } {
  const raw = fixture(name);
  const parsed = parseSummary(raw);
  if ("error" in parsed) throw new Error(parsed.error);
  return { summary: parsed.summary, raw };
}
const OPEN = summary("summary.incident.json");
const QUIET = summary("summary.operational.json");
const OPEN_ID = OPEN.summary.incidents[0]!.id;

let store: OpenedDatabase;
let config: Config;
let recorder: Recorder;

beforeEach(() => {
  ({ store, config, recorder } = openRecorder());
});
afterEach(() => store.close());

/** Witness measuring the API once a minute over [from, to), and reading the page every minute of it. */
function run(from: number, to: number, opts: { outcome?: (t: number) => Outcome; page?: (t: number) => typeof OPEN } = {}): void {
  for (let t = from; t < to; t += MIN) {
    for (const series of ["messages:claude-haiku-4-5", "edge"]) {
      const [kind, model = null] = series.split(":") as ["messages" | "edge", string?];
      const outcome = opts.outcome?.(t) ?? "up";
      recorder.record({ result: sampleResult(new Date(t + 5_000).toISOString(), { probe: series, kind, model, outcome, errorClass: outcome === "down" ? "http_5xx" : null }) });
    }
    recordStatusObservation(store.db, { at: new Date(t + 20_000), ...(opts.page?.(t) ?? QUIET) }, { heartbeatMs: config.official.heartbeatMinutes * MIN });
  }
}

/** incidents.json as read at `readAt`, holding one resolved API incident of [from, to). */
function importHistory(readAt: number, id: string, from: number, to: number): void {
  const incident: StatusIncident = {
    ...OPEN.summary.incidents[0]!,
    id,
    name: "Elevated errors on the Claude API",
    status: "resolved",
    created_at: new Date(from).toISOString(),
    started_at: new Date(from).toISOString(),
    updated_at: new Date(to).toISOString(),
    resolved_at: new Date(to).toISOString(),
    incident_updates: [],
  };
  recordIncidentHistory(store.db, { at: new Date(readAt), incidents: [incident], raw: null });
}

describe("an official incident from before Witness's first reading", () => {
  beforeEach(() => {
    run(at("10:00"), at("12:00"));
    importHistory(at("10:00", 0), "before01", at("03:00", -2), at("04:30", -2));
    importHistory(at("10:01", 0), "during01", at("11:00"), at("11:20"));
  });

  it("has measuredImpact no_data (Witness was not running), where one while it ran has none", () => {
    const list = listIncidents(store.db, config, at("12:00"));
    expect(list.find((i) => i.slug === "o-before01")).toMatchObject({ kind: "official", measuredImpact: "no_data", minutes: 90, measuredMinutes: 0 });
    expect(list.find((i) => i.slug === "o-during01")).toMatchObject({ kind: "official", measuredImpact: "none", minutes: 20, measuredMinutes: 20 });
    expect(getIncident(store.db, config, "o-before01", at("12:00"))).toMatchObject({ measuredImpact: "no_data", measuredSlugs: [] });
    const report = buildReport(store.db, config, "7d", at("12:00")).surfaces.find((s) => s.id === "api")!;
    expect(report.officialWithoutImpact.map((o) => [o.id, o.measuredImpact])).toEqual([["before01", "no_data"], ["during01", "none"]]);
  });

  it("colours no official bar and counts toward no official uptime: Witness was not reading the page that day", () => {
    const days = getSurfaceDays(store.db, config, at("12:00")).find((s) => s.id === "api")!;
    const before = days.days.find((d) => d.day === "2026-10-06")!;
    expect(before).toMatchObject({ official: "unknown", officialUptime: null, measuredUptime: null });
    // Today the page was read from 10:00, and its summary listed no incident: incidents.json alone claims nothing on
    // the timeline (the page claims what it showed; a history entry is not what the page showed then).
    const today = days.days.at(-1)!;
    expect(today.official).toBe("operational");
    expect(today.officialUptime).toBe(1);
    expect(days.officialUptime).toBe(today.officialUptime);
  });

  it("an incident the summary listed colours the official bar from when the page showed it, not from its created_at", () => {
    // The summary lists the 14:12 incident from 11:00 to 11:20 (a backdate: its created_at is hours later than the
    // reading, i.e. nonsense; shown is then the reading itself, give or take one interval).
    run(at("11:00", 1), at("12:00", 1), { page: (t) => (t < at("11:20", 1) ? OPEN : QUIET) });
    const days = getSurfaceDays(store.db, config, at("12:00", 1)).find((s) => s.id === "api")!;
    const today = days.days.at(-1)!;
    expect(today.official).not.toBe("operational");
    expect(today.officialUptime).toBeLessThan(1);
  });
});

describe("an official incident that vanished from the page unresolved", () => {
  beforeEach(() => {
    // Listed by every summary from 14:13 to 14:40, gone from 14:41 on; Witness measures an outage from 14:50.
    run(at("14:00"), at("16:00"), {
      page: (t) => (t >= at("14:13") && t <= at("14:40") ? OPEN : QUIET),
      outcome: (t) => (t >= at("14:50") && t < at("15:20") ? "down" : "up"),
    });
  });

  it("closes at its last sighting, is marked vanished, and never acknowledges the later measured incident", () => {
    const list = listIncidents(store.db, config, at("16:00"));
    const measured = list.find((i) => i.kind === "measured")!;
    expect(measured.startedAt).toBe(at("14:50") + 5_000);
    // Before: matched within the 15-minute grace, "acknowledged 38 minutes before Witness measured it".
    expect(measured).toMatchObject({ acknowledged: false, ackDelayMs: null, official: [] });
    const official = list.find((i) => i.slug === `o-${OPEN_ID}`)!;
    expect(official).toMatchObject({ kind: "official", endedAt: at("14:40") + 20_000, measuredImpact: "none" });
    expect(official.official[0]).toMatchObject({ vanished: true, resolvedAt: at("14:40") + 20_000 });
    const report = buildReport(store.db, config, "24h", at("16:00")).surfaces.find((s) => s.id === "api")!;
    expect(report.incidents[0]).toMatchObject({ acknowledged: false, ackDelayMinutes: null });
    expect(report.ack).toMatchObject({ accountableIncidents: 1, neverAcknowledged: 1, grade: "F" });
    expect(report.officialWithoutImpact).toMatchObject([{ id: OPEN_ID, vanished: true }]);
  });

  it("is not listed for a window that begins after its last sighting", () => {
    const later = listIncidents(store.db, config, at("16:00", 2), 1);
    expect(later.map((i) => i.slug)).toEqual([]);
  });

  it("is not open now: the card shows the page's own operational status and no open incident", () => {
    const api = getStatusNow(store.db, config, at("16:00")).surfaces.find((s) => s.id === "api")!;
    expect(api).toMatchObject({ official: "operational", officialIncidents: [] });
  });
});

describe("an official incident Witness merely stopped reading", () => {
  it("stays open: without a later reading, its absence proves nothing", () => {
    run(at("14:00"), at("14:41"), { page: (t) => (t >= at("14:13") ? OPEN : QUIET) });
    const now = at("18:00");
    const official = listIncidents(store.db, config, now).find((i) => i.slug === `o-${OPEN_ID}`)!;
    expect(official.endedAt).toBeNull();
    expect(official.official[0]!.vanished).toBe(false);
    // And what the page claims now is unknown: Witness has not read it for hours.
    expect(getStatusNow(store.db, config, now).surfaces.find((s) => s.id === "api")!.official).toBe("unknown");
  });
});

describe("the headline", () => {
  const surface = (s: Partial<SurfaceNow>): SurfaceNow => ({ id: "api", name: "Claude API", componentId: API, measured: "up", failureRatio: null, failureWords: null, since: null, official: "operational", officialStatus: "operational", officialIncidents: [], disagreement: null, series: [], notMeasured: null, ...s });
  const status = (...surfaces: SurfaceNow[]): StatusNow => ({ generatedAt: 0, lastResultAt: 0, monitor: { online: true, offlineSince: null }, surfaces });

  it("while Witness's own network is down, says so instead of anything about Claude", () => {
    const offline = { ...status(surface({ measured: "nodata", official: "unknown", officialStatus: null })), monitor: { online: false, offlineSince: "2026-04-13T14:02:00.000Z" } };
    expect(headline(offline)).toMatchObject({ tone: "state-nodata", text: expect.stringMatching(/^Witness cannot reach the internet since 14:02 UTC/) });
  });

  it("says the official page could not be read, never that it says so too", () => {
    expect(headline(status(surface({ measured: "down", official: "unknown", officialStatus: null })))).toMatchObject({ tone: "state-down", text: "Claude API is failing. The official page could not be read." });
    expect(headline(status(surface({ measured: "down", official: "down" })))).toMatchObject({ tone: "state-down", text: "Claude API is failing. The official page says Outage." });
  });

  it("names each way the official side stands when all is up", () => {
    const web = surface({ id: "claude-ai", name: "claude.ai", official: "unknown", officialStatus: null });
    expect(headline(status(surface({}), web)).text).toBe("Claude API is working. The official page agrees. claude.ai is working. The official page could not be read.");
    expect(headline(status(surface({}), { ...web, official: "operational" })).text).toBe("Claude is working: every surface measured up, and the official page agrees.");
  });
});

describe("beside the official state on the home page", () => {
  it("is the open incident's latest update, as the page wrote it, with its time and a link to the incident", () => {
    run(at("14:00"), at("14:50"), { page: (t) => (t >= at("14:13") ? OPEN : QUIET) });
    const api = getStatusNow(store.db, config, at("14:50")).surfaces.find((s) => s.id === "api")!;
    const newest = OPEN.summary.incidents[0]!.incident_updates.reduce((a, b) => (Date.parse(a.created_at) > Date.parse(b.created_at) ? a : b));
    expect(api.officialLatest).toEqual({ incidentId: OPEN_ID, incidentName: OPEN.summary.incidents[0]!.name, status: "identified", body: newest.body, at: Date.parse(newest.created_at), url: "https://stspg.io/k4x8m2v7q1zn" });
    // Once it is resolved (the quiet page, read later), nothing is quoted.
    run(at("14:50"), at("15:30"));
    expect(getStatusNow(store.db, config, at("15:30")).surfaces.find((s) => s.id === "api")!.officialLatest).toBeNull();
  });
});
