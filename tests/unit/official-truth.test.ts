/**
 * The official page claims what it showed while Witness read it (issue: an official incident first seen today must not
 * rewrite the official past). Witness reads an operational page for two weeks; then the page lists, for the first time,
 * an unresolved incident created on 8 Oct. Nothing before its first sighting changes; it claims from then; it is
 * "backdated"; it acknowledges no earlier measured incident, nor one of another model; when it leaves the summary the
 * page is operational again at that reading, not at the next incidents.json read.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import type { Config } from "@/lib/config";
import { getSurfaceDays } from "@/lib/dashboard/days";
import { formatPosted } from "@/lib/dashboard/format";
import { listIncidents } from "@/lib/dashboard/incidents";
import { getStatusNow } from "@/lib/dashboard/now";
import { buildReport } from "@/lib/judge/report";
import { Recorder } from "@/lib/measure/recorder";
import { createLogger } from "@/lib/log";
import { recordIncidentHistory, recordStatusObservation } from "@/lib/measure/official-record";
import { parseSummary, type StatusSummary } from "@/probes/statuspage";
import type { Outcome } from "@/probes/types";
import { openRecorder, sampleResult } from "@/tests/unit/support";

const MIN = 60_000;
const DAY = 86_400_000;
const API = "k8w3r06qmzrp";
const START = Date.UTC(2026, 10, 20);
const TODAY = START + 14 * DAY;
const at = (hhmm: string, day = TODAY) => day + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;

function page(withIncident: boolean): { summary: StatusSummary; raw: string } {
  const doc = JSON.parse(readFileSync(new URL("../../lib/simulator/fixtures/statuspage/summary.incident.json", import.meta.url), "utf8"));
  doc.incidents[0].created_at = "2026-10-08T14:12:03.118Z";
  if (!withIncident) {
    doc.incidents = [];
    for (const c of doc.components) c.status = "operational";
  }
  const raw = JSON.stringify(doc);
  const parsed = parseSummary(raw);
  if ("error" in parsed) throw new Error(parsed.error);
  return { summary: parsed.summary, raw };
}
const QUIET = page(false);
const LISTED = page(true);
const INCIDENT = LISTED.summary.incidents[0]!;

let store: OpenedDatabase;
let config: Config;
let recorder: Recorder;
beforeEach(() => ({ store, config, recorder } = openRecorder()));
afterEach(() => store.close());

/** The API measured every 10 minutes (a Sonnet and an edge series), the summary read every 10 minutes, over [from, to). */
function run(from: number, to: number, opts: { outcome?: (t: number, series: string) => Outcome; listed?: (t: number) => boolean } = {}): void {
  for (let t = from; t < to; t += 10 * MIN) {
    for (const [probe, kind, model] of [["messages:claude-sonnet-4-5", "messages", "claude-sonnet-4-5"], ["edge", "edge", null]] as const) {
      const outcome = opts.outcome?.(t, probe) ?? "up";
      recorder.record({ result: sampleResult(new Date(t + 5_000).toISOString(), { probe, kind, model, outcome, errorClass: outcome === "down" ? "http_5xx" : null }) });
    }
    recordStatusObservation(store.db, { at: new Date(t + 8_000), ...(opts.listed?.(t) ? LISTED : QUIET) }, { heartbeatMs: config.official.heartbeatMinutes * MIN });
  }
}

describe("an official incident first seen today, created weeks ago", () => {
  const tenMinutes = (c: Config): Config => ({ ...c, probes: { ...c.probes, messages: { ...c.probes.messages, intervalSeconds: 600 }, edge: { ...c.probes.edge, intervalSeconds: 600 }, status: { ...c.probes.status, intervalSeconds: 600 } } });
  const dir = mkdtempSync(join(tmpdir(), "witness-official-truth-"));
  const template = join(dir, "two-weeks.db");
  let copies = 0;
  // Two weeks read as operational, with a Sonnet outage a week ago that the page never admitted: recorded once (6,000
  // writes: a minute on a busy CI runner) and copied for each test.
  beforeAll(() => {
    ({ store, config } = openRecorder());
    config = tenMinutes(config);
    recorder = new Recorder(config, store.db, createLogger({ secrets: [], write: () => {} }));
    run(START, TODAY, { outcome: (t, series) => (series.startsWith("messages") && t >= START + 7 * DAY && t < START + 7 * DAY + 60 * MIN ? "down" : "up") });
    store.sqlite.exec(`VACUUM INTO '${template}'`);
    store.close();
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    store.close();
    const file = join(dir, `copy-${++copies}.db`);
    copyFileSync(template, file);
    store = openDatabase(file);
    config = tenMinutes(config);
    recorder = new Recorder(config, store.db, createLogger({ secrets: [], write: () => {} }));
  });

  it("incidents.json alone listing it changes nothing the page claimed: the summary still says operational", async () => {
    await recordIncidentHistory(store.db, { at: new Date(at("07:36")), incidents: [{ ...INCIDENT, incident_updates: INCIDENT.incident_updates }], raw: null });
    run(at("07:40"), at("09:00"));
    const days = getSurfaceDays(store.db, config, at("09:00")).find((s) => s.id === "api")!;
    expect(days.days.filter((d) => d.official !== "operational" && d.official !== "unknown")).toEqual([]);
    expect(days.officialUptime).toBe(1);
    expect(getStatusNow(store.db, config, at("09:00")).surfaces.find((s) => s.id === "api")!.official).toBe("operational");
  });

  it("listed by the summary at 07:40, it claims from then only, reads as backdated, and acknowledges nothing measured before", () => {
    run(at("07:40"), at("09:00"), { listed: () => true });
    const days = getSurfaceDays(store.db, config, at("09:00")).find((s) => s.id === "api")!;
    // Every day before today stays as Witness read it.
    expect(days.days.slice(0, -1).filter((d) => d.official === "down" || d.official === "degraded")).toEqual([]);
    expect(days.days.at(-1)!.official).toBe("down");
    expect(days.officialUptime!).toBeGreaterThan(0.9);
    const api = getStatusNow(store.db, config, at("09:00")).surfaces.find((s) => s.id === "api")!;
    expect(api.official).toBe("down");
    // The home page's card says when the page posted it, not the backdated date as "since".
    expect(api.officialIncidents[0]).toMatchObject({ backdated: true, shownAt: at("07:30") + 8_000 });
    expect(formatPosted(api.officialIncidents[0]!, at("09:00"))).toBe("posted at 07:30 UTC, backdated to 8 Oct");
    const official = listIncidents(store.db, config, at("09:00")).find((i) => i.slug === `o-${INCIDENT.id}`)!;
    expect(official.official[0]).toMatchObject({ backdated: true, shownAt: at("07:30") + 8_000 });
    // The Sonnet outage of a week ago: never acknowledged, not "acknowledged 57 days before Witness measured it".
    const report = buildReport(store.db, config, "30d", at("09:00")).surfaces.find((s) => s.id === "api")!;
    expect(report.incidents.map((i) => [i.acknowledged, i.ackDelayMinutes])).toEqual([[false, null]]);
    expect(report.ack.grade).toBe("F");
  });

  it("an incident naming Haiku 4.5 does not acknowledge a Sonnet failure during it", () => {
    run(at("07:40"), at("10:00"), { listed: () => true, outcome: (t, series) => (series.startsWith("messages") && t >= at("08:00") && t < at("09:00") ? "down" : "up") });
    const report = buildReport(store.db, config, "24h", at("10:00")).surfaces.find((s) => s.id === "api")!;
    expect(report.incidents).toHaveLength(1);
    expect(report.incidents[0]).toMatchObject({ acknowledged: false, ackWords: "never acknowledged" });
  });

  it("when the summary stops listing it, the page is operational from that reading on", () => {
    run(at("07:40"), at("09:00"), { listed: (t) => t < at("08:30") });
    const api = getStatusNow(store.db, config, at("08:31")).surfaces.find((s) => s.id === "api")!;
    expect(api.official).toBe("operational");
    expect(api.officialIncidents).toEqual([]);
  });
});
