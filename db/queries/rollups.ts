/**
 * Reads and writes of rollups_minute/hour/day, plus the raw reads that feed them. Plain data access: which
 * buckets to recompute and how they merge is decided in lib/keep/rollups.ts and lib/keep/rollup-writer.ts.
 * Ranges are half-open everywhere: `from` inclusive, `to` exclusive, like the buckets themselves. Every row is one
 * vantage's; reads are of this install's own (LOCAL_VANTAGE) unless a `vantage` is named.
 */
import { and, asc, eq, getTableColumns, getTableName, gte, inArray, lt, sql } from "drizzle-orm";
import type Database from "better-sqlite3";
import type { Db } from "@/db/client";
import { coverageHours, LOCAL_VANTAGE, probeResults, rollupsDay, rollupsHour, rollupsMinute, type CoverageHourRow, type ProbeResultRow, type RollupRow } from "@/db/schema";

/** Mirrors lib/keep/rollups.ts Granularity (db/ never imports lib/). */
export type RollupTable = "minute" | "hour" | "day";

const TABLES = { minute: rollupsMinute, hour: rollupsHour, day: rollupsDay } as const;

/** Db or a transaction on it. */
type Reader = Pick<Db, "select" | "selectDistinct">;
type Writer = Pick<Db, "insert">;

/** A rollup to store: this install's own (LOCAL_VANTAGE) unless it names its vantage. */
export type RollupWrite = Omit<RollupRow, "vantage"> & { vantage?: string };

/** Inserts the bucket, or replaces every column of the stored one: re-running a rollup never double-counts. */
export function upsertRollup(db: Writer, granularity: RollupTable, rollup: RollupWrite): void {
  const table = TABLES[granularity];
  // Built from the table's own columns, so a column added later cannot be left out of the replacement.
  const set = Object.fromEntries(
    Object.entries(getTableColumns(table))
      .filter(([key]) => key !== "vantage" && key !== "series" && key !== "bucketStart")
      .map(([key, column]) => [key, sql.raw(`excluded.${column.name}`)]),
  );
  db.insert(table)
    .values(rollup)
    .onConflictDoUpdate({ target: [table.vantage, table.series, table.bucketStart], set })
    .run();
}

/** One series' buckets starting in [from, to), oldest first. */
export function getRollupsBySeriesRange(
  db: Reader,
  granularity: RollupTable,
  params: { series: string; from: Date; to: Date; vantage?: string },
): RollupRow[] {
  const table = TABLES[granularity];
  return db
    .select()
    .from(table)
    .where(and(eq(table.vantage, params.vantage ?? LOCAL_VANTAGE), eq(table.series, params.series), gte(table.bucketStart, params.from), lt(table.bucketStart, params.to)))
    .orderBy(asc(table.bucketStart))
    .all();
}

/** Buckets starting in [from, to) of every series, or of the listed ones; by series, then oldest first. */
export function getRollupsRange(
  db: Reader,
  granularity: RollupTable,
  params: { from: Date; to: Date; series?: readonly string[]; vantage?: string },
): RollupRow[] {
  const table = TABLES[granularity];
  if (params.series?.length === 0) return [];
  return db
    .select()
    .from(table)
    .where(
      and(
        eq(table.vantage, params.vantage ?? LOCAL_VANTAGE),
        gte(table.bucketStart, params.from),
        lt(table.bucketStart, params.to),
        params.series === undefined ? undefined : inArray(table.series, [...params.series]),
      ),
    )
    .orderBy(asc(table.series), asc(table.bucketStart))
    .all();
}

/** Every series that has a day rollup, sorted; the day table is the smallest that has them all. */
export function getSeriesNames(db: Reader): string[] {
  return db
    .selectDistinct({ series: rollupsDay.series })
    .from(rollupsDay)
    .where(eq(rollupsDay.vantage, LOCAL_VANTAGE))
    .orderBy(asc(rollupsDay.series))
    .all()
    .map((row) => row.series);
}

/** One series' raw results started in [from, to), oldest first, id breaking ties (the order rollups fold in). */
export function getResultsForBucket(db: Reader, params: { series: string; from: Date; to: Date; vantage?: string }): ProbeResultRow[] {
  return db
    .select()
    .from(probeResults)
    .where(
      and(
        eq(probeResults.vantage, params.vantage ?? LOCAL_VANTAGE),
        eq(probeResults.series, params.series),
        gte(probeResults.startedAt, params.from),
        lt(probeResults.startedAt, params.to),
      ),
    )
    .orderBy(asc(probeResults.startedAt), asc(probeResults.id))
    .all();
}

// ---- Bulk: prepared statements on the raw handle, for rebuilding millions of rows ----------------------------

/**
 * The raw columns a rollup reads, as stored (times in epoch ms), as a positional row: better-sqlite3 builds
 * arrays about twice as fast as keyed objects, which is most of a million-row rebuild's reading time.
 */
export type RawResultForRollup = readonly [
  vantage: string,
  series: string,
  id: number,
  startedAt: number,
  outcome: ProbeResultRow["outcome"],
  errorClass: ProbeResultRow["errorClass"],
  totalMs: number | null,
  ttftMs: number | null,
  tokensPerSecond: number | null,
  ttfbMs: number | null,
];

export interface RollupBulkStatements {
  /**
   * Up to `limit` results of every vantage and series after (afterStartedAt, afterId) and before `before`, ordered by
   * (started_at, id). Page by passing the last row's pair back; the connection is busy until the iterator ends.
   */
  iterateResultsPage(params: {
    afterStartedAt: number;
    afterId: number;
    before: number;
    limit: number;
  }): IterableIterator<RawResultForRollup>;
  /** Same contract as upsertRollup, without drizzle's per-call query building. */
  upsertRollup(granularity: RollupTable, rollup: RollupWrite): void;
  /** How many buckets of one series start in [from, to). */
  countRollups(granularity: RollupTable, params: { series: string; from: number; to: number; vantage?: string }): number;
  /** Same contract as upsertCoverageHour. */
  upsertCoverageHour(row: CoverageHourRow): void;
}

/** Prepares once; the statements stay valid as long as the connection is open. */
export function prepareRollupBulkStatements(db: Db): RollupBulkStatements {
  const sqlite = rawHandle(db);
  // Time order walks the started_at index in step with the table (rows are inserted as they happen), so the
  // table reads are nearly sequential; per series, it is the same (started_at, id) order updates fold in.
  const page = sqlite.prepare(
    `SELECT vantage, series, id, started_at, outcome, error_class, total_ms, ttft_ms, tokens_per_second, ttfb_ms
     FROM probe_results
     WHERE (started_at, id) > (?, ?) AND started_at < ?
     ORDER BY started_at, id LIMIT ?`,
  ).raw();
  const upserts = mapTables((name) =>
    sqlite.prepare(
      `INSERT INTO ${name} (vantage, series, bucket_start, up, degraded, down, inconclusive, error_class_counts,
         total_ms_histogram, ttft_ms_histogram, tokens_per_second_sum, tokens_per_second_count, ttfb_ms_histogram)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (vantage, series, bucket_start) DO UPDATE SET up = excluded.up, degraded = excluded.degraded,
         down = excluded.down, inconclusive = excluded.inconclusive, error_class_counts = excluded.error_class_counts,
         total_ms_histogram = excluded.total_ms_histogram, ttft_ms_histogram = excluded.ttft_ms_histogram,
         tokens_per_second_sum = excluded.tokens_per_second_sum,
         tokens_per_second_count = excluded.tokens_per_second_count, ttfb_ms_histogram = excluded.ttfb_ms_histogram`,
    ),
  );
  const coverage = sqlite.prepare(
    `INSERT INTO coverage_hours (vantage, series, bucket_start, first_at, last_at, last_conclusive, gap_ms, covered)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (vantage, series, bucket_start) DO UPDATE SET first_at = excluded.first_at, last_at = excluded.last_at,
       last_conclusive = excluded.last_conclusive, gap_ms = excluded.gap_ms, covered = excluded.covered`,
  );
  const counts = mapTables((name) =>
    sqlite.prepare(`SELECT count(*) FROM ${name} WHERE vantage = ? AND series = ? AND bucket_start >= ? AND bucket_start < ?`).pluck(),
  );

  return {
    iterateResultsPage: (p) =>
      page.iterate(p.afterStartedAt, p.afterId, p.before, p.limit) as IterableIterator<RawResultForRollup>,
    upsertRollup: (granularity, r) => {
      // JSON.stringify is what drizzle's json mode stores, so both writers produce the same bytes.
      upserts[granularity].run(
        r.vantage ?? LOCAL_VANTAGE,
        r.series,
        r.bucketStart.getTime(),
        r.up,
        r.degraded,
        r.down,
        r.inconclusive,
        JSON.stringify(r.errorClassCounts),
        JSON.stringify(r.totalMsHistogram),
        JSON.stringify(r.ttftMsHistogram),
        r.tokensPerSecondSum,
        r.tokensPerSecondCount,
        JSON.stringify(r.ttfbMsHistogram),
      );
    },
    countRollups: (granularity, p) => counts[granularity].get(p.vantage ?? LOCAL_VANTAGE, p.series, p.from, p.to) as number,
    // Booleans as 1/0 and JSON.stringify, as drizzle's modes store them: both writers leave the same bytes.
    upsertCoverageHour: (r) =>
      coverage.run(r.vantage ?? LOCAL_VANTAGE, r.series, r.bucketStart.getTime(), r.firstAt.getTime(), r.lastAt.getTime(), r.lastConclusive ? 1 : 0, r.gapMs, JSON.stringify(r.covered)),
  };
}

/**
 * drizzle() sets `$client` on every database it creates, but db/client.ts's `Db` type leaves it out;
 * reading it here keeps callers on the one `Db` handle instead of threading the raw one through.
 */
/** One series' hour rollups of one vantage since `from`, as a hub's per-vantage table adds them up. */
export interface HourCounts {
  up: number;
  conclusive: number;
  ttfbMs: Record<string, number>[];
  ttftMs: Record<string, number>[];
}

const hourStatements = new WeakMap<Database.Database, Database.Statement>();

/** Read positionally on one prepared statement: a hub's status reads this per vantage and series on every render. */
export function getHourCounts(db: Db, params: { vantage: string; series: string; from: Date }): HourCounts {
  const sqlite = rawHandle(db);
  let statement = hourStatements.get(sqlite);
  if (statement === undefined) {
    statement = sqlite.prepare("SELECT up, degraded, down, ttfb_ms_histogram, ttft_ms_histogram FROM rollups_hour WHERE vantage = ? AND series = ? AND bucket_start >= ?").raw();
    hourStatements.set(sqlite, statement);
  }
  const out: HourCounts = { up: 0, conclusive: 0, ttfbMs: [], ttftMs: [] };
  for (const [up, degraded, down, ttfb, ttft] of statement.all(params.vantage, params.series, params.from.getTime()) as [number, number, number, string, string][]) {
    out.up += up;
    out.conclusive += up + degraded + down;
    if (ttfb !== "{}") out.ttfbMs.push(JSON.parse(ttfb) as Record<string, number>);
    if (ttft !== "{}") out.ttftMs.push(JSON.parse(ttft) as Record<string, number>);
  }
  return out;
}

export function rawHandle(db: Db): Database.Database {
  const client = (db as Db & { $client?: Database.Database }).$client;
  if (client === undefined) {
    throw new Error("This Db has no better-sqlite3 handle ($client), e.g. a transaction; pass the Db from openDatabase()");
  }
  return client;
}

function mapTables<T>(make: (name: string) => T): Record<RollupTable, T> {
  return {
    minute: make(getTableName(TABLES.minute)),
    hour: make(getTableName(TABLES.hour)),
    day: make(getTableName(TABLES.day)),
  };
}

// ---- Coverage: which minutes of each hour a series measured (lib/judge/coverage.ts decides) -------------------------

/** Inserts the hour, or replaces every column of the stored one. */
export function upsertCoverageHour(db: Writer, row: CoverageHourRow): void {
  const { vantage: _vantage, series: _series, bucketStart: _start, ...set } = row;
  db.insert(coverageHours).values(row).onConflictDoUpdate({ target: [coverageHours.vantage, coverageHours.series, coverageHours.bucketStart], set }).run();
}

/** A coverage_hours row with its times as epoch ms: a 90-day read is thousands of rows, and Dates are not needed. */
export type CoverageHourMs = Omit<CoverageHourRow, "bucketStart" | "firstAt" | "lastAt"> & { bucketStart: number; firstAt: number; lastAt: number };

type CoverageStatements = { range: Database.Statement; before: Database.Statement };
const coverageStatements = new WeakMap<Database.Database, CoverageStatements>();

/**
 * One series' newest hour starting before `from` (its last result may reach past `from`), then its hours starting
 * in [from, to), oldest first. Read positionally on prepared statements: a 90-day page reads thousands of these and
 * drizzle's per-row mapping was most of the time. Equal `covered` texts (nearly every hour is `[[0,60]]`) share one
 * parsed array, which callers must not change.
 */
export function getSeriesCoverageWithCarry(db: Db, params: { series: string; from: number; to: number; vantage?: string }): CoverageHourMs[] {
  const sqlite = rawHandle(db);
  let statements = coverageStatements.get(sqlite);
  if (statements === undefined) {
    const columns = "vantage, series, bucket_start, first_at, last_at, last_conclusive, gap_ms, covered";
    statements = {
      range: sqlite.prepare(`SELECT ${columns} FROM coverage_hours WHERE vantage = ? AND series = ? AND bucket_start >= ? AND bucket_start < ? ORDER BY bucket_start`).raw(),
      before: sqlite.prepare(`SELECT ${columns} FROM coverage_hours WHERE vantage = ? AND series = ? AND bucket_start < ? ORDER BY bucket_start DESC LIMIT 1`).raw(),
    };
    coverageStatements.set(sqlite, statements);
  }
  const parsed = new Map<string, [number, number][]>();
  const toRow = (r: unknown[]): CoverageHourMs => {
    const text = r[7] as string;
    let covered = parsed.get(text);
    if (covered === undefined) parsed.set(text, (covered = JSON.parse(text) as [number, number][]));
    return { vantage: r[0] as string, series: r[1] as string, bucketStart: r[2] as number, firstAt: r[3] as number, lastAt: r[4] as number, lastConclusive: r[5] === 1, gapMs: r[6] as number, covered };
  };
  const vantage = params.vantage ?? LOCAL_VANTAGE;
  const before = statements.before.get(vantage, params.series, params.from) as unknown[] | undefined;
  const inside = (statements.range.all(vantage, params.series, params.from, params.to) as unknown[][]).map(toRow);
  return before ? [toRow(before), ...inside] : inside;
}

/** One series' raw results started in [from, to) as (startedAt ms, outcome), in the order rollups fold them. */
export function getResultOutcomesForBucket(db: Reader, params: { series: string; from: Date; to: Date; vantage?: string }): { at: number; outcome: ProbeResultRow["outcome"] }[] {
  return db
    .select({ at: sql<number>`${probeResults.startedAt}`, outcome: probeResults.outcome })
    .from(probeResults)
    .where(and(eq(probeResults.vantage, params.vantage ?? LOCAL_VANTAGE), eq(probeResults.series, params.series), gte(probeResults.startedAt, params.from), lt(probeResults.startedAt, params.to)))
    .orderBy(asc(probeResults.startedAt), asc(probeResults.id))
    .all();
}
