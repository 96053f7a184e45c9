/**
 * The 90 days' facts in a compact form the home page sends once: one row of numbers a day, states as indexes, so the
 * tooltips' words are made in the browser instead of being sent 360 times over (in the HTML and again in the
 * hydration data).
 */
import type { DayBar, MeasuredState, OfficialState } from "@/lib/dashboard/types";

const MEASURED: readonly MeasuredState[] = ["nodata", "up", "degraded", "down"];
const OFFICIAL: readonly OfficialState[] = ["unknown", "operational", "degraded", "down", "maintenance"];
const DAY = 86_400_000;

/** [measuredUptime|-1, officialUptime|-1, measured, official, noDataMinutes, incidents, officialUpMeasuredDownMinutes] */
export type CompactDay = [number, number, number, number, number, number, number];

export interface CompactDays {
  /** The first bar's UTC midnight, epoch ms; bar i is that day plus i days. */
  firstDay: number;
  days: CompactDay[];
}

// Six decimals keep the tooltip's two-decimal, rounded-down uptime exact.
const ratio = (r: number | null) => (r === null ? -1 : Math.round(r * 1e6) / 1e6);

/** Days (oldest first, consecutive UTC days) to the compact form. */
export function packDays(days: readonly DayBar[]): CompactDays {
  return {
    firstDay: days.length ? Date.parse(`${days[0]!.day}T00:00:00Z`) : 0,
    days: days.map((d) => [ratio(d.measuredUptime), ratio(d.officialUptime), MEASURED.indexOf(d.measured), OFFICIAL.indexOf(d.official), d.noDataMinutes, d.incidents, d.officialUpMeasuredDownMinutes]),
  };
}

/** The compact form back to days. */
export function unpackDays(packed: CompactDays): DayBar[] {
  return packed.days.map(([mu, ou, m, o, noDataMinutes, incidents, officialUpMeasuredDownMinutes], i) => ({
    day: new Date(packed.firstDay + i * DAY).toISOString().slice(0, 10),
    measuredUptime: mu < 0 ? null : mu,
    officialUptime: ou < 0 ? null : ou,
    measured: MEASURED[m] ?? "nodata",
    official: OFFICIAL[o] ?? "unknown",
    noDataMinutes,
    incidents,
    officialUpMeasuredDownMinutes,
  }));
}
