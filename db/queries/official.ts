/**
 * Reads and writes of the official-page tables. Plain data access: when a row is a change or a heartbeat, what
 * "unknown" means and how statuses compare are decided in lib/judge/official.ts.
 */
import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "@/db/client";
import {
  officialComponentStatuses,
  officialIncidents,
  officialIncidentUpdates,
  officialMaintenances,
  officialPayloads,
  officialReads,
  type OfficialComponentStatusRow,
  type OfficialIncidentRow,
  type OfficialIncidentUpdateRow,
} from "@/db/schema";

/** Db or a transaction on it. */
type Conn = Pick<Db, "insert" | "select" | "update" | "run" | "all">;

export type NewOfficialComponentStatusRow = typeof officialComponentStatuses.$inferInsert;
export type NewOfficialIncidentRow = typeof officialIncidents.$inferInsert;
export type NewOfficialIncidentUpdateRow = typeof officialIncidentUpdates.$inferInsert;
export type NewOfficialMaintenanceRow = typeof officialMaintenances.$inferInsert;
export type OfficialPayloadRow = typeof officialPayloads.$inferSelect;
export type NewOfficialPayloadRow = typeof officialPayloads.$inferInsert;
export type OfficialIncidentWithUpdates = OfficialIncidentRow & { updates: OfficialIncidentUpdateRow[] };
export type OfficialReadRow = typeof officialReads.$inferSelect;

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

/** Insert or refresh many incidents by Statuspage id in one statement; firstSeenAt keeps the value of the first insert. */
export function upsertOfficialIncidents(db: Conn, rows: readonly NewOfficialIncidentRow[]): number {
  // Listing times are written by markIncidentsListed alone: an upsert from incidents.json must not clear them.
  return upsertRows(db, officialIncidents, rows, ["firstSeenAt", "firstListedAt", "lastListedAt"]);
}

/** A readable summary.json listed these incidents at `at`: the first listing is kept, the last moves. */
export function markIncidentsListed(db: Conn, ids: readonly string[], at: Date): void {
  if (ids.length === 0) return;
  const i = officialIncidents;
  db.update(i).set({ firstListedAt: sql`coalesce(${i.firstListedAt}, ${at.getTime()})`, lastListedAt: at }).where(inArray(i.id, [...ids])).run();
}

/** Record a reading of one of the page's documents (`ok`: it was readable). */
export function recordOfficialRead(db: Conn, endpoint: string, at: Date, ok: boolean): void {
  db.insert(officialReads)
    .values({ endpoint, lastReadAt: at, lastOkAt: ok ? at : null })
    .onConflictDoUpdate({ target: officialReads.endpoint, set: ok ? { lastReadAt: at, lastOkAt: at } : { lastReadAt: at } })
    .run();
}

/** When each document was last read and last read readable. */
export function getOfficialReads(db: Conn): Map<string, OfficialReadRow> {
  return new Map(db.select().from(officialReads).all().map((r) => [r.endpoint, r]));
}

/** Insert or refresh each update by its Statuspage id; returns the rows actually written. */
export function upsertIncidentUpdates(db: Conn, rows: readonly NewOfficialIncidentUpdateRow[]): number {
  return upsertRows(db, officialIncidentUpdates, rows, ["firstSeenAt"]);
}

/** Insert or refresh maintenances by Statuspage id in one statement; firstSeenAt keeps the value of the first insert. */
export function upsertMaintenances(db: Conn, rows: readonly NewOfficialMaintenanceRow[]): number {
  return upsertRows(db, officialMaintenances, rows, ["firstSeenAt"]);
}

/** The stored incidents among `ids`, without their updates. */
export function getOfficialIncidentsByIds(db: Conn, ids: readonly string[]): OfficialIncidentRow[] {
  return ids.length === 0 ? [] : db.select().from(officialIncidents).where(inArray(officialIncidents.id, [...ids])).all();
}

/** Those of `updateIds` not stored yet, by one primary-key lookup each. */
export function getMissingUpdateIds(db: Conn, updateIds: readonly string[]): Set<string> {
  if (updateIds.length === 0) return new Set();
  const u = officialIncidentUpdates;
  const rows = db.all<{ id: string }>(sql`select value as id from json_each(${JSON.stringify(updateIds)}) where not exists (select 1 from ${u} where ${u.id} = value)`);
  return new Set(rows.map((r) => r.id));
}

/** Record that the page still lists these incidents, without rewriting them; `listed`: in its summary (see markIncidentsListed). */
export function touchOfficialIncidents(db: Conn, ids: readonly string[], lastSeenAt: Date, opts: { listed?: boolean } = {}): void {
  if (ids.length === 0) return;
  const i = officialIncidents;
  const listing = opts.listed ? { firstListedAt: sql`coalesce(${i.firstListedAt}, ${lastSeenAt.getTime()})`, lastListedAt: lastSeenAt } : {};
  db.update(i).set({ lastSeenAt, ...listing }).where(inArray(i.id, [...ids])).run();
}

/** The sha256 of an endpoint's most recently stored payload, or null; the body itself is not read. */
export function getLatestPayloadSha(db: Conn, endpoint: string): string | null {
  const row = db
    .select({ sha256: officialPayloads.sha256 })
    .from(officialPayloads)
    .where(eq(officialPayloads.endpoint, endpoint))
    .orderBy(desc(officialPayloads.fetchedAt), desc(officialPayloads.id))
    .limit(1)
    .get();
  return row?.sha256 ?? null;
}

/** Every endpoint that has a stored payload. */
export function getPayloadEndpoints(db: Pick<Db, "selectDistinct">): string[] {
  return db.selectDistinct({ endpoint: officialPayloads.endpoint }).from(officialPayloads).all().map((r) => r.endpoint);
}

/**
 * Delete up to `limit` payloads of `endpoint` that are older than `before` or not among its newest `keep`, by the
 * (endpoint, fetched_at) index; returns how many.
 */
export function deletePayloadsBeyond(db: Pick<Db, "run" | "select">, params: { endpoint: string; keep: number; before: Date; limit: number }): number {
  const p = officialPayloads;
  const newest = db.select({ id: p.id }).from(p).where(eq(p.endpoint, params.endpoint)).orderBy(desc(p.fetchedAt), desc(p.id)).limit(params.keep);
  const doomed = db
    .select({ id: p.id })
    .from(p)
    .where(and(eq(p.endpoint, params.endpoint), or(lt(p.fetchedAt, params.before), sql`${p.id} NOT IN ${newest}`)))
    .limit(params.limit);
  return db.run(sql`DELETE FROM ${p} WHERE ${p.id} IN ${doomed}`).changes;
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

/** The component's newest row observed at or before `at` (by the component/observed index), or null. */
export function getComponentStatusAt(db: Conn, componentId: string, at: Date): OfficialComponentStatusRow | null {
  return db.select().from(cs).where(and(eq(cs.componentId, componentId), lte(cs.observedAt, at))).orderBy(desc(cs.observedAt), desc(cs.id)).limit(1).get() ?? null;
}

/**
 * Insert or refresh rows by their `id` in one statement: SQLite walks a JSON array of the rows, so a thousand rows
 * cost one statement to prepare instead of a thousand (drizzle prepares each insert anew, ~0.2 ms apiece). Values
 * go through drizzle's own column encoders, as in a plain insert. Columns in `keep` hold their first value, and a
 * row equal to the stored one is left alone, so an unchanged page rewrites nothing. Returns the rows written.
 */
function upsertRows(db: Conn, table: SQLiteTable, rows: readonly object[], keep: readonly string[] = []): number {
  if (rows.length === 0) return 0;
  const columns = Object.entries(getTableColumns(table));
  const encoded = rows.map((row) =>
    columns.map(([key, column]) => {
      const value = (row as Record<string, unknown>)[key];
      return value === null || value === undefined ? null : column.mapToDriverValue(value);
    }),
  );
  const name = (i: number) => `"${columns[i]![1].name}"`;
  const all = columns.map((_, i) => i);
  const refreshed = all.filter((i) => columns[i]![0] !== "id" && !keep.includes(columns[i]![0]));
  const list = (indexes: number[], as: (i: number) => string) => sql.raw(indexes.map(as).join(", "));
  // `where true` tells SQLite's parser that the ON CONFLICT belongs to the INSERT, not to a join.
  const statement = sql`insert into ${table} (${list(all, name)}) select ${list(all, (i) => `value ->> ${i}`)} from json_each(${JSON.stringify(encoded)}) where true
    on conflict ("id") do update set ${list(refreshed, (i) => `${name(i)} = excluded.${name(i)}`)}
    where (${list(refreshed, name)}) is not (${list(refreshed, (i) => `excluded.${name(i)}`)})`;
  return db.run(statement).changes;
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
