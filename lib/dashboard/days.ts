/** 90 daily bars per surface, measured beside official, each with its uptime, incidents and disagreement. */
import { countDisagreement, daySlots, uptimes } from "@/lib/judge/accountability";
import type { Config } from "@/lib/config";
import type { DayBar, MeasuredState, OfficialState, SurfaceDays } from "@/lib/dashboard/types";
import { readOfficialViews, readSurfaceFacts } from "@/lib/judge/report";
import { alignToMinute, M, MINUTE, O, slotCount, type Window } from "@/lib/judge/timeline";
import type { Db } from "@/db/client";
import { getSeriesNames } from "@/db/queries/rollups";

const DAY = 86_400_000;
const MEASURED: MeasuredState[] = ["nodata", "up", "degraded", "down"];
const OFFICIAL: OfficialState[] = ["unknown", "operational", "degraded", "down", "maintenance"];

/**
 * The last `days` UTC days (today included) of every surface, and the surface's figures over the rolling window of
 * as many days ending now: the window /api/v1/uptime and the report call "90d", so the two always agree.
 */
export function getSurfaceDays(db: Db, config: Config, now: number, days = 90): SurfaceDays[] {
  const rolling: Window = { from: alignToMinute(now - days * DAY), to: now };
  const firstDay = Math.floor(now / DAY) * DAY - (days - 1) * DAY;
  // One timeline for both: the rolling window always starts before the oldest bar's midnight.
  const window: Window = { from: Math.min(rolling.from, firstDay), to: alignToMinute(now) + MINUTE };
  const figures = { from: (rolling.from - window.from) / MINUTE, to: (rolling.from - window.from) / MINUTE + slotCount(rolling) };
  const bars = daySlots({ from: firstDay, to: window.to }).map((d) => ({ ...d, from: d.from + (firstDay - window.from) / MINUTE, to: d.to + (firstDay - window.from) / MINUTE }));
  const context = { allSeries: getSeriesNames(db), official: readOfficialViews(db, config, window) };
  return config.surfaces.map((surface) => {
    const facts = readSurfaceFacts(db, config, surface, window, now, context);
    const dayBars = bars.map(({ day, from, to }): DayBar => {
      const up = uptimes(facts.measured, facts.officialStates, from, to);
      const dayStart = window.from + from * MINUTE;
      const dayEnd = window.from + to * MINUTE;
      return {
        day,
        measuredUptime: up.measured,
        officialUptime: up.official,
        measured: MEASURED[worst(facts.measured, from, to, [M.down, M.degraded, M.up])]!,
        official: OFFICIAL[worst(facts.officialStates, from, to, [O.down, O.degraded, O.maintenance, O.operational])]!,
        noDataMinutes: to - from - up.measuredMinutes,
        incidents: facts.incidents.filter((i) => i.startedAt < dayEnd && (i.endedAt ?? now) >= dayStart).length,
        officialUpMeasuredDownMinutes: countDisagreement(facts.measured, facts.officialStates, from, to).officialUpMeasuredDownMinutes,
      };
    });
    const all = uptimes(facts.measured, facts.officialStates, figures.from, figures.to);
    const disagreement = countDisagreement(facts.measured, facts.officialStates, figures.from, figures.to);
    return {
      id: surface.id,
      name: surface.name,
      days: dayBars,
      from: rolling.from,
      to: rolling.to,
      measuredUptime: all.measured,
      officialUptime: all.official,
      officialUpMeasuredDownMinutes: disagreement.officialUpMeasuredDownMinutes,
    };
  });
}

/** The first of `order` found in [from, to), else 0 (no data / unknown). */
function worst(states: Uint8Array, from: number, to: number, order: readonly number[]): number {
  const seen = new Set(states.subarray(from, to));
  return order.find((v) => seen.has(v)) ?? 0;
}
