/** Latency, TTFT and failure rate over a window from rollups, with official non-operational spans as bands. */
import type { Config } from "@/lib/config";
import type { ChartPoint, Charts, ChartWindow, ModelComparison, OfficialBand, OfficialState, SeriesChart, SurfaceCharts } from "@/lib/dashboard/types";
import { readOfficialStates, readOfficialViews, seriesOfSurface, WINDOWS } from "@/lib/judge/report";
import { mergeRollups, rollupStats, type Rollup } from "@/lib/keep/rollups";
import { alignToMinute, MINUTE, O } from "@/lib/judge/timeline";
import type { Db } from "@/db/client";
import { getRollupsRange, getSeriesNames } from "@/db/queries/rollups";

/** Which rollup table feeds a window, and how wide a chart point is: about 100–170 points whatever the window. */
const PLAN: Record<ChartWindow, { table: "minute" | "hour" | "day"; bucketMs: number }> = {
  "24h": { table: "minute", bucketMs: 10 * MINUTE },
  "7d": { table: "hour", bucketMs: 60 * MINUTE },
  "30d": { table: "hour", bucketMs: 6 * 60 * MINUTE },
  "90d": { table: "day", bucketMs: 24 * 60 * MINUTE },
};
const OFFICIAL: OfficialState[] = ["unknown", "operational", "degraded", "down", "maintenance"];

export function isChartWindow(value: string): value is ChartWindow {
  return Object.hasOwn(PLAN, value);
}

/** Charts for every surface and the per-model comparison over `window`. */
export function getCharts(db: Db, config: Config, window: ChartWindow, now: number): Charts {
  const { table, bucketMs } = PLAN[window];
  const to = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  const from = to - Math.ceil(WINDOWS[window] / bucketMs) * bucketMs;
  const rollups = getRollupsRange(db, table, { from: new Date(from), to: new Date(to) });
  const bySeries = groupBy(rollups, (r) => r.series);
  const allSeries = getSeriesNames(db);
  // Charts need only what the page claimed (for the bands), not the measured timeline the daily bars compute.
  const span = { from: alignToMinute(from), to: Math.min(to, now) };
  const official = readOfficialViews(db, config, span);
  const surfaces = config.surfaces.map((surface): SurfaceCharts => {
    const series: SeriesChart[] = seriesOfSurface(config, surface, allSeries).map((s) => ({ series: s, points: points(bySeries.get(s) ?? [], from, to, bucketMs) }));
    const states = readOfficialStates(db, config, surface, span, now, official);
    const read = states.findIndex((state) => state !== O.unknown);
    return { id: surface.id, name: surface.name, series, bands: bands(states, span.from), officialReadFrom: read === -1 ? null : span.from + read * MINUTE, officialTo: span.to };
  });
  return { window, from, to, bucketMs, surfaces, models: compareModels(bySeries) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(key(item));
    if (list) list.push(item);
    else map.set(key(item), [item]);
  }
  return map;
}

/** One point per bucket, merging the rollups inside it (histograms merge, so percentiles stay true). */
function points(rollups: readonly Rollup[], from: number, to: number, bucketMs: number): ChartPoint[] {
  const buckets = groupBy(rollups, (r) => String(Math.floor(r.bucketStart.getTime() / bucketMs) * bucketMs));
  const out: ChartPoint[] = [];
  for (let t = from; t < to; t += bucketMs) {
    const inside = buckets.get(String(t));
    if (!inside) {
      out.push({ t, p50: null, p95: null, ttftP50: null, ttftP95: null, failureRate: null, count: 0, conclusive: 0 });
      continue;
    }
    const merged = mergeRollups("", new Date(t), inside);
    const stats = rollupStats(merged);
    const conclusive = merged.up + merged.degraded + merged.down;
    out.push({ t, p50: stats.p50Ms, p95: stats.p95Ms, ttftP50: stats.ttftP50Ms, ttftP95: stats.ttftP95Ms, failureRate: stats.failureRatio, count: stats.total, conclusive });
  }
  return out;
}

/** Runs of minutes in which the page said anything but operational (or could not be read). */
function bands(states: Uint8Array, from: number): OfficialBand[] {
  const out: OfficialBand[] = [];
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    if (state === O.operational) continue;
    const last = out.at(-1);
    const at = from + i * MINUTE;
    if (last && last.to === at && last.state === OFFICIAL[state]) last.to = at + MINUTE;
    else out.push({ from: at, to: at + MINUTE, state: OFFICIAL[state]! });
  }
  return out;
}

/** Per model over the window: TTFT from its stream series, tokens/s, failure rate and mix across its series. */
function compareModels(bySeries: Map<string, Rollup[]>): ModelComparison[] {
  const models = groupBy([...bySeries.entries()].filter(([series]) => series.includes(":")), ([series]) => series.split(":")[1]!);
  return [...models.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([model, entries]) => {
      const merged = mergeRollups(model, new Date(0), entries.flatMap(([, rollups]) => rollups));
      const stats = rollupStats(merged);
      return { model, ttftP50: stats.ttftP50Ms, ttftP95: stats.ttftP95Ms, tokensPerSecond: stats.tokensPerSecond, failureRate: stats.failureRatio, results: stats.total, errorMix: merged.errorClassCounts };
    });
}
