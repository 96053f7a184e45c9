/** Shared by the chart components and the pages' legends: how each official band and time window is drawn. */
import type { ChartWindow, OfficialState } from "@/lib/dashboard/types";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Colour and opacity of the band drawn while the official page said this. */
export const BAND_STYLE: Record<OfficialState, { color: string; opacity: number; label: string }> = {
  down: { color: "var(--down)", opacity: 0.18, label: "Official page: outage" },
  degraded: { color: "var(--degraded)", opacity: 0.2, label: "Official page: degraded" },
  maintenance: { color: "var(--maintenance)", opacity: 0.18, label: "Official page: maintenance" },
  unknown: { color: "var(--nodata)", opacity: 0.12, label: "Official page not read (unknown)" },
  operational: { color: "transparent", opacity: 0, label: "Official page: operational" },
};

/** Distance between time-axis ticks. */
export const TICK_STEP: Record<ChartWindow, number> = { "24h": 3 * HOUR, "7d": DAY, "30d": 5 * DAY, "90d": 15 * DAY };
