/**
 * The official page's known traps, end to end: simulator → probeStatus → recordStatusObservation → reads. Each
 * test is one way the page can mislead a comparison if its claims are stored carelessly.
 */
import { performance } from "node:perf_hooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Db, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { getLatestComponentStatuses, getOfficialIncidentById } from "@/db/queries/official";
import { impactLevel, officialLevel } from "@/lib/judge/official";
import { recordIncidentHistory, recordStatusObservation } from "@/lib/measure/official-record";
import { probeStatus } from "@/probes/status";
import { probeIncidentHistory } from "@/probes/status-history";
import { probeStream } from "@/probes/stream";
import { startSimulator, type Fault, type Simulator } from "@/lib/simulator";
import { openMigratedMemory, testTarget } from "@/tests/unit/support";

const API = "k8w3r06qmzrp";
const API_NAME = "Claude API (api.anthropic.com)";
const COMPONENT_IDS = ["rwppv331jlwc", "0qbwn08sd68x", API, "yyzkbfz2thpt", "bpp5gb3hpjcl", "0scnb50nvy53"];
const never = new AbortController().signal;

let sim: Simulator;
let opened: OpenedDatabase;
let db: Db;
let clock = 0;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  opened = openDatabase(":memory:");
  db = opened.db;
  migrateDatabase(db);
});
afterEach(() => opened.close());

/** Read the simulated page once and record it, a minute after the previous reading. */
async function observe() {
  const { summary, raw } = await probeStatus(testTarget("status", sim.url), never);
  clock += 60_000;
  return recordStatusObservation(db, { at: new Date(Date.UTC(2026, 9, 8) + clock), summary, raw }, { heartbeatMs: 15 * 60_000 });
}
const statuses = () => Object.fromEntries(getLatestComponentStatuses(db).map((r) => [r.componentId, r.status]));

/** A Statuspage incident as the API sends it; unresolved unless told otherwise. */
function incident(id: string, over: Record<string, unknown> = {}) {
  const at = "2026-10-08T14:00:00.000Z";
  return {
    id,
    name: `Incident ${id}`,
    status: "investigating",
    created_at: at,
    updated_at: at,
    monitoring_at: null,
    resolved_at: null,
    impact: "minor",
    shortlink: `https://stspg.io/${id}`,
    started_at: at,
    page_id: "tymt9n04zgry",
    incident_updates: [{ id: `${id}-u1`, status: "investigating", body: "We are investigating.", incident_id: id, created_at: at, updated_at: at, display_at: at, affected_components: null }],
    components: [],
    ...over,
  };
}
const apiComponent = { id: API, name: API_NAME, status: "partial_outage", group: false, group_id: null, updated_at: "2026-10-08T14:00:00.000Z" };

describe("official page traps", () => {
  it("(a) the banner is ignored: per-component states are what the components say", async () => {
    sim.setStatus({ indicator: "minor", components: { [API]: "partial_outage", rwppv331jlwc: "partial_outage", yyzkbfz2thpt: "partial_outage", bpp5gb3hpjcl: "partial_outage" } });
    await observe();
    expect(statuses()).toMatchObject({ [API]: "partial_outage", rwppv331jlwc: "partial_outage", "0qbwn08sd68x": "operational" });
    expect(officialLevel(statuses()[API]!)).toBe("down");

    sim.reset();
    sim.setStatus({ indicator: "major" });
    await observe();
    expect(Object.values(statuses())).toEqual(COMPONENT_IDS.map(() => "operational"));
  });

  it("(b) a model-scoped title is kept verbatim, held against the Claude API component", async () => {
    const name = "Elevated errors for Claude Opus 5.5";
    sim.setStatus({ incidents: [incident("opus55", { name, impact: "major", components: [apiComponent] })], components: { [API]: "partial_outage" }, indicator: "minor" });
    await observe();
    expect(getOfficialIncidentById(db, "opus55")).toMatchObject({ name, componentIds: [API] });
  });

  it("(c) an incident naming no components is stored with an empty list, not dropped", async () => {
    sim.setStatus({ incidents: [incident("nocomp")], indicator: "minor" });
    expect(await observe()).toMatchObject({ incidentsUpserted: 1 });
    const stored = getOfficialIncidentById(db, "nocomp");
    expect(stored?.componentIds).toEqual([]);
    expect(stored?.updates).toHaveLength(1);
  });

  it("(d) impact critical maps to down", async () => {
    sim.setStatus({ incidents: [incident("crit", { impact: "critical", components: [{ ...apiComponent, status: "major_outage" }] })], components: { [API]: "major_outage" }, indicator: "critical" });
    await observe();
    const stored = getOfficialIncidentById(db, "crit")!;
    expect(stored.impact).toBe("critical");
    expect(impactLevel(stored.impact)).toBe("down");
  });

  it.each<Fault>(["html_200", "http_503_html", "challenge", "invalid_json"])("(e) %s stores unknown, never operational", async (fault) => {
    await observe();
    expect(Object.values(statuses())).toEqual(COMPONENT_IDS.map(() => "operational"));
    sim.setFault("status", fault);
    expect(await observe()).toMatchObject({ unknown: true, unknownRows: COMPONENT_IDS.length, payloadStored: false });
    const latest = getLatestComponentStatuses(db);
    expect(latest).toHaveLength(COMPONENT_IDS.length);
    expect(latest.every((r) => r.status === "unknown" && officialLevel(r.status) === "unknown")).toBe(true);
  });

  it("(f) hostile text is stored byte for byte, for the renderers to escape", async () => {
    const name = "<script>alert(1)</script>";
    const body = 'Update: <img src=x onerror=alert(1)> then ]]> and "quotes" & ampersands \u202e reversed';
    sim.setStatus({ incidents: [incident("xss", { name, incident_updates: [{ ...incident("xss").incident_updates[0], body }] })], indicator: "minor" });
    await observe();
    const stored = getOfficialIncidentById(db, "xss")!;
    expect(Buffer.from(stored.name).equals(Buffer.from(name))).toBe(true);
    expect(Buffer.from(stored.updates[0]!.body).equals(Buffer.from(body))).toBe(true);
  });

  it("(g) an unknown component id and an unknown status value are kept", async () => {
    sim.setStatus({ components: { newcomp0001: "operational", [API]: "melting" } });
    await observe();
    expect(statuses()).toMatchObject({ newcomp0001: "operational", [API]: "melting" });
    expect(officialLevel("melting")).toBe("degraded");
    expect(getLatestComponentStatuses(db)).toHaveLength(COMPONENT_IDS.length + 1);
  });
});

describe("incident history (incidents.json)", () => {
  it("brings resolved_at once the incident has left the summary", async () => {
    sim.setStatus({ incidents: [incident("gone", { components: [apiComponent] })], components: { [API]: "partial_outage" } });
    await observe();
    expect(getOfficialIncidentById(db, "gone")?.resolvedAt).toBeNull();

    const resolvedAt = "2026-10-08T15:00:00.000Z";
    sim.setStatus({ incidents: [incident("gone", { status: "resolved", resolved_at: resolvedAt, components: [apiComponent] })], components: { [API]: "operational" } });
    expect(await observe()).toMatchObject({ incidentsUpserted: 0 }); // the summary lists unresolved incidents only
    const history = await probeIncidentHistory(testTarget("status", sim.url), never);
    expect(history).toMatchObject({ error: null, incidents: [{ id: "gone", status: "resolved" }] });
    expect(await recordIncidentHistory(db, { at: new Date(Date.UTC(2026, 9, 9)), ...history })).toEqual({ incidentsUpserted: 1, payloadStored: true });
    expect(getOfficialIncidentById(db, "gone")).toMatchObject({ status: "resolved", resolvedAt: new Date(resolvedAt) });
  });

  it("reads the fixture history, resolved incidents included", async () => {
    const history = await probeIncidentHistory(testTarget("status", sim.url), never);
    expect(history.error).toBeNull();
    expect(history.incidents?.map((i) => i.status)).toContain("resolved");
  });

  it.each<[Fault, RegExp]>([
    ["html_200", /HTML where JSON belongs/],
    ["http_503_html", /HTTP 503/],
    ["challenge", /blocked/],
    ["invalid_json", /not valid JSON/],
    ["wrong_shape", /unexpected shape/],
    ["reset_before_headers", /connection|ECONNRESET/i],
  ])("%s gives no incidents and a short error, without throwing", async (fault, message) => {
    sim.setFault("status", fault);
    const history = await probeIncidentHistory(testTarget("status", sim.url), never);
    expect(history.incidents).toBeNull();
    expect(history.error).toMatch(message);
    expect(history.error!.length).toBeLessThanOrEqual(240);
    expect(await recordIncidentHistory(db, { at: new Date(), ...history })).toEqual({ incidentsUpserted: 0, payloadStored: false });
  });
});

describe("affected components without a code", () => {
  // The real shape: Statuspage puts a note where the component list would be when nothing was affected.
  const NOTE = { name: "No components were affected by this update." };
  const withNote = (id: string, over: Record<string, unknown> = {}) => {
    const base = incident(id, over);
    return { ...base, incident_updates: [{ ...base.incident_updates[0], affected_components: [NOTE, { code: API, name: API_NAME, old_status: "operational", new_status: "partial_outage" }] }] };
  };

  it("keep the incident of the summary, the entry stored by name", async () => {
    sim.setStatus({ incidents: [withNote("nocode")], indicator: "minor" });
    expect(await observe()).toMatchObject({ unknown: false, incidentsUpserted: 1 });
    const stored = getOfficialIncidentById(db, "nocode")!;
    expect(stored.componentIds).toEqual([API]);
    expect(stored.updates[0]!.affectedComponents).toEqual([
      { code: null, name: NOTE.name, oldStatus: null, newStatus: null },
      { code: API, name: API_NAME, oldStatus: "operational", newStatus: "partial_outage" },
    ]);
  });

  it("keep the incident of incidents.json", async () => {
    sim.setStatus({ incidents: [withNote("nocodeh", { status: "resolved", resolved_at: "2026-10-08T15:00:00.000Z" })] });
    const history = await probeIncidentHistory(testTarget("status", sim.url), never);
    expect(history).toMatchObject({ error: null, incidents: [{ id: "nocodeh" }] });
    expect(await recordIncidentHistory(db, { at: new Date(Date.UTC(2026, 9, 9)), ...history })).toMatchObject({ incidentsUpserted: 1 });
    expect(getOfficialIncidentById(db, "nocodeh")?.updates[0]!.affectedComponents[0]).toMatchObject({ code: null, name: NOTE.name });
  });
});

describe("a 1 MB page listing 9,000 open incidents", () => {
  const FLOOD = { bulkIncidents: { count: 9_000 } };

  it("is read as its 50 most recently updated incidents, and the probe's message says so", async () => {
    sim.setStatus(FLOOD);
    const { result, summary, raw } = await probeStatus(testTarget("status", sim.url), never);
    expect(raw!.length).toBeGreaterThan(1_000_000);
    expect(result).toMatchObject({ outcome: "up", errorClass: null });
    expect(result.message).toMatch(/9000 incidents listed, the 50 most recently updated kept/);
    expect(summary!.incidents.map((i) => i.id).slice(0, 2)).toEqual(["f0000", "f0001"]);
    expect(summary!.incidents).toHaveLength(50);
    expect(() => sim.setStatus({ bulkIncidents: { count: 30_000 } })).toThrow(/bulkIncidents.count must be an integer from 0 to 20000/);
  });

  it("recorded while a stream probe waits for its headers never holds the event loop, so TTFB and TTFT stay the injected delays", async () => {
    sim.setStatus(FLOOD);
    // Warm up the status path, the parser thread and the stream probe, then start on an empty database.
    await observe();
    await observe();
    await probeStream(testTarget("stream", sim.url), never);
    opened.close();
    opened = openMigratedMemory();
    db = opened.db;

    // A long wait for headers, so both readings fit inside it even on a busy machine.
    sim.setFault("api", { fault: "none", ttfbMs: 3_000, gapMs: 50 });
    // The longest the event loop went without turning while the page was recorded: what a blocking write would show.
    let maxGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const stream = probeStream(testTarget("stream", sim.url, { timeoutMs: 8_000, idleTimeoutMs: 2_000 }), never);
    const first = await observe(); // writes the 50 kept incidents
    const second = await observe(); // the same page again: writes next to nothing
    const recordedWithin = performance.now() - started;
    const r = await stream;
    clearInterval(ticker);

    expect(r.outcome).toBe("up");
    // Blocking recording held the loop about 2 s here. A gap of a second still catches that on a machine busy with
    // the rest of the suite; `npm run bench -- eventloop` measures the 5 ms claim on its own.
    expect(maxGap).toBeLessThan(1_000);
    expect(r.ttfbMs).toBeGreaterThanOrEqual(3_000);
    expect(r.ttftMs).toBeGreaterThanOrEqual(3_050);
    expect(r.ttftMs).toBeGreaterThan(r.ttfbMs!);
    // Both readings happened while the stream was still waiting for its headers.
    expect(recordedWithin).toBeLessThan(3_000);
    expect(first).toMatchObject({ unknown: false, incidentsUpserted: 50 });
    expect(second).toMatchObject({ incidentsUpserted: 0, incidentsUnchanged: 50 });
  });
});
