/** 90 daily bars per surface, measured beside official, each with its uptime, incidents and disagreement. */
import { countDisagreement, daySlots, uptimes } from "@/lib/accountability";
import type { Config } from "@/lib/config";
import type { DayBar, MeasuredState, OfficialState, SurfaceDays } from "@/lib/dashboard/types";
import { readOfficialViews, readSurfaceFacts } from "@/lib/report";
import { alignToMinute, M, O, type Window } from "@/lib/timeline";
import type { Db } from "@/db/client";
import { getSeriesNames } from "@/db/queries/rollups";

const DAY = 86_400_000;
const MEASURED: MeasuredState[] = ["nodata", "up", "degraded", "down"];
const OFFICIAL: OfficialState[] = ["unknown", "operational", "degraded", "down", "maintenance"];

/** The last `days` UTC days (today included) of every surface. */
export function getSurfaceDays(db: Db, config: Config, now: number, days = 90): SurfaceDays[] {
  const window: Window = { from: Math.floor(now / DAY) * DAY - (days - 1) * DAY, to: alignToMinute(now) + 60_000 };
  const context = { allSeries: getSeriesNames(db), official: readOfficialViews(db, config, window, now), coverage: "hour" as const };
  return config.surfaces.map((surface) => {
    const facts = readSurfaceFacts(db, config, surface, window, now, context);
    const bars = daySlots(window).map(({ day, from, to }): DayBar => {
      const up = uptimes(facts.measured, facts.officialStates, from, to);
      const dayStart = window.from + from * 60_000;
      const dayEnd = window.from + to * 60_000;
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
    const all = uptimes(facts.measured, facts.officialStates);
    return { id: surface.id, name: surface.name, days: bars, measuredUptime: all.measured, officialUptime: all.official };
  });
}

/** The first of `order` found in [from, to), else 0 (no data / unknown). */
function worst(states: Uint8Array, from: number, to: number, order: readonly number[]): number {
  const seen = new Set(states.subarray(from, to));
  return order.find((v) => seen.has(v)) ?? 0;
}
