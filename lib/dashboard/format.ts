/**
 * Formatting shared by the pages and the chart components: durations, percentages, latencies and times, always in
 * UTC and never through the runtime's locale or time zone, so the server's HTML and the browser's hydration agree
 * and every visitor reads the same times.
 */
import type { MeasuredState, OfficialState } from "@/lib/dashboard/types";
import { clock, dayMonth } from "@/lib/judge/words";

const MIN = 60_000;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

const pad = (n: number) => String(n).padStart(2, "0");

/** "2026-03-12T14:03:05.000Z", for <time dateTime>. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** "14:03 UTC", or "14:03:05 UTC" with seconds. */
export function formatUtcTime(ms: number, opts: { seconds?: boolean; suffix?: boolean } = {}): string {
  const d = new Date(ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${opts.seconds ? `:${pad(d.getUTCSeconds())}` : ""}`;
  return opts.suffix === false ? time : `${time} UTC`;
}

/**
 * "14:41 UTC" when `ms` falls on the same UTC day as `ref` (the moment the page describes, usually now), else with its
 * date, "14:41 UTC on 8 Oct" (and the year when that differs): an official time weeks old never reads as today's.
 */
export function formatUtcMoment(ms: number, ref: number): string {
  return clock(ms, ref);
}

/**
 * When the official page posted an incident: "posted 14:41 UTC on 8 Oct" (its date when not `ref`'s day), or, when
 * Witness first saw it listed long after its created_at, "posted at 07:36 UTC, backdated to 8 Oct": the page's own
 * date is a claim about the past, shown as such, never as when it said so.
 */
export function formatPosted(o: { createdAt: number; shownAt?: number; backdated?: boolean }, ref: number): string {
  if (o.backdated && o.shownAt !== undefined) return `posted at ${clock(o.shownAt, ref)}, backdated to ${dayMonth(o.createdAt, ref)}`;
  return `posted ${formatUtcMoment(o.createdAt, ref)}`;
}

/** "12 Mar 2026" from epoch ms or a "YYYY-MM-DD" day. */
export function formatDay(day: number | string): string {
  const d = typeof day === "number" ? new Date(day) : new Date(`${day}T00:00:00Z`);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "12 Mar" (no year): chart ticks. */
export function formatShortDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** "12 Mar 2026, 14:03 UTC". */
export function formatUtc(ms: number, opts: { seconds?: boolean } = {}): string {
  return `${formatDay(ms)}, ${formatUtcTime(ms, opts)}`;
}

/** "12 Mar, 14:03": a compact label inside charts (the axis says UTC). */
export function formatChartTime(ms: number, withDay: boolean): string {
  return withDay ? `${formatShortDay(ms)} ${formatUtcTime(ms, { suffix: false })}` : formatUtcTime(ms, { suffix: false });
}

/** A no-break space: a number never wraps away from its unit. */
const NB = "\u00a0";

/** Whole-minute durations, largest units first: "45 s", "23 min", "1 h 5 min", "2 d 3 h" (no-break spaces). */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MIN) return `${Math.round(abs / 1000)}${NB}s`;
  const minutes = Math.round(abs / MIN);
  if (minutes < 60) return `${minutes}${NB}min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours}${NB}h ${minutes % 60}${NB}min` : `${hours}${NB}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}${NB}d ${hours % 24}${NB}h` : `${days}${NB}d`;
}

/** "38%" (or "0.4%" for small shares); null reads "–". */
export function formatPercent(ratio: number | null, digits?: number): string {
  if (ratio === null || !Number.isFinite(ratio)) return "–";
  const pct = ratio * 100;
  const d = digits ?? (pct !== 0 && Math.abs(pct) < 1 ? 1 : 0);
  return `${pct.toFixed(d)}%`;
}

/**
 * Uptime with two decimals, rounded DOWN so any downtime never reads "100.00%"; null (no data) reads "no data".
 */
export function formatUptime(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return "no data";
  if (ratio >= 1) return "100%";
  return `${(Math.floor(ratio * 10_000) / 100).toFixed(2)}%`;
}

/** "412 ms", "1.24 s", "12.3 s"; null reads "–". */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)}${NB}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)}${NB}s`;
  return `${(ms / 1000).toFixed(1)}${NB}s`;
}

/** "42.1 tok/s"; null reads "–". */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return "–";
  return `${perSecond >= 100 ? Math.round(perSecond) : perSecond.toFixed(1)} tok/s`;
}

/** "1 incident", "3 incidents". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * How the official page answered a measured incident: "acknowledged after 40 min", "acknowledged 5 min before
 * Witness measured it", "never acknowledged", or "not acknowledged yet" while it is still open.
 */
export function formatAck(incident: { acknowledged: boolean | null; ackDelayMs: number | null; endedAt: number | null }): string {
  if (incident.acknowledged === null) return "";
  if (!incident.acknowledged || incident.ackDelayMs === null) return incident.endedAt === null ? "not acknowledged yet" : "never acknowledged";
  if (incident.ackDelayMs < 0) return `acknowledged ${formatDuration(-incident.ackDelayMs)} before Witness measured it`;
  if (incident.ackDelayMs < MIN) return "acknowledged within a minute";
  return `acknowledged after ${formatDuration(incident.ackDelayMs)}`;
}

/** The CSS state class (colour plus marker) and the word for each state. */
export const MEASURED: Record<MeasuredState, { className: string; label: string }> = {
  up: { className: "state-up", label: "Up" },
  degraded: { className: "state-degraded", label: "Degraded" },
  down: { className: "state-down", label: "Down" },
  nodata: { className: "state-nodata", label: "No data" },
};

export const OFFICIAL: Record<OfficialState, { className: string; label: string }> = {
  operational: { className: "state-up", label: "Operational" },
  degraded: { className: "state-degraded", label: "Degraded" },
  down: { className: "state-down", label: "Outage" },
  maintenance: { className: "state-maintenance", label: "Maintenance" },
  unknown: { className: "state-unknown", label: "Unknown" },
};

/** A severity or impact word ("down", "degraded", "none") as a state class and word. */
export function severityState(severity: string): { className: string; label: string } {
  if (severity === "down") return { className: "state-down", label: "Outage" };
  if (severity === "degraded") return { className: "state-degraded", label: "Degraded" };
  return { className: "state-nodata", label: "No impact stated" };
}

/** The page's own component status words ("partial_outage" → "partial outage"). */
export function humanise(value: string): string {
  return value.replace(/_/g, " ");
}

const KIND_LABEL: Record<string, string> = { messages: "Messages", stream: "Streaming", edge: "API edge (keyless)", web: "claude.ai web", status: "Status page" };

/** "stream:claude-haiku-4-5" → { kind: "Streaming", model: "claude-haiku-4-5" }. */
export function describeSeries(series: string): { kind: string; model: string | null; label: string } {
  // A surface's pooled series ("elevated:api"): every request of the surface, not a model.
  if (series.startsWith("elevated:")) return { kind: "elevated errors", model: null, label: "elevated errors (all requests)" };
  const [kind = series, model = null] = series.split(":") as [string?, string?];
  const kindLabel = KIND_LABEL[kind] ?? kind;
  return { kind: kindLabel, model, label: model ? `${kindLabel} · ${model}` : kindLabel };
}
