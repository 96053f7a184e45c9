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
import { officialMaintenances, officialPayloads, officialComponentStatuses } from "@/db/schema";
import { capText, firstAcknowledgedAt, impactLevel, officialLevel, recordIncidentHistory, recordStatusObservation } from "@/lib/official";
import { parseIncidents } from "@/probes/status-history";
import { parseSummary, type StatusIncident, type StatusSummary } from "@/probes/statuspage";
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

  it("resolved_at arrives through the incident history", () => {
    const open = reading(undefined, "summary.incident.json");
    recordStatusObservation(db, { at: t(0), ...open }, heartbeat);
    const incident = open.summary.incidents[0]!;
    expect(getOfficialIncidentsRange(db, { from: t(0), to: t(600) }).map((i) => i.id)).toContain(incident.id);

    const resolved: StatusIncident = { ...incident, status: "resolved", resolved_at: "2026-10-08T15:30:00.000Z" };
    const raw = JSON.stringify({ incidents: [resolved] });
    const parsed = parseIncidents(raw);
    if ("error" in parsed) throw new Error(parsed.error);
    expect(recordIncidentHistory(db, { at: t(120), incidents: parsed.incidents, raw })).toEqual({ incidentsUpserted: 1, payloadStored: true });
    expect(getOfficialIncidentById(db, incident.id)).toMatchObject({ status: "resolved", resolvedAt: new Date("2026-10-08T15:30:00.000Z"), firstSeenAt: t(0) });
    // Resolved at 15:30: no longer overlaps a window that starts after it.
    expect(getOfficialIncidentsRange(db, { from: t(95), to: t(600) })).toEqual([]);
    expect(recordIncidentHistory(db, { at: t(130), incidents: null, raw: "<html>" })).toEqual({ incidentsUpserted: 0, payloadStored: false });
  });

  it("the real incidents.json fixture parses whole, the resolved one included", () => {
    const parsed = parseIncidents(fixture("incidents.json"));
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.skipped).toBeNull();
    recordIncidentHistory(db, { at: t(0), incidents: parsed.incidents, raw: fixture("incidents.json") });
    expect(getOfficialIncidentById(db, "ch27pb90bn85")?.resolvedAt).toBeInstanceOf(Date);
  });

  it("one malformed history entry is skipped, not the whole document", () => {
    const doc = JSON.parse(fixture("incidents.json"));
    doc.incidents.push({ id: 7 });
    const parsed = parseIncidents(JSON.stringify(doc));
    expect("incidents" in parsed && parsed.incidents.length).toBe(2);
    expect("skipped" in parsed && parsed.skipped).toMatch(/1 malformed incident skipped/);
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
});
