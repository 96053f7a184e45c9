/**
 * The figures /charts prints beside each chart, as sentences. Only conclusive results count: an inconclusive one (our
 * network, our key, a bot wall) neither failed nor succeeded, so a window of them has no failure rate and no latency.
 * And the official page is spoken for only over the minutes Witness was reading it.
 */
import { formatChartTime, formatDuration, formatMs, formatPercent, formatUtcMoment } from "@/lib/dashboard/format";
import type { ChartPoint, OfficialBand, SurfaceCharts } from "@/lib/dashboard/types";

export interface SeriesStats {
  /** Every result, inconclusive included. */
  results: number;
  conclusive: number;
  /** Down over conclusive results; null when none was conclusive. */
  failureRate: number | null;
  medianP50: number | null;
  worstP95: { value: number; at: number } | null;
  medianTtftP50: number | null;
  worstTtftP95: { value: number; at: number } | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The point with the highest `key`, or null when no point has one. */
export function worst(points: readonly ChartPoint[], key: "p95" | "ttftP95" | "failureRate"): { value: number; at: number } | null {
  let best: { value: number; at: number } | null = null;
  for (const p of points) {
    const v = p[key];
    if (v !== null && (best === null || v > best.value)) best = { value: v, at: p.t };
  }
  return best;
}

/** Totals over a series' points: failures weighted by each point's conclusive results. */
export function seriesStats(points: readonly ChartPoint[]): SeriesStats {
  const results = points.reduce((sum, p) => sum + p.count, 0);
  const conclusive = points.reduce((sum, p) => sum + p.conclusive, 0);
  const failed = points.reduce((sum, p) => sum + (p.failureRate ?? 0) * p.conclusive, 0);
  const values = (key: "p50" | "ttftP50") => points.flatMap((p) => (p[key] === null ? [] : [p[key]]));
  return {
    results,
    conclusive,
    failureRate: conclusive ? failed / conclusive : null,
    medianP50: median(values("p50")),
    worstP95: worst(points, "p95"),
    medianTtftP50: median(values("ttftP50")),
    worstTtftP95: worst(points, "ttftP95"),
  };
}

/** The surface's failure rate per bucket, weighted by each series' conclusive results. */
export function surfaceFailure(surface: SurfaceCharts): ChartPoint[] {
  const first = surface.series[0]?.points ?? [];
  return first.map((p, i) => {
    let count = 0;
    let conclusive = 0;
    let failed = 0;
    for (const s of surface.series) {
      const q = s.points[i];
      if (!q) continue;
      count += q.count;
      if (q.failureRate === null) continue;
      conclusive += q.conclusive;
      failed += q.failureRate * q.conclusive;
    }
    return { t: p.t, p50: null, p95: null, ttftP50: null, ttftP95: null, failureRate: conclusive ? failed / conclusive : null, count, conclusive };
  });
}

const count = (n: number) => n.toLocaleString("en-US");

/** "All 4 results were inconclusive …": said instead of any figure when nothing conclusive was measured. */
function noneConclusive(results: number): string {
  return `No conclusive results in this window: ${results === 1 ? "the 1 result was" : `all ${count(results)} results were`} inconclusive (Witness's own network, key or limits), which says nothing about Claude.`;
}

function inconclusiveNote(stats: SeriesStats): string {
  const n = stats.results - stats.conclusive;
  return n > 0 ? ` (${count(n)} inconclusive not counted)` : "";
}

/** The sentence under one series' latency chart. */
export function describeSeriesFigures(points: readonly ChartPoint[], withDay: boolean): string {
  const stats = seriesStats(points);
  if (stats.results === 0) return "No results in this window.";
  if (stats.conclusive === 0) return noneConclusive(stats.results);
  const hasTtft = points.some((p) => p.ttftP50 !== null);
  const latency = `Median p50 ${formatMs(stats.medianP50)}; worst p95 ${formatMs(stats.worstP95?.value ?? null)}${stats.worstP95 ? ` (${formatChartTime(stats.worstP95.at, withDay)} UTC)` : ""}.`;
  const ttft = hasTtft ? ` TTFT: median p50 ${formatMs(stats.medianTtftP50)}, worst p95 ${formatMs(stats.worstTtftP95?.value ?? null)}.` : "";
  return `${latency}${ttft} ${formatPercent(stats.failureRate, 2)} of ${count(stats.conclusive)} conclusive results failed${inconclusiveNote(stats)}.`;
}

/** The sentence under a surface's failure-rate chart: what Witness measured, then what the page said while read. */
export function describeSurfaceFigures(surface: SurfaceCharts, bucketMs: number, withDay: boolean): string {
  const failure = surfaceFailure(surface);
  const stats = seriesStats(failure);
  const peak = worst(failure, "failureRate");
  const measured =
    stats.results === 0
      ? "No results in this window."
      : stats.conclusive === 0
        ? noneConclusive(stats.results)
        : `${formatPercent(stats.failureRate, 2)} of ${count(stats.conclusive)} conclusive results failed${inconclusiveNote(stats)}${peak && peak.value > 0 ? `; the worst ${formatDuration(bucketMs)} was ${formatPercent(peak.value)} at ${formatChartTime(peak.at, withDay)} UTC` : ""}.`;
  return `${measured} ${describeOfficialWindow(surface)}`;
}

/** What the official page said over the window, only for the minutes Witness read it. */
export function describeOfficialWindow(surface: Pick<SurfaceCharts, "bands" | "officialReadFrom" | "officialTo">): string {
  const { bands, officialReadFrom: readFrom, officialTo: to } = surface;
  if (readFrom === null) return "Witness did not read the official page in this window, so it cannot say what the page claimed.";
  const trouble = bands.filter((b) => b.state !== "unknown");
  const unread = bands.filter((b) => b.state === "unknown" && b.from >= readFrom).reduce((sum, b) => sum + b.to - b.from, 0);
  const late = bands.some((b) => b.state === "unknown" && b.to === readFrom);
  const prefix = late ? `Witness read the official page only from ${formatUtcMoment(readFrom, to)}; in that time it` : "The official page";
  const said = trouble.length === 0 ? `${prefix} reported no trouble.` : `${prefix} reported trouble for ${formatDuration(trouble.reduce((sum, b) => sum + b.to - b.from, 0))}.`;
  return unread > 0 ? `${said} It could not be read (or Witness was not reading it) for ${formatDuration(unread)}${late ? " after that" : ""}.` : said;
}
