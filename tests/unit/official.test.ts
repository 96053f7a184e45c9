import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db, OpenedDatabase } from "@/db/client";
import {
  getComponentStatusesRange,
  getLatestComponentStatuses,
  getLatestPayload,
  getOfficialIncidentById,
  getOfficialIncidentsRange,
  insertComponentStatuses,
} from "@/db/queries/official";
import { officialIncidents, officialIncidentUpdates, officialMaintenances, officialPayloads, officialComponentStatuses } from "@/db/schema";
import {
  capText,
  firstAcknowledgedAt,
  impactLevel,
  MAX_PAYLOAD_CHARS,
  officialLevel,
  planIncidentWrites,
  WRITE_BUDGET,
} from "@/lib/judge/official";
import { recordIncidentHistory, recordStatusObservation } from "@/lib/measure/official-record";
import { JsonParser } from "@/probes/json-thread";
import { parseIncidents, readIncidents } from "@/probes/status-history";
import { parseSummary, readSummary, type StatusIncident, type StatusSummary } from "@/probes/statuspage";
import { openMigratedMemory } from "@/tests/unit/support";

const fixture = (name: string) => readFileSync(new URL(`../../lib/simulator/fixtures/statuspage/${name}`, import.meta.url), "utf8");
const API = "k8w3r06qmzrp";
const CODE = "yyzkbfz2thpt";
const HOUR = 3_600_000;
const heartbeat = { heartbeatMs: HOUR };
const t = (minutes: number) => new Date(Date.UTC(2026, 9, 8, 14, 0) + minutes * 60_000);

function summaryOf(raw: string): StatusSummary {
  const parsed = parseSummary(raw);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed.summary;
}
/** A summary plus the raw text it came from, so payload hashing sees real bodies. */
function reading(edit: (doc: Record<string, any>) => void = () => {}, base = "summary.operational.json") {
  const doc = JSON.parse(fixture(base)) as Record<string, any>;
  edit(doc);
  const raw = JSON.stringify(doc);
  return { summary: summaryOf(raw), raw };
}
const rows = (db: Db) => db.select().from(officialComponentStatuses).all();

let opened: OpenedDatabase;
let db: Db;
beforeEach(() => {
  opened = openMigratedMemory();
  db = opened.db;
});
afterEach(() => opened.close());

describe("component statuses", () => {
  it("the first observation writes one change row per component", () => {
    const out = recordStatusObservation(db, { at: t(0), ...reading() }, heartbeat);
    expect(out).toMatchObject({ changes: 6, heartbeats: 0, unknown: false });
    expect(rows(db)).toHaveLength(6);
    expect(rows(db).every((r) => r.reason === "change" && r.status === "operational")).toBe(true);
  });

  it("the same summary writes nothing until the heartbeat is due, then a heartbeat per component", () => {
    recordStatusObservation(db, { at: t(0), ...reading() }, heartbeat);
    expect(recordStatusObservation(db, { at: t(30), ...reading() }, heartbeat)).toMatchObject({ changes: 0, heartbeats: 0 });
    expect(rows(db)).toHaveLength(6);
    expect(recordStatusObservation(db, { at: t(60), ...reading() }, heartbeat)).toMatchObject({ changes: 0, heartbeats: 6 });
    expect(rows(db).filter((r) => r.reason === "heartbeat")).toHaveLength(6);
  });

  it("a status change writes a change row for just that component", () => {
    recordStatusObservation(db, { at: t(0), ...reading() }, heartbeat);
    const out = recordStatusObservation(db, { at: t(5), ...reading((d) => (d.components.find((c: any) => c.id === API).status = "major_outage")) }, heartbeat);
    expect(out).toMatchObject({ changes: 1, heartbeats: 0 });
    const latest = getLatestComponentStatuses(db);
    expect(latest.find((r) => r.componentId === API)).toMatchObject({ status: "major_outage", reason: "change", observedAt: t(5) });
    expect(latest.filter((r) => r.status === "operational")).toHaveLength(5);
  });

  it("an unreadable page writes unknown rows once, and the next readable page writes change rows back", () => {
    recordStatusObservation(db, { at: t(0), ...reading() }, heartbeat);
    expect(recordStatusObservation(db, { at: t(1), summary: null, raw: "<html>" }, heartbeat)).toMatchObject({ unknown: true, unknownRows: 6 });
    expect(getLatestComponentStatuses(db).every((r) => r.status === "unknown" && r.reason === "unknown")).toBe(true);
    expect(recordStatusObservation(db, { at: t(2), summary: null, raw: null }, heartbeat)).toMatchObject({ unknownRows: 0 });
    // Still unreadable an hour on: the unknown state is re-stated, so the gap is visibly watched.
    expect(recordStatusObservation(db, { at: t(61), summary: null, raw: null }, heartbeat)).toMatchObject({ unknownRows: 6 });
    expect(recordStatusObservation(db, { at: t(62), ...reading() }, heartbeat)).toMatchObject({ changes: 6, unknown: false });
    expect(getLatestComponentStatuses(db).every((r) => r.status === "operational" && r.reason === "change")).toBe(true);
  });

  it("an unreadable page before any reading writes nothing: there is nothing known to mark unknown", () => {
    expect(recordStatusObservation(db, { at: t(0), summary: null, raw: null }, heartbeat)).toMatchObject({ unknownRows: 0, unknown: true });
    expect(rows(db)).toHaveLength(0);
  });

  it("a component the page stops listing gets one unknown row", () => {
    recordStatusObservation(db, { at: t(0), ...reading() }, heartbeat);
    const without = () => reading((d) => (d.components = d.components.filter((c: any) => c.id !== CODE)));
    expect(recordStatusObservation(db, { at: t(1), ...without() }, heartbeat)).toMatchObject({ unknownRows: 1, changes: 0 });
    expect(recordStatusObservation(db, { at: t(90), ...without() }, heartbeat)).toMatchObject({ unknownRows: 0, heartbeats: 5 });
  });

  it("the range read starts with the state at `from`", () => {
    insertComponentStatuses(db, [0, 10, 20, 30].map((m) => ({ componentId: API, componentName: "API", status: `s${m}`, observedAt: t(m), reason: "change" as const })));
    const got = getComponentStatusesRange(db, { componentId: API, from: t(15), to: t(30) });
    expect(got.map((r) => r.status)).toEqual(["s10", "s20"]);
    expect(getComponentStatusesRange(db, { componentId: "nope", from: t(0), to: t(99) })).toEqual([]);
  });
});

describe("incidents", () => {
  it("upsert by id: a new update is added, firstSeenAt kept, lastSeenAt and status refreshed", () => {
    const first = reading(undefined, "summary.incident.json");
    recordStatusObservation(db, { at: t(0), ...first }, heartbeat);
    const id = first.summary.incidents[0]!.id;
    const before = getOfficialIncidentById(db, id)!;
    expect(before).toMatchObject({ status: "identified", impact: "major", firstSeenAt: t(0), lastSeenAt: t(0), componentIds: [API, CODE] });

    const second = reading((d) => {
      const incident = d.incidents[0];
      incident.status = "monitoring";
      incident.incident_updates.unshift({ ...incident.incident_updates[0], id: "upd-new", status: "monitoring", body: "A fix is out.", created_at: "2026-10-08T15:00:00.000Z" });
    }, "summary.incident.json");
    expect(recordStatusObservation(db, { at: t(60), ...second }, heartbeat)).toMatchObject({ incidentsUpserted: 1 });
    const after = getOfficialIncidentById(db, id)!;
    expect(after).toMatchObject({ status: "monitoring", firstSeenAt: t(0), lastSeenAt: t(60) });
    expect(after.updates.map((u) => u.id)).toEqual([...before.updates.map((u) => u.id), "upd-new"]);
    expect(after.updates.at(-1)!.body).toBe("A fix is out.");
  });

  it("resolved_at arrives through the incident history", async () => {
    const open = reading(undefined, "summary.incident.json");
    recordStatusObservation(db, { at: t(0), ...open }, heartbeat);
    const incident = open.summary.incidents[0]!;
    expect(getOfficialIncidentsRange(db, { from: t(0), to: t(600) }).map((i) => i.id)).toContain(incident.id);

    const resolved: StatusIncident = { ...incident, status: "resolved", resolved_at: "2026-10-08T15:30:00.000Z" };
    const raw = JSON.stringify({ incidents: [resolved] });
    const parsed = parseIncidents(raw);
    if ("error" in parsed) throw new Error(parsed.error);
    expect(await recordIncidentHistory(db, { at: t(120), incidents: parsed.incidents, raw })).toEqual({ incidentsUpserted: 1, payloadStored: true });
    expect(getOfficialIncidentById(db, incident.id)).toMatchObject({ status: "resolved", resolvedAt: new Date("2026-10-08T15:30:00.000Z"), firstSeenAt: t(0) });
    // Resolved at 15:30: no longer overlaps a window that starts after it.
    expect(getOfficialIncidentsRange(db, { from: t(95), to: t(600) })).toEqual([]);
    expect(await recordIncidentHistory(db, { at: t(130), incidents: null, raw: "<html>" })).toEqual({ incidentsUpserted: 0, payloadStored: false });
  });

  it("the real incidents.json fixture parses whole, the resolved one included", async () => {
    const parsed = parseIncidents(fixture("incidents.json"));
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.notes).toBeNull();
    await recordIncidentHistory(db, { at: t(0), incidents: parsed.incidents, raw: fixture("incidents.json") });
    expect(getOfficialIncidentById(db, "ch27pb90bn85")?.resolvedAt).toBeInstanceOf(Date);
  });

  it("one malformed history entry is skipped, not the whole document", () => {
    const doc = JSON.parse(fixture("incidents.json"));
    doc.incidents.push({ id: 7 });
    const parsed = parseIncidents(JSON.stringify(doc));
    expect("incidents" in parsed && parsed.incidents.length).toBe(2);
    expect("notes" in parsed && parsed.notes).toMatch(/1 malformed incident skipped/);
    expect(parseIncidents('{"ok":true}')).toHaveProperty("error");
  });

  it("scheduled maintenances are upserted", () => {
    const maintenance = JSON.parse(fixture("scheduled-maintenances.json")).scheduled_maintenances[0];
    recordStatusObservation(db, { at: t(0), ...reading((d) => (d.scheduled_maintenances = [maintenance])) }, heartbeat);
    recordStatusObservation(db, { at: t(5), ...reading((d) => (d.scheduled_maintenances = [{ ...maintenance, status: "in_progress" }])) }, heartbeat);
    expect(db.select().from(officialMaintenances).all()).toMatchObject([{ id: maintenance.id, status: "in_progress", firstSeenAt: t(0), lastSeenAt: t(5), componentIds: ["0qbwn08sd68x"] }]);
  });
});

describe("payload audit", () => {
  it("stores the raw body only when it changed", () => {
    const a = reading();
    expect(recordStatusObservation(db, { at: t(0), ...a }, heartbeat).payloadStored).toBe(true);
    expect(recordStatusObservation(db, { at: t(1), ...a }, heartbeat).payloadStored).toBe(false);
    const b = reading((d) => (d.page.updated_at = "2026-10-08T15:00:00.000Z"));
    expect(recordStatusObservation(db, { at: t(2), ...b }, heartbeat).payloadStored).toBe(true);
    expect(recordStatusObservation(db, { at: t(3), summary: null, raw: "<html>x</html>" }, heartbeat).payloadStored).toBe(false);
    expect(db.select().from(officialPayloads).all()).toHaveLength(2);
    expect(getLatestPayload(db, "summary")?.body).toBe(b.raw);
    expect(getLatestPayload(db, "incidents")).toBeNull();
  });
});

describe("pure mappings", () => {
  it("maps component statuses, inventing nothing rosier than degraded", () => {
    expect(["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance", "unknown", "melting"].map(officialLevel)).toEqual([
      "operational",
      "degraded",
      "down",
      "down",
      "maintenance",
      "unknown",
      "degraded",
    ]);
  });

  it("maps impacts, critical included", () => {
    expect(["none", "minor", "major", "critical", "catastrophic"].map(impactLevel)).toEqual(["none", "degraded", "down", "down", "degraded"]);
  });

  it("first acknowledgement is the earliest of created_at and the updates", () => {
    expect(firstAcknowledgedAt({ createdAt: t(10) }, [{ createdAt: t(12) }, { createdAt: t(8) }])).toEqual(t(8));
    expect(firstAcknowledgedAt({ createdAt: t(10) }, [])).toEqual(t(10));
  });

  it("caps very long text without splitting a surrogate pair", () => {
    expect(capText("abc", 5)).toBe("abc");
    expect(capText("abcdefgh", 5)).toBe("abcd…");
    expect(capText("abc😀defg", 5)).toBe("abc…");
  });

  it("stores half a surrogate pair as U+FFFD, so what is read back is what was written", () => {
    expect(capText("lone \ud800 high, lone \udc00 low, pair 😀")).toBe("lone \ufffd high, lone \ufffd low, pair 😀");
    const page = reading((d) => (d.components[0].name = "API \ud800"));
    recordStatusObservation(db, { at: t(0), ...page }, heartbeat);
    expect(getLatestComponentStatuses(db).find((r) => r.componentId === page.summary.components[0]!.id)?.componentName).toBe("API \ufffd");
    expect(recordStatusObservation(db, { at: t(1), ...page }, heartbeat).changes).toBe(0);
  });
});

/** `n` open incidents `inc0`…, each with `updates` updates; incident k was last updated k minutes before 14:00. */
function flood(n: number, updates = 0, body = "We are investigating.") {
  return reading((d) => {
    d.incidents = Array.from({ length: n }, (_, k) => {
      const at = t(-k).toISOString();
      const list = Array.from({ length: updates }, (_, u) => ({ id: `inc${k}u${u}`, status: "investigating", body, created_at: t(-k - 60 - u).toISOString() }));
      return { id: `inc${k}`, name: `Incident ${k}`, status: "investigating", impact: "minor", created_at: t(-k - 120).toISOString(), updated_at: at, incident_updates: list, components: [] };
    });
  });
}
const count = (table: typeof officialIncidents | typeof officialIncidentUpdates) => db.select().from(table).all().length;

describe("one document's bounds", () => {
  it("a flood keeps the 50 most recently updated incidents, and says so", () => {
    const doc = JSON.parse(flood(120).raw);
    doc.incidents.reverse(); // the page's order must not matter, only updated_at
    doc.incidents[0].updated_at = null; // no updated_at: created_at is its recency
    const parsed = parseSummary(JSON.stringify(doc));
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.summary.incidents.map((i) => i.id)).toEqual(Array.from({ length: 50 }, (_, k) => `inc${k}`));
    expect(parsed.notes).toBe("120 incidents listed, the 50 most recently updated kept");
  });

  it("equal update times keep the page's order, so an unchanged page keeps the same 50", () => {
    const doc = JSON.parse(flood(80).raw);
    for (const i of doc.incidents) i.updated_at = t(0).toISOString();
    const parsed = parseSummary(JSON.stringify(doc));
    expect("summary" in parsed && parsed.summary.incidents.map((i) => i.id)).toEqual(Array.from({ length: 50 }, (_, k) => `inc${k}`));
  });

  it("an incident with 40 updates keeps its earliest (the first acknowledgement) and its 24 newest", () => {
    const parsed = parseSummary(flood(1, 40).raw);
    if ("error" in parsed) throw new Error(parsed.error);
    const ids = parsed.summary.incidents[0]!.incident_updates.map((u) => u.id);
    expect(ids).toEqual([...Array.from({ length: 24 }, (_, u) => `inc0u${u}`), "inc0u39"]);
    expect(parsed.notes).toBe("15 incident updates over 25 per incident dropped");
  });

  it("component lists are cut at 250", () => {
    const { raw } = reading((d) => {
      d.components = Array.from({ length: 300 }, (_, k) => ({ ...d.components[0], id: `c${k}` }));
    });
    const parsed = parseSummary(raw);
    expect("summary" in parsed && parsed.summary.components.map((c) => c.id)).toEqual(Array.from({ length: 250 }, (_, k) => `c${k}`));
    expect("notes" in parsed && parsed.notes).toBe("50 components over 250 per list dropped");
  });

  it("a malformed incident in the summary is skipped, and the page is still read", () => {
    const parsed = parseSummary(reading((d) => d.incidents.push({ id: "bad1", status: "investigating" }), "summary.incident.json").raw);
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.summary.incidents.map((i) => i.id)).toEqual(["q9w3kz1d7h2m"]);
    expect(parsed.notes).toMatch(/^1 malformed incident skipped \(incidents\.bad1\.name\)$/);
  });

  it("a big body is parsed off the event loop with exactly the in-place result", async () => {
    const { raw } = flood(400, 3, "x".repeat(200));
    expect(raw.length).toBeGreaterThan(256 * 1024);
    expect(await readSummary(raw)).toEqual(parseSummary(raw));
    const history = JSON.stringify({ incidents: JSON.parse(raw).incidents });
    expect(await readIncidents(history)).toEqual(parseIncidents(history));
    expect(await readSummary(raw.slice(0, -10))).toEqual({ error: "body is not valid JSON" });
  });

  it("a parser thread that dies fails the parse with a clear message, and the next one gets a fresh thread", async () => {
    const parser = new JsonParser((json: unknown, arg: string) => {
      if (arg === "die") process.exit(3); // on a worker thread this ends the thread, not the process
      if (arg === "throw") throw new Error("shaper failed");
      return Array.isArray(json) ? json.length : -1;
    });
    const big = JSON.stringify(Array.from({ length: 20_000 }, (_, k) => k));
    await expect(parser.parse(big, "die")).rejects.toThrow(/JSON parser thread exited \(3\)/);
    await expect(parser.parse(big, "throw")).rejects.toThrow(/JSON parser thread: shaper failed/);
    expect(await parser.parse(big, "count")).toEqual({ value: 20_000 });
  });
});

describe("writing only what changed", () => {
  it("an unchanged page rewrites no incident or update: only lastSeenAt moves", () => {
    const page = reading(undefined, "summary.incident.json");
    const id = page.summary.incidents[0]!.id;
    expect(recordStatusObservation(db, { at: t(0), ...page }, heartbeat)).toMatchObject({ incidentsUpserted: 1, incidentsUnchanged: 0 });
    const changesBefore = opened.sqlite.prepare("select total_changes() as n").get() as { n: number };
    expect(recordStatusObservation(db, { at: t(1), ...page }, heartbeat)).toMatchObject({ incidentsUpserted: 0, incidentsUnchanged: 1, changes: 0, payloadStored: false });
    const changesAfter = opened.sqlite.prepare("select total_changes() as n").get() as { n: number };
    // Two rows: the incident's lastSeenAt and listing, and the summary's read time. No update, component or payload row.
    expect(changesAfter.n - changesBefore.n).toBe(2 + page.summary.scheduled_maintenances.length);
    expect(getOfficialIncidentById(db, id)).toMatchObject({ firstSeenAt: t(0), lastSeenAt: t(1) });
  });

  it("an update edited in place is rewritten when the page moves updated_at", () => {
    const page = reading(undefined, "summary.incident.json");
    recordStatusObservation(db, { at: t(0), ...page }, heartbeat);
    const edited = reading((d) => {
      d.incidents[0].updated_at = "2026-10-08T15:10:00.000Z";
      d.incidents[0].incident_updates[0].body = "Corrected: the fix is rolling out.";
    }, "summary.incident.json");
    expect(recordStatusObservation(db, { at: t(5), ...edited }, heartbeat)).toMatchObject({ incidentsUpserted: 1 });
    const updates = getOfficialIncidentById(db, page.summary.incidents[0]!.id)!.updates;
    expect(updates.find((u) => u.id === edited.summary.incidents[0]!.incident_updates[0]!.id)?.body).toBe("Corrected: the fix is rolling out.");
  });

  it("one reading writes at most WRITE_BUDGET; what is left follows at the next readings", () => {
    const page = flood(30, 10);
    const perReading = Math.floor(WRITE_BUDGET.rows / 11);
    const first = recordStatusObservation(db, { at: t(0), ...page }, heartbeat);
    expect(first).toMatchObject({ incidentsUpserted: perReading, incidentsDeferred: 30 - perReading });
    expect(count(officialIncidentUpdates)).toBe(perReading * 10);
    let readings = 1;
    for (let deferred = first.incidentsDeferred; deferred > 0; readings++) deferred = recordStatusObservation(db, { at: t(readings), ...page }, heartbeat).incidentsDeferred;
    expect(readings).toBe(Math.ceil(30 / perReading));
    expect([count(officialIncidents), count(officialIncidentUpdates)]).toEqual([30, 300]);
    expect(recordStatusObservation(db, { at: t(99), ...page }, heartbeat)).toMatchObject({ incidentsUpserted: 0, incidentsUnchanged: 30, incidentsDeferred: 0 });
  });

  it("a deferred incident that is already stored is still marked seen", () => {
    const page = flood(30, 10);
    for (let k = 0; k < 4; k++) recordStatusObservation(db, { at: t(k), ...page }, heartbeat);
    const changed = flood(30, 10, "Update edited.");
    recordStatusObservation(db, { at: t(10), ...changed }, heartbeat);
    expect(getOfficialIncidentById(db, "inc29")).toMatchObject({ lastSeenAt: t(10) });
  });

  it("the first incident is written even when it alone is over the budget, so every reading makes progress", () => {
    const big = flood(2, 25, "x".repeat(20_000)).summary.incidents;
    const plan = planIncidentWrites(big, new Map(), new Set(), t(0));
    expect(plan.writes.map((w) => w.incident.id)).toEqual(["inc0"]);
    expect(plan.deferred).toBe(1);
  });

  it("incidents.json is written whole in one call, a budget at a time", async () => {
    const { summary } = flood(50, 10);
    expect(await recordIncidentHistory(db, { at: t(0), incidents: summary.incidents, raw: null })).toEqual({ incidentsUpserted: 50, payloadStored: false });
    expect([count(officialIncidents), count(officialIncidentUpdates)]).toEqual([50, 500]);
  });

  it("a body over MAX_PAYLOAD_CHARS is not kept verbatim; its incidents are", () => {
    const page = flood(400, 3, "x".repeat(500));
    expect(page.raw.length).toBeGreaterThan(MAX_PAYLOAD_CHARS);
    const out = recordStatusObservation(db, { at: t(0), ...page }, heartbeat);
    expect(out).toMatchObject({ payloadStored: false, unknown: false });
    expect(out.incidentsUpserted).toBeGreaterThan(0);
    expect(count(officialIncidents)).toBe(out.incidentsUpserted);
    expect(db.select().from(officialPayloads).all()).toEqual([]);
  });
});
