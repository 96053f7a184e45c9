/**
 * Reads and writes of probe_results. Plain data access: what counts as "up", which window
 * a chart shows and when to prune are decided by the callers. Every read is of one vantage's rows, this install's own
 * (LOCAL_VANTAGE) unless another is named: a hub's pages keep a single install's meaning.
 */
import { and, asc, count, desc, eq, gt, gte, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type Database from "better-sqlite3";
import type { Db } from "@/db/client";
import { rawHandle } from "@/db/queries/rollups";
import { LOCAL_VANTAGE, probeResults, type NewProbeResultRow, type ProbeResultRow } from "@/db/schema";
import type { ProbeResult } from "@/probes/types";

/** A vantage's newest result of a series, as the hub's verdict reads it many times a render: its start and outcome. */
export interface NewestResult {
  startedAt: number;
  outcome: ProbeResultRow["outcome"];
  message: string | null;
}

const newestStatements = new WeakMap<Database.Database, Database.Statement>();

/**
 * The newest result of (vantage, series), or undefined: one prepared statement on the raw handle (drizzle's query
 * building was most of a hub's status render, 40 of these per surface). `db` must be the one from openDatabase(); a
 * caller inside a transaction passes that database, which reads the same connection.
 */
export function getNewestResult(db: Db, vantage: string, series: string): NewestResult | undefined {
  const sqlite = rawHandle(db);
  let statement = newestStatements.get(sqlite);
  if (statement === undefined) {
    statement = sqlite.prepare("SELECT started_at, outcome, message FROM probe_results WHERE vantage = ? AND series = ? ORDER BY started_at DESC LIMIT 1").raw();
    newestStatements.set(sqlite, statement);
  }
  const row = statement.get(vantage, series) as [number, ProbeResultRow["outcome"], string | null] | undefined;
  return row === undefined ? undefined : { startedAt: row[0], outcome: row[1], message: row[2] };
}

/** Db or a transaction on it; both insert the same way. */
type Inserter = Pick<Db, "insert">;

/** Stored rows carry a Date and `series`; the contract carries an ISO string and `probe`. */
export function probeResultToRow(result: ProbeResult): NewProbeResultRow {
  const startedAt = new Date(result.startedAt);
  // An unparseable time would be stored as NULL/NaN and vanish from every time-range query.
  if (Number.isNaN(startedAt.getTime())) {
    throw new Error(`ProbeResult ${result.probe} has an invalid startedAt: ${JSON.stringify(result.startedAt)}`);
  }
  const { probe, startedAt: _iso, ...rest } = result;
  return { ...rest, series: probe, startedAt };
}

/** Inverse of probeResultToRow; listed field by field so `id` and future columns never leak. */
export function rowToProbeResult(row: ProbeResultRow): ProbeResult {
  return {
    probe: row.series,
    kind: row.kind,
    model: row.model,
    startedAt: row.startedAt.toISOString(),
    outcome: row.outcome,
    errorClass: row.errorClass,
    httpStatus: row.httpStatus,
    dnsMs: row.dnsMs,
    connectMs: row.connectMs,
    tlsMs: row.tlsMs,
    ttfbMs: row.ttfbMs,
    ttftMs: row.ttftMs,
    totalMs: row.totalMs,
    outputTokens: row.outputTokens,
    tokensPerSecond: row.tokensPerSecond,
    requestId: row.requestId,
    message: row.message,
    details: row.details,
  };
}

/** Returns the new row id. */
export function insertProbeResult(db: Inserter, result: ProbeResult): number {
  const inserted = db
    .insert(probeResults)
    .values(probeResultToRow(result))
    .returning({ id: probeResults.id })
    .get();
  return inserted.id;
}

/**
 * A result as it is stored, this install's own (`receivedAt` null) or a vantage's at the hub: once per (vantage,
 * series, startedAt). Returns the new row id, or null when that result was stored before (a retried batch, a repeated
 * row): then nothing changed.
 */
export function insertVantageResult(db: Inserter, vantage: string, result: ProbeResult, receivedAt: Date | null): number | null {
  const inserted = db
    .insert(probeResults)
    .values({ ...probeResultToRow(result), vantage, receivedAt })
    .onConflictDoNothing({ target: [probeResults.vantage, probeResults.series, probeResults.startedAt] })
    .returning({ id: probeResults.id })
    .get();
  return inserted?.id ?? null;
}

/** Rows of this install's own results after `afterId`, in id order (what a vantage ships to its hub). */
export function getLocalResultsAfter(db: Db, params: { afterId: number; limit: number }): ProbeResultRow[] {
  return db
    .select()
    .from(probeResults)
    .where(and(eq(probeResults.vantage, LOCAL_VANTAGE), gt(probeResults.id, params.afterId)))
    .orderBy(asc(probeResults.id))
    .limit(params.limit)
    .all();
}

/** All or nothing, and one fsync instead of one per row. Returns ids in input order. */
export function insertProbeResults(db: Db, results: readonly ProbeResult[]): number[] {
  return db.transaction((tx) => results.map((result) => insertProbeResult(tx, result)));
}

/** One series from `since` (inclusive), oldest first; served by the (series, started_at) index. */
export function getResultsBySeriesSince(
  db: Db,
  params: { series: string; since: Date; limit?: number; vantage?: string },
): ProbeResultRow[] {
  const query = db
    .select()
    .from(probeResults)
    .where(and(eq(probeResults.vantage, params.vantage ?? LOCAL_VANTAGE), eq(probeResults.series, params.series), gte(probeResults.startedAt, params.since)))
    // id breaks ties so rows with the same millisecond keep insertion order.
    .orderBy(asc(probeResults.startedAt), asc(probeResults.id));
  return params.limit === undefined ? query.all() : query.limit(params.limit).all();
}

/** Newest first across all series. */
export function getLatestResults(db: Db, params: { limit: number }): ProbeResultRow[] {
  return db
    .select()
    .from(probeResults)
    .where(eq(probeResults.vantage, LOCAL_VANTAGE))
    .orderBy(desc(probeResults.startedAt), desc(probeResults.id))
    .limit(params.limit)
    .all();
}

/**
 * The newest result whose message does not start with `prefix`. Walks the started_at index from the newest row and
 * stops at the first match, so it costs as many rows as carry the prefix at the head of the table.
 */
export function getNewestResultWithoutPrefix(db: Db, params: { prefix: string }): ProbeResultRow | null {
  const { message } = probeResults;
  return (
    db
      .select()
      .from(probeResults)
      .where(and(eq(probeResults.vantage, LOCAL_VANTAGE), or(isNull(message), sql`substr(${message}, 1, ${params.prefix.length}) != ${params.prefix}`)))
      .orderBy(desc(probeResults.startedAt))
      .limit(1)
      .get() ?? null
  );
}

/** The first result started after `after` (any series), by the started_at index. */
export function getFirstResultAfter(db: Db, params: { after: Date }): ProbeResultRow | null {
  return db.select().from(probeResults).where(and(eq(probeResults.vantage, LOCAL_VANTAGE), gt(probeResults.startedAt, params.after))).orderBy(asc(probeResults.startedAt)).limit(1).get() ?? null;
}

/** Start times (epoch ms) of the results after `after`, newest first, at most `limit` (by the started_at index). */
export function getResultTimesSince(db: Db, params: { after: Date; limit: number }): number[] {
  return db
    .select({ at: probeResults.startedAt })
    .from(probeResults)
    .where(and(eq(probeResults.vantage, LOCAL_VANTAGE), gt(probeResults.startedAt, params.after)))
    .orderBy(desc(probeResults.startedAt))
    .limit(params.limit)
    .all()
    .map((r) => r.at.getTime());
}

/** Every stored result, of every vantage. */
export function countProbeResults(db: Db): number {
  const row = db.select({ n: count() }).from(probeResults).get();
  return row?.n ?? 0;
}

/** Delete up to `limit` results started before `before`; the started_at index finds them, so a batch costs its size. */
export function deleteResultsBefore(db: Db, before: Date, limit: number): number {
  const ids = db.select({ id: probeResults.id }).from(probeResults).where(lt(probeResults.startedAt, before)).limit(limit);
  return db.delete(probeResults).where(inArray(probeResults.id, ids)).run().changes;
}

/** The newest result of one series, by the (series, started_at) index. */
export function getLatestResultBySeries(db: Db, series: string, vantage: string = LOCAL_VANTAGE): ProbeResultRow | undefined {
  return db.select().from(probeResults).where(and(eq(probeResults.vantage, vantage), eq(probeResults.series, series))).orderBy(desc(probeResults.startedAt)).limit(1).get();
}
