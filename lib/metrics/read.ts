/**
 * What /metrics reports, read from the database the worker writes (the web process only reads). Where each figure
 * comes from, and why:
 *
 * - result counters and the total/TTFT histograms: the day rollups. They are written with every result (so they are
 *   current), never pruned (so a counter never goes down when raw results age out), and a 90-day database holds one
 *   row per series and day (about 720 rows), so a scrape costs milliseconds however large the raw table is;
 * - the TTFB histogram: raw results, since rollups do not keep TTFB. Read incrementally by row id per open database
 *   (seeded with the last TTFB_SEED_MS), so a scrape reads only the rows since the previous one;
 * - last outcome, measured and official state: the same StatusNow the JSON API serves (lib/dashboard/now.ts);
 * - alert deliveries: the alert_outbox table;
 * - ticks skipped for overlap: the writer lease row, where the worker puts its count with every heartbeat (5 s);
 * - the database file (writable, WAL size, warnings): lib/keep/storage-health.ts, at each scrape;
 * - each configured vantage (a hub's): the `vantages` table the ingest keeps, its state by lib/vantage/state.ts.
 */
import type { Config } from "@/lib/config";
import { getStatusNow } from "@/lib/dashboard/now";
import type { StatusNow } from "@/lib/dashboard/types";
import { addToHistogram, type Histogram } from "@/lib/keep/histogram";
import type { StorageHealth } from "@/lib/keep/storage-health";
import { vantageViews, type VantageView } from "@/lib/vantage/state";
import type { Db, OpenedDatabase } from "@/db/client";
import { LOCAL_VANTAGE } from "@/db/schema";
import { getRollupsRange } from "@/db/queries/rollups";
import { getVantageRows } from "@/db/queries/vantages";
import { getWriterLease } from "@/db/queries/writer-leases";
import { ERROR_CLASSES, OUTCOMES, type Outcome } from "@/probes/types";

/** The first scrape of a database counts this much of its raw TTFB history; later scrapes add what is new. */
export const TTFB_SEED_MS = 24 * 3_600_000;
/** Rows read per scrape at most, so one scrape after a long pause cannot stall the web process. */
const TTFB_BATCH = 100_000;

export interface SeriesTotals {
  outcomes: Record<Outcome, number>;
  errorClasses: Record<string, number>;
  totalMs: Histogram;
  ttftMs: Histogram;
}

export interface MetricsData {
  now: number;
  status: StatusNow;
  /** Per series, over every day rollup. */
  totals: Map<string, SeriesTotals>;
  /** Per series, raw TTFB values counted since this process first scraped this database. */
  ttfbMs: Map<string, Histogram>;
  outbox: { pending: number; failed: number };
  /** The worker holding the database now (its lease), or null when none does. */
  worker: { skippedTicks: number; heartbeatAt: number } | null;
  /** The database file: writable, its WAL, warnings (read at each scrape, outside the cache). */
  storage?: StorageHealth;
  /** Each configured vantage as the hub sees it, in config order; absent or empty when none is configured. */
  vantages?: VantageView[];
}

const EVER = { from: new Date(0), to: new Date(8.64e15) };
const KNOWN_CLASSES = new Set<string>(ERROR_CLASSES);

/** Sum every day rollup per series. Error classes outside the contract's list are dropped (labels are ours only). */
export function readTotals(db: Db): Map<string, SeriesTotals> {
  const totals = new Map<string, SeriesTotals>();
  for (const row of getRollupsRange(db, "day", EVER)) {
    let t = totals.get(row.series);
    if (!t) totals.set(row.series, (t = { outcomes: { up: 0, degraded: 0, down: 0, inconclusive: 0 }, errorClasses: {}, totalMs: {}, ttftMs: {} }));
    for (const o of OUTCOMES) t.outcomes[o] += row[o];
    for (const [k, n] of Object.entries(row.errorClassCounts)) if (KNOWN_CLASSES.has(k)) t.errorClasses[k] = (t.errorClasses[k] ?? 0) + n;
    mergeInto(t.totalMs, row.totalMsHistogram);
    mergeInto(t.ttftMs, row.ttftMsHistogram);
  }
  return totals;
}

function mergeInto(into: Histogram, from: Histogram): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

interface TtfbState {
  lastId: number;
  bySeries: Map<string, Histogram>;
}
// Per open handle (a restore or a reopen starts over), kept across Next's bundles like lib/web/cache.ts's entries.
const holder = globalThis as unknown as { __witnessTtfb?: WeakMap<OpenedDatabase, TtfbState> };
const ttfbStates = (holder.__witnessTtfb ??= new WeakMap());

/** The TTFB histograms of `store`, brought up to its newest row (see the file's comment). */
export function readTtfb(store: OpenedDatabase, now: number): Map<string, Histogram> {
  let state = ttfbStates.get(store);
  if (!state) {
    const first = store.sqlite.prepare("SELECT min(id) AS id FROM probe_results WHERE started_at >= ?").get(now - TTFB_SEED_MS) as { id: number | null };
    // Nothing in the seed window: start after the newest row, so only results from now on are counted.
    const after = first.id !== null ? first.id - 1 : (store.sqlite.prepare("SELECT coalesce(max(id), 0) AS id FROM probe_results").get() as { id: number }).id;
    state = { lastId: after, bySeries: new Map() };
    ttfbStates.set(store, state);
  }
  const rows = store.sqlite
    .prepare("SELECT id, vantage, series, ttfb_ms AS ttfb FROM probe_results WHERE id > ? ORDER BY id LIMIT ?")
    .all(state.lastId, TTFB_BATCH) as { id: number; vantage: string; series: string; ttfb: number | null }[];
  for (const r of rows) {
    state.lastId = r.id;
    // This install's own TTFB: a vantage's would mix another place's network into its histogram.
    if (r.ttfb === null || r.vantage !== LOCAL_VANTAGE) continue;
    let h = state.bySeries.get(r.series);
    if (!h) state.bySeries.set(r.series, (h = {}));
    addToHistogram(h, r.ttfb);
  }
  return state.bySeries;
}

/** Pending and failed alert deliveries. */
export function readOutbox(store: OpenedDatabase): { pending: number; failed: number } {
  const rows = store.sqlite.prepare("SELECT state, count(*) AS n FROM alert_outbox WHERE state IN ('pending', 'failed') GROUP BY state").all() as { state: string; n: number }[];
  const count = (state: string) => rows.find((r) => r.state === state)?.n ?? 0;
  return { pending: count("pending"), failed: count("failed") };
}

/** Everything one scrape reports. */
export function readMetrics(store: OpenedDatabase, config: Config, now: number, status: StatusNow = getStatusNow(store.db, config, now)): MetricsData {
  return { now, status, totals: readTotals(store.db), ttfbMs: readTtfb(store, now), outbox: readOutbox(store), worker: readWorker(store.db), vantages: readVantages(store.db, config, now) };
}

/** Every configured vantage now; nothing read when none is configured. */
export function readVantages(db: Db, config: Config, now: number): VantageView[] {
  return config.vantages.length === 0 ? [] : vantageViews(config, getVantageRows(db), now);
}

function readWorker(db: Db): MetricsData["worker"] {
  const lease = getWriterLease(db);
  return lease ? { skippedTicks: lease.skippedTicks, heartbeatAt: lease.heartbeatAt.getTime() } : null;
}
