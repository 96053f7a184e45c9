/**
 * MetricsData (lib/metrics/read.ts) as Prometheus text exposition, built with prom-client on a fresh Registry per
 * scrape: the global default registry would keep series of a surface or model that is no longer configured, and the
 * web process's own Node metrics are not what a status monitor's dashboard is about. Every name starts `witness_`;
 * label values are only our own identifiers (series, kind, model, surface id, vantage id, outcome, error class, state), never
 * a secret or the official page's text.
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { MeasuredState, OfficialState } from "@/lib/dashboard/types";
import { bucketValue, type Histogram } from "@/lib/keep/histogram";
import type { MetricsData } from "@/lib/metrics/read";
import { LEASE_STALE_MS } from "@/lib/keep/writer-lease";
import { VANTAGE_STATES, type VantageView } from "@/lib/vantage/state";
import { ERROR_CLASSES, OUTCOMES } from "@/probes/types";

/** Upper bounds (seconds) of the exported histograms: from a fast edge 401 to a stream near its 60 s deadline. */
export const BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;
const MEASURED_STATES: readonly MeasuredState[] = ["up", "degraded", "down", "nodata"];
const OFFICIAL_STATES: readonly OfficialState[] = ["operational", "degraded", "down", "maintenance", "unknown"];
const SERIES_LABELS = ["series", "kind", "model"] as const;

type SeriesLabels = Record<(typeof SERIES_LABELS)[number], string>;
const seriesLabels = (series: string): SeriesLabels => {
  const [kind, model] = series.split(":", 2);
  return { series, kind: kind ?? series, model: model ?? "" };
};

/** The exposition's content type (Prometheus text format 0.0.4). */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** The text a scrape returns. */
export async function renderMetrics(data: MetricsData): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const gauge = (name: string, help: string, labelNames: readonly string[] = []) => new Gauge({ name, help, labelNames, registers });

  const lastOutcome = gauge("witness_series_last_outcome", "1 for the outcome of the series' newest result, 0 for the others.", [...SERIES_LABELS, "outcome"]);
  const lastAt = gauge("witness_series_last_result_timestamp_seconds", "When the series' newest result started (Unix time).", SERIES_LABELS);
  const seriesState = gauge("witness_series_state", "1 for the series' measured state now (up, degraded, down, nodata), 0 for the others.", [...SERIES_LABELS, "state"]);
  for (const surface of data.status.surfaces) {
    for (const s of surface.series) {
      const labels = seriesLabels(s.series);
      for (const o of OUTCOMES) lastOutcome.set({ ...labels, outcome: o }, s.lastOutcome === o ? 1 : 0);
      if (s.lastAt !== null) lastAt.set(labels, s.lastAt / 1000);
      for (const st of MEASURED_STATES) seriesState.set({ ...labels, state: st }, s.state === st ? 1 : 0);
    }
  }

  const results = new Counter({ name: "witness_probe_results_total", help: "Stored probe results by outcome, over all rollups (never pruned).", labelNames: [...SERIES_LABELS, "outcome"], registers });
  const errors = new Counter({ name: "witness_probe_errors_total", help: "Stored probe results by error class (PRODUCT.md's table), over all rollups.", labelNames: [...SERIES_LABELS, "error_class"], registers });
  for (const [series, t] of data.totals) {
    const labels = seriesLabels(series);
    for (const o of OUTCOMES) results.inc({ ...labels, outcome: o }, t.outcomes[o]);
    for (const c of ERROR_CLASSES) if (t.errorClasses[c]) errors.inc({ ...labels, error_class: c }, t.errorClasses[c]);
  }
  registry.registerMetric(histogram("witness_probe_total_seconds", "Probe total time, from the day rollups' log-bucketed histograms (each bucket placed by its midpoint, within 5%).", [...data.totals].map(([s, t]) => [s, t.totalMs])));
  registry.registerMetric(histogram("witness_probe_ttft_seconds", "Time to first token of stream probes, from the day rollups' histograms (within 5%).", [...data.totals].filter(([, t]) => Object.keys(t.ttftMs).length > 0).map(([s, t]) => [s, t.ttftMs])));
  registry.registerMetric(histogram("witness_probe_ttfb_seconds", "Time to first byte, from raw results counted since this web process started (seeded with the last 24 h).", [...data.ttfbMs]));

  const measured = gauge("witness_surface_measured_state", "1 for the surface's measured state now, 0 for the others.", ["surface", "state"]);
  const official = gauge("witness_surface_official_state", "1 for what the official status page says of the surface now, 0 for the others.", ["surface", "state"]);
  const disagree = gauge("witness_surface_disagreement", "1 while the measured and official states disagree.", ["surface"]);
  const openOfficial = gauge("witness_surface_official_incidents_open", "Unresolved official incidents naming the surface's component.", ["surface"]);
  const failing = gauge("witness_surface_failure_ratio", "Share of the surface's requests that failed since its trouble began, as the page shows it (absent while it works).", ["surface"]);
  // A hub's verdict: which scope is failing now (none, global, regional, unconfirmed) and how many vantages count.
  const hub = data.status.surfaces.some((s) => s.verdict);
  const scope = hub ? gauge("witness_surface_verdict_scope", "A hub's verdict now: 1 for the widest scope failing (none, global, regional, unconfirmed), 0 for the others.", ["surface", "scope"]) : null;
  const eligible = hub ? gauge("witness_surface_vantages_counted", "Vantages the hub's verdict counts now for the surface (fresh, own network working, clock within tolerance).", ["surface"]) : null;
  for (const s of data.status.surfaces) {
    if (s.verdict && scope && eligible) {
      for (const sc of ["none", "global", "regional", "unconfirmed"]) scope.set({ surface: s.id, scope: sc }, (s.verdict.scope ?? "none") === sc ? 1 : 0);
      eligible.set({ surface: s.id }, s.verdict.eligible);
    }
    for (const st of MEASURED_STATES) measured.set({ surface: s.id, state: st }, s.measured === st ? 1 : 0);
    for (const st of OFFICIAL_STATES) official.set({ surface: s.id, state: st }, s.official === st ? 1 : 0);
    disagree.set({ surface: s.id }, s.disagreement === null ? 0 : 1);
    openOfficial.set({ surface: s.id }, s.officialIncidents.length);
    if (s.failureRatio !== null) failing.set({ surface: s.id }, s.failureRatio);
  }

  const last = data.status.lastResultAt;
  if (last !== null) {
    gauge("witness_worker_last_result_timestamp_seconds", "When the newest stored result of any series started (Unix time).").set(last / 1000);
    gauge("witness_worker_last_result_age_seconds", "Seconds since the newest stored result started: alert when it passes a few probe intervals.").set(Math.max(0, (data.now - last) / 1000));
  }
  gauge("witness_monitor_online", "0 while Witness cannot reach the internet (its results then say nothing about Claude).").set(data.status.monitor.online ? 1 : 0);
  const deliveries = gauge("witness_alert_deliveries", "Alert deliveries waiting to be sent (pending) or given up on (failed).", ["state"]);
  deliveries.set({ state: "pending" }, data.outbox.pending);
  deliveries.set({ state: "failed" }, data.outbox.failed);
  gauge("witness_worker_running", "1 while a worker holds this database's writer lease with a live heartbeat.").set(data.worker && data.now - data.worker.heartbeatAt <= LEASE_STALE_MS ? 1 : 0);
  if (data.worker) {
    gauge("witness_worker_heartbeat_age_seconds", "Seconds since the worker last renewed its writer lease (every 5 s while it runs).").set(Math.max(0, (data.now - data.worker.heartbeatAt) / 1000));
    new Counter({ name: "witness_worker_skipped_ticks_total", help: "Probe ticks the running worker skipped because the series' previous run was still going (since it started).", registers }).inc(data.worker.skippedTicks);
  }
  if (data.storage) {
    const { state, walBytes } = data.storage;
    gauge("witness_database_writable", "0 while the database file cannot be written (read-only or failing disk, another user's file): results are lost.").set(state === "not_writable" ? 0 : 1);
    gauge("witness_database_storage_warning", "1 while /api/health's storage.reason warns: a WAL past its bound behind a long reader, checkpoints failing, or not writable.").set(state === "ok" ? 0 : 1);
    if (walBytes !== null) gauge("witness_database_wal_bytes", "Size of the database's -wal file: it grows without bound while a reader holds an old snapshot.").set(walBytes);
  }
  if (data.vantages && data.vantages.length > 0) vantageMetrics(data.vantages, data.now, registers);
  return registry.metrics();
}

/** Per configured vantage (a hub's), labelled by its id only: its name is the operator's free text. */
function vantageMetrics(vantages: readonly VantageView[], now: number, registers: Registry[]): void {
  const gauge = (name: string, help: string, labelNames: readonly string[] = ["vantage"]) => new Gauge({ name, help, labelNames, registers });
  const up = gauge("witness_vantage_up", "1 for the vantage's state now (live, late, silent, auth_failing), 0 for the others.", ["vantage", "state"]);
  const batchAge = gauge("witness_vantage_last_batch_age_seconds", "Seconds since the hub last accepted a batch from the vantage (absent: never).");
  const resultAge = gauge("witness_vantage_newest_result_age_seconds", "Seconds since the newest result the vantage shipped started (absent: none yet).");
  const backlog = gauge("witness_vantage_backlog", "Results the vantage said it still had to send, with its last batch.");
  const skew = gauge("witness_vantage_clock_skew_seconds", "The vantage's clock minus the hub's, from its last batch's signed timestamp (positive: ahead).");
  const results = new Counter({ name: "witness_vantage_results_total", help: "Results the vantage shipped, by what the hub did with them: accepted (stored), duplicate (already stored), rejected.", labelNames: ["vantage", "disposition"], registers });
  const dropped = new Counter({ name: "witness_vantage_dropped_total", help: "Results the vantage dropped unsent after 7 days (the hub never had them), as it reports with each batch.", labelNames: ["vantage"], registers });
  for (const v of vantages) {
    const vantage = v.id;
    for (const state of VANTAGE_STATES) up.set({ vantage, state }, v.state === state ? 1 : 0);
    if (v.lastBatchAt !== null) batchAge.set({ vantage }, Math.max(0, (now - v.lastBatchAt) / 1000));
    if (v.newestResultAt !== null) resultAge.set({ vantage }, Math.max(0, (now - v.newestResultAt) / 1000));
    backlog.set({ vantage }, v.backlog);
    if (v.clockSkewMs !== null) skew.set({ vantage }, v.clockSkewMs / 1000);
    results.inc({ vantage, disposition: "accepted" }, v.accepted);
    results.inc({ vantage, disposition: "duplicate" }, v.duplicates);
    results.inc({ vantage, disposition: "rejected" }, v.rejected);
    dropped.inc({ vantage }, v.dropped);
  }
}

/**
 * A histogram whose bucket counts are already known (prom-client's Histogram only takes one observation at a time),
 * registered as a collector object: each log bucket of lib/keep/histogram.ts goes to the first bound at or above the value
 * it reports, and the sum is those values times their counts.
 */
function histogram(name: string, help: string, entries: [string, Histogram][]) {
  const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
  for (const [series, h] of entries) {
    const labels = seriesLabels(series);
    const counts = new Array<number>(BUCKETS_S.length).fill(0);
    let count = 0;
    let sum = 0;
    for (const [key, n] of Object.entries(h)) {
      const seconds = bucketValue(Number(key.slice(1))) / 1000;
      const slot = BUCKETS_S.findIndex((le) => seconds <= le);
      if (slot >= 0) counts[slot]! += n;
      count += n;
      sum += seconds * n;
    }
    let cumulative = 0;
    BUCKETS_S.forEach((le, i) => {
      cumulative += counts[i]!;
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
    });
    values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: "+Inf" }, value: count });
    values.push({ metricName: `${name}_sum`, labels, value: sum });
    values.push({ metricName: `${name}_count`, labels, value: count });
  }
  // The shape prom-client's Registry formats (name, help, type, get()); the cast spares the Metric class's internals.
  return { name, help, type: "histogram", get: () => ({ name, help, type: "histogram", values, aggregator: "sum" }) } as unknown as Counter;
}
