/**
 * The rules for recording what the official status page claims, and the pure mappings the comparison code uses.
 * An unreadable page is stored as "unknown", never as operational; every component the page sends is kept, even
 * one it invented yesterday; third-party text is stored verbatim (escaping belongs to whoever renders it).
 * Everything here is pure: a reading's plan is made from what is stored (read first, in one go, by
 * lib/measure/official-record.ts) and the page's document, and that file then writes the plan.
 */
import { createHash } from "node:crypto";
import type { NewOfficialComponentStatusRow, NewOfficialIncidentRow, NewOfficialIncidentUpdateRow, NewOfficialMaintenanceRow } from "@/db/queries/official";
import type { OfficialComponentStatusRow, OfficialIncidentRow } from "@/db/schema";
import type { StatusIncident, StatusMaintenance, StatusSummary } from "@/probes/statuspage";

export type OfficialLevel = "operational" | "degraded" | "down" | "maintenance" | "unknown";
export type ImpactLevel = "none" | "degraded" | "down";

/** Longest update body stored; the parser already cuts longer, this keeps the store bounded regardless. */
export const MAX_TEXT = 20_000;
/** Longest incident, maintenance or component name stored: a title is one line, and a name is rewritten on change. */
export const MAX_NAME = 1_000;

/**
 * Most one transaction writes of incidents and their updates. A page that changed everywhere (or a first reading of
 * a long history) is written over several: what is left still differs from what is stored, so the next reading
 * writes it, and incidents.json goes on at once between probes. At ~5 µs a row this keeps a write near 1 ms.
 */
export const WRITE_BUDGET = { rows: 100, chars: 128 * 1024 };

/** Largest body kept verbatim for audit: about three real incidents.json; a bigger one is a page gone wrong. */
export const MAX_PAYLOAD_CHARS = 512 * 1024;

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
  /** Incidents written because they were new or changed. */
  incidentsUpserted: number;
  /** Incidents listed exactly as stored: only their lastSeenAt moved. */
  incidentsUnchanged: number;
  /** Changed incidents left for the next reading by WRITE_BUDGET. */
  incidentsDeferred: number;
  maintenancesUpserted: number;
  payloadStored: boolean;
  /** What this reading told that was not stored before (alerts are written from it). */
  incidentChanges: IncidentChange[];
}

/** One incident write, seen from before: new to us, newly resolved, and which of its updates are new. */
export interface IncidentChange {
  incident: NewOfficialIncidentRow;
  isNew: boolean;
  isNewlyResolved: boolean;
  newUpdates: NewOfficialIncidentUpdateRow[];
}

export interface IncidentWrite {
  incident: NewOfficialIncidentRow;
  updates: NewOfficialIncidentUpdateRow[];
}

export interface IncidentPlan {
  writes: IncidentWrite[];
  /** Listed and stored alike (or changed but deferred): only lastSeenAt is refreshed. */
  touched: string[];
  unchanged: number;
  deferred: number;
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
  // An entry without a code (`{"name": "No components were affected by this update."}`) names no component.
  const fromUpdates = incident.incident_updates.flatMap((u) => (u.affected_components ?? []).flatMap((a) => (a.code ? [a.code] : [])));
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
    const name = capText(c.name, MAX_NAME);
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

/**
 * Which incidents to write and which only to mark seen. An incident is written when it is new, when any stored field
 * differs, or when it lists an update not stored yet; most recently updated first (the parser's order), whole
 * incidents only, until WRITE_BUDGET is spent (the first always goes, so every round makes progress). Statuspage
 * moves updated_at on every edit, so an update edited in place shows as a changed incident and is rewritten.
 */
export function planIncidentWrites(
  incidents: readonly StatusIncident[],
  stored: ReadonlyMap<string, OfficialIncidentRow>,
  missingUpdateIds: ReadonlySet<string>,
  at: Date,
  budget = WRITE_BUDGET,
): IncidentPlan {
  const plan: IncidentPlan = { writes: [], touched: [], unchanged: 0, deferred: 0 };
  const used = { rows: 0, chars: 0 };
  const seen = new Set<string>();
  for (const i of incidents) {
    if (seen.has(i.id)) continue; // a duplicated id: the first entry is the claim
    seen.add(i.id);
    const before = stored.get(i.id);
    const incident = incidentRow(i, at, before);
    if (before && sameIncident(before, incident) && !i.incident_updates.some((u) => missingUpdateIds.has(u.id))) {
      plan.touched.push(i.id);
      plan.unchanged++;
      continue;
    }
    const chars = i.incident_updates.reduce((n, u) => n + Math.min(u.body?.length ?? 0, MAX_TEXT), incident.name.length);
    const fits = used.rows + 1 + i.incident_updates.length <= budget.rows && used.chars + chars <= budget.chars;
    if (plan.deferred > 0 || (!fits && plan.writes.length > 0)) {
      plan.touched.push(i.id);
      plan.deferred++;
      continue;
    }
    plan.writes.push({ incident, updates: i.incident_updates.map((u) => updateRow(i.id, u, at)) });
    used.rows += 1 + i.incident_updates.length;
    used.chars += chars;
  }
  return plan;
}

// Half a surrogate pair is not text: SQLite would store its bytes as invalid UTF-8, and they come back as garbage.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Cap stored third-party text at `max` characters without splitting a surrogate pair; other text is untouched but for lone surrogates (U+FFFD). */
export function capText(raw: string, max = MAX_TEXT): string {
  const text = raw.replace(LONE_SURROGATE, "\ufffd");
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

/** What an incident plan tells that was not stored before: new incidents, new resolutions, new updates. */
export function incidentChangesOf(plan: IncidentPlan, stored: ReadonlyMap<string, OfficialIncidentRow>, missingUpdateIds: ReadonlySet<string>): IncidentChange[] {
  const isResolved = (r: { status: string; resolvedAt?: Date | null }) => r.resolvedAt != null || r.status === "resolved" || r.status === "postmortem";
  return plan.writes.map(({ incident, updates }): IncidentChange => {
    const before = stored.get(incident.id);
    return { incident, isNew: !before, isNewlyResolved: isResolved(incident) && !(before && isResolved(before)), newUpdates: before ? updates.filter((u) => missingUpdateIds.has(u.id)) : updates };
  });
}

/** What is stored that a reading is planned against, read before anything is written (one read phase). */
export interface StoredOfficial {
  incidents: ReadonlyMap<string, OfficialIncidentRow>;
  missingUpdateIds: ReadonlySet<string>;
  /** The endpoint's latest audit payload hash (null: none). */
  latestPayloadSha: string | null;
}

/** A body kept for audit, or null: only when it differs from the endpoint's latest and is not oversized. */
export function planPayload(body: string | null, latestSha: string | null): { sha256: string; body: string } | null {
  if (body === null || body.length > MAX_PAYLOAD_CHARS) return null;
  const sha256 = createHash("sha256").update(body, "utf8").digest("hex");
  return sha256 === latestSha ? null : { sha256, body };
}

/** One round of incident writes (and the audit payload) planned from what is stored. */
export interface IncidentRound {
  plan: IncidentPlan;
  changes: IncidentChange[];
  payload: { sha256: string; body: string } | null;
}

export function planIncidentRound(incidents: readonly StatusIncident[], stored: StoredOfficial, raw: string | null, at: Date): IncidentRound {
  const plan = planIncidentWrites(incidents, stored.incidents, stored.missingUpdateIds, at);
  return { plan, changes: incidentChangesOf(plan, stored.incidents, stored.missingUpdateIds), payload: planPayload(raw, stored.latestPayloadSha) };
}

export function incidentRow(i: StatusIncident, at: Date, before: OfficialIncidentRow | undefined): NewOfficialIncidentRow {
  return {
    id: i.id,
    name: capText(i.name, MAX_NAME),
    status: i.status,
    impact: i.impact,
    // A created_at we cannot read becomes the moment we first saw it: it can only make the page look later, never earlier.
    createdAt: toDate(i.created_at) ?? before?.createdAt ?? at,
    updatedAt: toDate(i.updated_at),
    startedAt: toDate(i.started_at),
    monitoringAt: toDate(i.monitoring_at),
    resolvedAt: toDate(i.resolved_at),
    shortlink: i.shortlink ?? null,
    componentIds: incidentComponentIds(i),
    firstSeenAt: at,
    lastSeenAt: at,
  };
}

export function updateRow(incidentId: string, u: StatusIncident["incident_updates"][number], at: Date): NewOfficialIncidentUpdateRow {
  return {
    id: u.id,
    incidentId,
    status: u.status,
    body: capText(u.body ?? ""),
    createdAt: toDate(u.created_at) ?? at,
    displayAt: toDate(u.display_at),
    // Kept from the first insert (db upsertIncidentUpdates): when Witness first read this update.
    firstSeenAt: at,
    affectedComponents: (u.affected_components ?? []).map((a) => ({ code: a.code ?? null, name: a.name ?? null, oldStatus: a.old_status ?? null, newStatus: a.new_status ?? null })),
  };
}

const COMPARED = ["name", "status", "impact", "createdAt", "updatedAt", "startedAt", "monitoringAt", "resolvedAt", "shortlink"] as const;

function sameIncident(stored: OfficialIncidentRow, next: NewOfficialIncidentRow): boolean {
  const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : (a ?? null) === (b ?? null));
  return COMPARED.every((key) => same(stored[key], next[key])) && JSON.stringify(stored.componentIds) === JSON.stringify(next.componentIds);
}

export function maintenanceRow(m: StatusMaintenance, at: Date): NewOfficialMaintenanceRow {
  return {
    id: m.id,
    name: capText(m.name, MAX_NAME),
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

function toDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
