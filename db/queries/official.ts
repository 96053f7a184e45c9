/**
 * Reads and writes of the official-page tables. Plain data access: when a row is a change or a heartbeat, what
 * "unknown" means and how statuses compare are decided in lib/official.ts.
 */
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import {
  officialComponentStatuses,
  officialIncidents,
  officialIncidentUpdates,
  officialMaintenances,
  officialPayloads,
  type OfficialComponentStatusRow,
  type OfficialIncidentRow,
  type OfficialIncidentUpdateRow,
} from "@/db/schema";

/** Db or a transaction on it. */
type Conn = Pick<Db, "insert" | "select">;

export type NewOfficialComponentStatusRow = typeof officialComponentStatuses.$inferInsert;
export type NewOfficialIncidentRow = typeof officialIncidents.$inferInsert;
export type NewOfficialIncidentUpdateRow = typeof officialIncidentUpdates.$inferInsert;
export type NewOfficialMaintenanceRow = typeof officialMaintenances.$inferInsert;
export type OfficialPayloadRow = typeof officialPayloads.$inferSelect;
export type NewOfficialPayloadRow = typeof officialPayloads.$inferInsert;
export type OfficialIncidentWithUpdates = OfficialIncidentRow & { updates: OfficialIncidentUpdateRow[] };

const cs = officialComponentStatuses;

/** The newest row of every component ever seen (newest by observedAt, then id). */
export function getLatestComponentStatuses(db: Conn): OfficialComponentStatusRow[] {
  const ranked = db
    .select({
      id: cs.id,
      rank: sql<number>`row_number() over (partition by ${cs.componentId} order by ${cs.observedAt} desc, ${cs.id} desc)`.as("rank"),
    })
    .from(cs)
    .as("ranked");
  const newest = db.select({ id: ranked.id }).from(ranked).where(eq(ranked.rank, 1));
  return db.select().from(cs).where(inArray(cs.id, newest)).orderBy(asc(cs.componentId)).all();
}

export function insertComponentStatuses(db: Conn, rows: readonly NewOfficialComponentStatusRow[]): void {
  if (rows.length > 0) db.insert(cs).values([...rows]).run();
}

/** Insert or refresh by Statuspage id; firstSeenAt keeps the value of the first insert. */
export function upsertOfficialIncident(db: Conn, row: NewOfficialIncidentRow): void {
  const { id: _id, firstSeenAt: _first, ...refreshed } = row;
  db.insert(officialIncidents).values(row).onConflictDoUpdate({ target: officialIncidents.id, set: refreshed }).run();
}

/** Insert or refresh each update by its Statuspage id. */
export function upsertIncidentUpdates(db: Conn, rows: readonly NewOfficialIncidentUpdateRow[]): void {
  for (const row of rows) {
    const { id: _id, ...refreshed } = row;
    db.insert(officialIncidentUpdates).values(row).onConflictDoUpdate({ target: officialIncidentUpdates.id, set: refreshed }).run();
  }
}

/** Insert or refresh by Statuspage id; firstSeenAt keeps the value of the first insert. */
export function upsertMaintenance(db: Conn, row: NewOfficialMaintenanceRow): void {
  const { id: _id, firstSeenAt: _first, ...refreshed } = row;
  db.insert(officialMaintenances).values(row).onConflictDoUpdate({ target: officialMaintenances.id, set: refreshed }).run();
}

/** The most recently fetched payload of one endpoint (`summary`, `incidents`), or null. */
export function getLatestPayload(db: Conn, endpoint: string): OfficialPayloadRow | null {
  const row = db
    .select()
    .from(officialPayloads)
    .where(eq(officialPayloads.endpoint, endpoint))
    .orderBy(desc(officialPayloads.fetchedAt), desc(officialPayloads.id))
    .limit(1)
    .get();
  return row ?? null;
}

export function insertPayload(db: Conn, row: NewOfficialPayloadRow): void {
  db.insert(officialPayloads).values(row).run();
}

/**
 * One component's rows with from <= observedAt < to, oldest first, preceded by the last row before `from` when
 * there is one, so the state at `from` is known.
 */
export function getComponentStatusesRange(db: Conn, params: { componentId: string; from: Date; to: Date }): OfficialComponentStatusRow[] {
  const before = db
    .select()
    .from(cs)
    .where(and(eq(cs.componentId, params.componentId), lt(cs.observedAt, params.from)))
    .orderBy(desc(cs.observedAt), desc(cs.id))
    .limit(1)
    .get();
  const inside = db
    .select()
    .from(cs)
    .where(and(eq(cs.componentId, params.componentId), gte(cs.observedAt, params.from), lt(cs.observedAt, params.to)))
    .orderBy(asc(cs.observedAt), asc(cs.id))
    .all();
  return before ? [before, ...inside] : inside;
}

/**
 * Incidents whose [startedAt ?? createdAt, resolvedAt ?? +inf) overlaps [from, to), oldest start first, each with
 * its updates oldest first.
 */
export function getOfficialIncidentsRange(db: Conn, params: { from: Date; to: Date }): OfficialIncidentWithUpdates[] {
  const start = sql`coalesce(${officialIncidents.startedAt}, ${officialIncidents.createdAt})`;
  const incidents = db
    .select()
    .from(officialIncidents)
    .where(and(lt(start, params.to.getTime()), or(isNull(officialIncidents.resolvedAt), gt(officialIncidents.resolvedAt, params.from))))
    .orderBy(asc(start), asc(officialIncidents.id))
    .all();
  return withUpdates(db, incidents);
}

/** One incident with its updates oldest first, or null. */
export function getOfficialIncidentById(db: Conn, id: string): OfficialIncidentWithUpdates | null {
  const incident = db.select().from(officialIncidents).where(eq(officialIncidents.id, id)).get();
  return incident ? (withUpdates(db, [incident])[0] ?? null) : null;
}

function withUpdates(db: Conn, incidents: OfficialIncidentRow[]): OfficialIncidentWithUpdates[] {
  if (incidents.length === 0) return [];
  const updates = db
    .select()
    .from(officialIncidentUpdates)
    .where(inArray(officialIncidentUpdates.incidentId, incidents.map((i) => i.id)))
    .orderBy(asc(officialIncidentUpdates.createdAt), asc(officialIncidentUpdates.id))
    .all();
  return incidents.map((incident) => ({ ...incident, updates: updates.filter((u) => u.incidentId === incident.id) }));
}

/** The newest row of one component, by the (component_id, observed_at) index. */
export function getLatestComponentStatus(db: Conn, componentId: string): OfficialComponentStatusRow | null {
  return db.select().from(cs).where(eq(cs.componentId, componentId)).orderBy(desc(cs.observedAt), desc(cs.id)).limit(1).get() ?? null;
}

/**
 * The newest moment a document of the page was read and listed something: the newest incident sighting, or the
 * newest readable (not `unknown`) row of one of `componentIds`. Null when Witness has never read the page.
 */
export function getLastReadingAt(db: Conn, params: { componentIds: readonly string[] }): Date | null {
  const sighting = db.select({ at: sql<number | null>`max(${officialIncidents.lastSeenAt})` }).from(officialIncidents).get()?.at ?? null;
  // One row per component by the (component_id, observed_at) index, walked newest first.
  const readings = params.componentIds.map(
    (id) =>
      db
        .select({ at: sql<number>`${cs.observedAt}` })
        .from(cs)
        .where(and(eq(cs.componentId, id), ne(cs.reason, "unknown")))
        .orderBy(desc(cs.observedAt))
        .limit(1)
        .get()?.at ?? null,
  );
  const newest = Math.max(...[sighting, ...readings].filter((at): at is number => at !== null));
  return Number.isFinite(newest) ? new Date(newest) : null;
}
