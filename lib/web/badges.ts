/**
 * README badges made by badge-maker: a surface's measured state now ("Claude API | operational") and its measured
 * uptime over 30 days ("Claude API 30d | 99.43%"). Colour is never the only signal: the words say the same.
 */
import { makeBadge } from "badge-maker";
import type { Config, Surface } from "@/lib/config";
import { getStatusNow } from "@/lib/dashboard/now";
import type { MeasuredState } from "@/lib/dashboard/types";
import { emptyStatus, getUptime } from "@/lib/web/api";
import type { Db } from "@/db/client";

export const BADGE_METRICS = ["state", "uptime"] as const;
export type BadgeMetric = (typeof BADGE_METRICS)[number];

/** The uptime badge's window: long enough to mean something, short enough to move after an outage. */
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

/** "Claude API | operational", coloured by the measured state. */
export function stateBadge(surfaceName: string, state: MeasuredState): string {
  return makeBadge({ label: surfaceName, ...STATE[state] });
}

/**
 * "Claude API 30d | 99.43%". Truncated, not rounded, to two decimals: 99.996% must not read as a perfect 100%.
 * Colours follow the usual SLA steps (three nines, two nines, 95%).
 */
export function uptimeBadge(surfaceName: string, uptime: number | null, window: string = BADGE_UPTIME_WINDOW): string {
  const label = `${surfaceName} ${window}`;
  if (uptime === null) return makeBadge({ label, message: "no data", color: "lightgrey" });
  const message = uptime >= 1 ? "100%" : `${(Math.floor(uptime * 10_000) / 100).toFixed(2)}%`;
  const color = uptime >= 0.999 ? "brightgreen" : uptime >= 0.99 ? "green" : uptime >= 0.95 ? "yellow" : "red";
  return makeBadge({ label, message, color });
}

/** The badge of one surface: its measured state now, or its measured uptime over BADGE_UPTIME_WINDOW. */
export function surfaceBadge(db: Db | null, config: Config, surface: Surface, metric: BadgeMetric, now: number): string {
  if (metric === "uptime") {
    const uptime = getUptime(db, config, BADGE_UPTIME_WINDOW, now).surfaces.find((s) => s.id === surface.id);
    return uptimeBadge(surface.name, uptime?.measuredUptime ?? null);
  }
  const status = db ? getStatusNow(db, config, now) : emptyStatus(config, now);
  return stateBadge(surface.name, status.surfaces.find((s) => s.id === surface.id)?.measured ?? "nodata");
}
