/**
 * Reads and writes of measured incidents and the detector state behind them. Reads are of published incidents (those
 * with a scope): a single install's own, or a hub's verdict rows. A vantage's own incidents at a hub (no scope) are
 * evidence, which the verdict reads apart (lib/vantage/verdict.ts).
 */
import { and, asc, eq, gte, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { detectorStates, LOCAL_VANTAGE, measuredIncidents, rollupsMinute, type MeasuredIncidentRow, type NewMeasuredIncidentRow, type Scope } from "@/db/schema";

/** The published incidents of these scopes; null: every scope. Accountability, grade, feeds and badges read `global`. */
function published(scopes: readonly Scope[] | null) {
  return scopes === null ? isNotNull(measuredIncidents.scope) : inArray(measuredIncidents.scope, [...scopes]);
}

type Writer = Pick<Db, "insert" | "update">;

/** Returns the new row id. */
export function insertMeasuredIncident(db: Writer, row: NewMeasuredIncidentRow): number {
  return db.insert(measuredIncidents).values(row).returning({ id: measuredIncidents.id }).get().id;
}

export function updateMeasuredIncident(db: Writer, id: number, row: Partial<NewMeasuredIncidentRow>): void {
  db.update(measuredIncidents).set(row).where(eq(measuredIncidents.id, id)).run();
}

/** Incidents of the given surfaces overlapping [from, to): started before `to`, and open or ended after `from`. */
export function getMeasuredIncidentsRange(db: Db, params: { surfaces?: string[]; from: Date; to: Date; scopes?: readonly Scope[] | null }): MeasuredIncidentRow[] {
  return db
    .select()
    .from(measuredIncidents)
    .where(
      and(
        published(params.scopes === undefined ? ["global"] : params.scopes),
        params.surfaces ? inArray(measuredIncidents.surface, params.surfaces) : undefined,
        lt(measuredIncidents.startedAt, params.to),
        or(isNull(measuredIncidents.endedAt), gte(measuredIncidents.endedAt, params.from)),
      ),
    )
    .orderBy(asc(measuredIncidents.startedAt), asc(measuredIncidents.id))
    .all();
}

export function getOpenMeasuredIncidents(db: Db, scopes: readonly Scope[] | null = ["global"]): MeasuredIncidentRow[] {
  return db.select().from(measuredIncidents).where(and(published(scopes), isNull(measuredIncidents.endedAt))).all();
}

/** A published incident of any scope. */
export function getMeasuredIncidentById(db: Db, id: number): MeasuredIncidentRow | undefined {
  return db.select().from(measuredIncidents).where(and(published(null), eq(measuredIncidents.id, id))).get();
}

/** Every vantage's detector states (the recorder keeps one per vantage and series). */
export function getDetectorStates(db: Db): { vantage: string; series: string; state: unknown }[] {
  return db.select({ vantage: detectorStates.vantage, series: detectorStates.series, state: detectorStates.state }).from(detectorStates).all();
}

export function saveDetectorState(db: Pick<Db, "insert">, series: string, state: unknown, at: Date, vantage: string = LOCAL_VANTAGE): void {
  db.insert(detectorStates)
    .values({ vantage, series, state, updatedAt: at })
    .onConflictDoUpdate({ target: [detectorStates.vantage, detectorStates.series], set: { state, updatedAt: at } })
    .run();
}

/** Distinct minutes in [from, to) with at least one result of any of the series: what Witness covered. */
export function getCoveredMinutes(db: Db, params: { series: string[]; from: Date; to: Date }): number[] {
  if (params.series.length === 0) return [];
  return db
    .selectDistinct({ at: sql<number>`${rollupsMinute.bucketStart}` })
    .from(rollupsMinute)
    .where(and(eq(rollupsMinute.vantage, LOCAL_VANTAGE), inArray(rollupsMinute.series, params.series), gte(rollupsMinute.bucketStart, params.from), lt(rollupsMinute.bucketStart, params.to)))
    .all()
    .map((r) => r.at);
}
