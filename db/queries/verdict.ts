/** A hub's verdict rows and the late evidence noted on them (lib/vantage/verdict.ts). */
import { and, asc, eq, gte, inArray, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { Db } from "@/db/client";
import { lateEvidence, measuredIncidents, VERDICT_VANTAGE, type LateEvidenceRow, type MeasuredIncidentRow } from "@/db/schema";

/** The published verdict incidents of a series overlapping [from, to]. */
export function getVerdictIncidentsOverlapping(db: Db, series: string, from: number, to: number): MeasuredIncidentRow[] {
  return db
    .select()
    .from(measuredIncidents)
    .where(
      and(
        eq(measuredIncidents.vantage, VERDICT_VANTAGE),
        eq(measuredIncidents.series, series),
        isNotNull(measuredIncidents.scope),
        lt(measuredIncidents.startedAt, new Date(to + 1)),
        or(isNull(measuredIncidents.endedAt), gte(measuredIncidents.endedAt, new Date(from))),
      ),
    )
    .orderBy(asc(measuredIncidents.startedAt))
    .all();
}

/** One note per (published incident, vantage's own incident): a replayed batch adds nothing. */
export function insertLateEvidence(db: Pick<Db, "insert">, row: Omit<LateEvidenceRow, "id">): void {
  db.insert(lateEvidence).values(row).onConflictDoNothing().run();
}

/** The late notes of these incidents, oldest report first. */
export function getLateEvidence(db: Db, incidentIds: readonly number[]): LateEvidenceRow[] {
  if (incidentIds.length === 0) return [];
  return db.select().from(lateEvidence).where(inArray(lateEvidence.incidentId, [...incidentIds])).orderBy(asc(lateEvidence.reportedAt), asc(lateEvidence.id)).all();
}
