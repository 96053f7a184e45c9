/**
 * The rules for recording what the official status page claims, and the pure mappings the comparison code uses.
 * An unreadable page is stored as "unknown", never as operational; every component the page sends is kept, even
 * one it invented yesterday; third-party text is stored verbatim (escaping belongs to whoever renders it).
 */
import { createHash } from "node:crypto";
import type { Db } from "@/db/client";
import {
  getLatestComponentStatuses,
  getLatestPayload,
  insertComponentStatuses,
  insertPayload,
  upsertIncidentUpdates,
  upsertMaintenance,
  upsertOfficialIncident,
  type NewOfficialComponentStatusRow,
} from "@/db/queries/official";
import type { OfficialComponentStatusRow } from "@/db/schema";
import type { StatusIncident, StatusMaintenance, StatusSummary } from "@/probes/statuspage";

export type OfficialLevel = "operational" | "degraded" | "down" | "maintenance" | "unknown";
export type ImpactLevel = "none" | "degraded" | "down";

/** Longest name or body stored; the parser already rejects longer, this keeps the store bounded regardless. */
export const MAX_TEXT = 20_000;

type Conn = Parameters<typeof getLatestComponentStatuses>[0];

export interface ComponentPlan {
  rows: NewOfficialComponentStatusRow[];
  changes: number;
  heartbeats: number;
  unknowns: number;
}

export interface ObservationRecord {
  changes: number;
  heartbeats: number;
  /** Rows written with status `unknown`. */
  unknownRows: number;
  /** True when the page could not be read this time. */
  unknown: boolean;
  incidentsUpserted: number;
  maintenancesUpserted: number;
  payloadStored: boolean;
}

/** The page's component status as a level. A value the page invents later reads as degraded: the cautious choice,
 *  since a new word on a status page is rarely good news, yet not proof of an outage. */
export function officialLevel(status: string): OfficialLevel {
  switch (status.trim().toLowerCase()) {
    case "operational":
      return "operational";
    case "degraded_performance":
      return "degraded";
    case "partial_outage":
    case "major_outage":
      return "down";
    case "under_maintenance":
      return "maintenance";
    case "unknown":
      return "unknown";
    default:
      return "degraded";
  }
}

/** An incident's impact as a level; unknown values read as degraded, as in officialLevel. */
export function impactLevel(impact: string): ImpactLevel {
  const value = impact.trim().toLowerCase();
  if (value === "none") return "none";
  if (value === "major" || value === "critical") return "down";
  return "degraded";
}

/** When the page first admitted the incident: the earliest of its created_at and its updates' created_at. */
export function firstAcknowledgedAt(incident: { createdAt: Date }, updates: readonly { createdAt: Date }[]): Date {
  return updates.reduce((first, u) => (u.createdAt < first ? u.createdAt : first), incident.createdAt);
}

/** Component ids an incident names, from its components and its updates' affected components, first seen first. */
export function incidentComponentIds(incident: StatusIncident): string[] {
  const fromUpdates = incident.incident_updates.flatMap((u) => (u.affected_components ?? []).map((a) => a.code));
  return [...new Set([...incident.components.map((c) => c.id), ...fromUpdates])];
}

/**
 * The component rows one observation writes. Readable page: a `change` row when status or name differs from the
 * latest (or there is none, or it was unknown), else a `heartbeat` once the latest is heartbeatMs old. Unreadable
 * page (summary null): an `unknown` row for every known component, repeated only when the heartbeat is due. A
 * component the readable page no longer lists gets one `unknown` row: the page stopped claiming anything about it.
 */
export function planComponentRows(latest: readonly OfficialComponentStatusRow[], summary: StatusSummary | null, at: Date, heartbeatMs: number): ComponentPlan {
  const plan: ComponentPlan = { rows: [], changes: 0, heartbeats: 0, unknowns: 0 };
  const byId = new Map(latest.map((row) => [row.componentId, row]));
  const due = (row: OfficialComponentStatusRow) => at.getTime() - row.observedAt.getTime() >= heartbeatMs;
  const listed = new Set<string>();
  for (const c of summary?.components ?? []) {
    if (listed.has(c.id)) continue; // a duplicated id: the first entry is the claim
    listed.add(c.id);
    const last = byId.get(c.id);
    const name = capText(c.name);
    const row = { componentId: c.id, componentName: name, status: c.status, observedAt: at };
    if (!last || last.reason === "unknown" || last.status !== c.status || last.componentName !== name) {
      plan.rows.push({ ...row, reason: "change" });
      plan.changes++;
    } else if (due(last)) {
      plan.rows.push({ ...row, reason: "heartbeat" });
      plan.heartbeats++;
    }
  }
  for (const last of latest) {
    if (listed.has(last.componentId)) continue;
    if (last.reason !== "unknown" || (summary === null && due(last))) {
      plan.rows.push({ componentId: last.componentId, componentName: last.componentName, status: "unknown", observedAt: at, reason: "unknown" });
      plan.unknowns++;
    }
  }
  return plan;
}

/** Record one summary reading (null summary: the page was unreadable) in one transaction; returns what it wrote. */
export function recordStatusObservation(db: Db, obs: { at: Date; summary: StatusSummary | null; raw: string | null }, opts: { heartbeatMs: number }): ObservationRecord {
  return db.transaction((tx) => {
    const plan = planComponentRows(getLatestComponentStatuses(tx), obs.summary, obs.at, opts.heartbeatMs);
    insertComponentStatuses(tx, plan.rows);
    const record = { changes: plan.changes, heartbeats: plan.heartbeats, unknownRows: plan.unknowns, unknown: obs.summary === null };
    // An unreadable body is not a claim of the page: the status probe's result already says what came back.
    if (!obs.summary) return { ...record, incidentsUpserted: 0, maintenancesUpserted: 0, payloadStored: false };
    for (const incident of obs.summary.incidents) storeIncident(tx, incident, obs.at);
    for (const m of obs.summary.scheduled_maintenances) upsertMaintenance(tx, maintenanceRow(m, obs.at));
    const payloadStored = obs.raw !== null && storePayload(tx, "summary", obs.raw, obs.at);
    return { ...record, incidentsUpserted: obs.summary.incidents.length, maintenancesUpserted: obs.summary.scheduled_maintenances.length, payloadStored };
  });
}

/** Record one incidents.json reading: resolved incidents and their resolved_at arrive here. Null incidents write nothing. */
export function recordIncidentHistory(db: Db, obs: { at: Date; incidents: StatusIncident[] | null; raw: string | null }): { incidentsUpserted: number; payloadStored: boolean } {
  const { incidents } = obs;
  if (!incidents) return { incidentsUpserted: 0, payloadStored: false };
  return db.transaction((tx) => {
    for (const incident of incidents) storeIncident(tx, incident, obs.at);
    const payloadStored = obs.raw !== null && storePayload(tx, "incidents", obs.raw, obs.at);
    return { incidentsUpserted: incidents.length, payloadStored };
  });
}

/** Cap stored third-party text at MAX_TEXT characters without splitting a surrogate pair; shorter text is untouched. */
export function capText(text: string, max = MAX_TEXT): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

function storeIncident(tx: Conn, i: StatusIncident, at: Date): void {
  upsertOfficialIncident(tx, {
    id: i.id,
    name: capText(i.name),
    status: i.status,
    impact: i.impact,
    // A created_at we cannot read becomes the moment we saw it: it can only make the page look later, never earlier.
    createdAt: toDate(i.created_at) ?? at,
    updatedAt: toDate(i.updated_at),
    startedAt: toDate(i.started_at),
    monitoringAt: toDate(i.monitoring_at),
    resolvedAt: toDate(i.resolved_at),
    shortlink: i.shortlink ?? null,
    componentIds: incidentComponentIds(i),
    firstSeenAt: at,
    lastSeenAt: at,
  });
  upsertIncidentUpdates(
    tx,
    i.incident_updates.map((u) => ({
      id: u.id,
      incidentId: i.id,
      status: u.status,
      body: capText(u.body ?? ""),
      createdAt: toDate(u.created_at) ?? at,
      displayAt: toDate(u.display_at),
      affectedComponents: (u.affected_components ?? []).map((a) => ({ code: a.code, name: a.name ?? null, oldStatus: a.old_status ?? null, newStatus: a.new_status ?? null })),
    })),
  );
}

function maintenanceRow(m: StatusMaintenance, at: Date) {
  return {
    id: m.id,
    name: capText(m.name),
    status: m.status,
    impact: m.impact,
    scheduledFor: toDate(m.scheduled_for),
    scheduledUntil: toDate(m.scheduled_until),
    componentIds: incidentComponentIds(m),
    createdAt: toDate(m.created_at) ?? at,
    updatedAt: toDate(m.updated_at),
    firstSeenAt: at,
    lastSeenAt: at,
  };
}

/** Keep the body only when it differs from the endpoint's latest; true when stored. */
function storePayload(tx: Conn, endpoint: string, body: string, at: Date): boolean {
  const sha256 = createHash("sha256").update(body, "utf8").digest("hex");
  if (getLatestPayload(tx, endpoint)?.sha256 === sha256) return false;
  insertPayload(tx, { endpoint, sha256, body, fetchedAt: at });
  return true;
}

function toDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
