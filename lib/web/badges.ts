/**
 * README badges made by badge-maker: a surface's measured state now ("Claude API measured | operational") and its
 * measured uptime over a window, 30 days unless `window` says 24h, 7d or 90d ("Claude API measured 7d | 99.43%").
 * The label says "measured": a badge beside the official page's own must not read as its claim. Colour is never the
 * only signal: the words say the same.
 */
import { makeBadge } from "badge-maker";
import type { Config, Surface } from "@/lib/config";
import { getStatusNow } from "@/lib/dashboard/now";
import type { MeasuredState } from "@/lib/dashboard/types";
import { emptyStatus, getUptime } from "@/lib/web/api";
import type { WindowName } from "@/lib/judge/report";
import type { Db } from "@/db/client";

export const BADGE_METRICS = ["state", "uptime"] as const;
export type BadgeMetric = (typeof BADGE_METRICS)[number];

/** The uptime badge's windows, those of /api/v1/uptime; a window asks for the uptime badge when no metric is given. */
export const BADGE_WINDOWS = ["24h", "7d", "30d", "90d"] as const satisfies readonly WindowName[];
export type BadgeWindow = (typeof BADGE_WINDOWS)[number];

/** The uptime badge's default window: long enough to mean something, short enough to move after an outage. */
export const BADGE_UPTIME_WINDOW = "30d" as const;

export const SVG_CONTENT_TYPE = "image/svg+xml; charset=utf-8";

const STATE: Record<MeasuredState, { message: string; color: string }> = {
  up: { message: "operational", color: "brightgreen" },
  degraded: { message: "degraded", color: "orange" },
  down: { message: "down", color: "red" },
  nodata: { message: "no data", color: "lightgrey" },
};

/** The surface id in a badge URL: `api.svg` and `api` name the same badge. */
export function badgeSurfaceId(param: string): string {
  return param.endsWith(".svg") ? param.slice(0, -".svg".length) : param;
}

/** "Claude API measured | operational", coloured by the measured state. */
export function stateBadge(surfaceName: string, state: MeasuredState): string {
  return makeBadge({ label: `${surfaceName} measured`, ...STATE[state] });
}

/**
 * "Claude API measured 30d | 99.43%". Truncated, not rounded, to two decimals: 99.996% must not read as a perfect 100%.
 * Colours follow the usual SLA steps (three nines, two nines, 95%).
 */
export function uptimeBadge(surfaceName: string, uptime: number | null, window: BadgeWindow = BADGE_UPTIME_WINDOW): string {
  const label = `${surfaceName} measured ${window}`;
  if (uptime === null) return makeBadge({ label, message: "no data", color: "lightgrey" });
  const message = uptime >= 1 ? "100%" : `${(Math.floor(uptime * 10_000) / 100).toFixed(2)}%`;
  const color = uptime >= 0.999 ? "brightgreen" : uptime >= 0.99 ? "green" : uptime >= 0.95 ? "yellow" : "red";
  return makeBadge({ label, message, color });
}

/** The badge of one surface: its measured state now, or its measured uptime over `window` (default 30 days). */
export function surfaceBadge(db: Db | null, config: Config, surface: Surface, metric: BadgeMetric, now: number, window: BadgeWindow = BADGE_UPTIME_WINDOW): string {
  if (metric === "uptime") {
    const uptime = getUptime(db, config, window, now).surfaces.find((s) => s.id === surface.id);
    return uptimeBadge(surface.name, uptime?.measuredUptime ?? null, window);
  }
  const status = db ? getStatusNow(db, config, now) : emptyStatus(config, now);
  return stateBadge(surface.name, status.surfaces.find((s) => s.id === surface.id)?.measured ?? "nodata");
}

/**
 * The badge a query asks for: `metric` (state unless a window is given, then uptime) and `window` (30d). A window
 * with metric=state is refused: a state is now, it has no window, and silently ignoring it was the old bug.
 */
export function badgeRequest(query: { metric?: BadgeMetric; window?: BadgeWindow }): { ok: true; metric: BadgeMetric; window: BadgeWindow } | { ok: false; error: string } {
  const metric = query.metric ?? (query.window ? "uptime" : "state");
  if (metric === "state" && query.window) return { ok: false, error: "window: applies only to metric=uptime (a state badge is now)" };
  return { ok: true, metric, window: query.window ?? BADGE_UPTIME_WINDOW };
}
