/** Counts of conclusive results per series over a span: what the failure share (lib/judge/share.ts) is made of. */
import { and, eq, gte, inArray, lt, ne, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { LOCAL_VANTAGE, probeResults, rollupsMinute } from "@/db/schema";

type Reader = Pick<Db, "select">;

export interface SeriesCountRow {
  series: string;
  failed: number;
  total: number;
}

/**
 * From the raw results (exact to the result) in [from, to), for spans within raw retention: an incident's end is its
 * first success, which is not part of it. Served by (series, started_at).
 */
export function getSeriesCountsBetween(db: Reader, params: { series: readonly string[]; from: Date; to: Date }): SeriesCountRow[] {
  if (params.series.length === 0) return [];
  const r = probeResults;
  return db
    .select({ series: r.series, failed: sql<number>`sum(${r.outcome} in ('down', 'degraded'))`, total: sql<number>`count(*)` })
    .from(r)
    .where(and(eq(r.vantage, LOCAL_VANTAGE), inArray(r.series, [...params.series]), gte(r.startedAt, params.from), lt(r.startedAt, params.to), ne(r.outcome, "inconclusive")))
    .groupBy(r.series)
    .all();
}

/** From the minute rollups (whole minutes), for spans whose raw results were pruned. */
export function getSeriesRollupCountsBetween(db: Reader, params: { series: readonly string[]; from: Date; to: Date }): SeriesCountRow[] {
  if (params.series.length === 0) return [];
  const m = rollupsMinute;
  return db
    .select({ series: m.series, failed: sql<number>`sum(${m.down} + ${m.degraded})`, total: sql<number>`sum(${m.up} + ${m.degraded} + ${m.down})` })
    .from(m)
    .where(and(eq(m.vantage, LOCAL_VANTAGE), inArray(m.series, [...params.series]), gte(m.bucketStart, params.from), lt(m.bucketStart, params.to)))
    .groupBy(m.series)
    .all();
}
