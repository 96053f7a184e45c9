/** The failure share of a surface over a span, read from the database: raw results while kept, else minute rollups. */
import type { Config, Surface } from "@/lib/config";
import { failureShare, type FailureShare } from "@/lib/judge/share";
import { surfaceOfSeries } from "@/lib/judge/surfaces";
import type { Db } from "@/db/client";
import { getSeriesCountsBetween, getSeriesRollupCountsBetween } from "@/db/queries/shares";

/** Every conclusive request of `surface` (its real series: `allSeries` as stored) in [from, to). */
export function readFailureShare(db: Db, config: Config, surface: Surface, allSeries: readonly string[], span: { from: number; to: number }, now: number): FailureShare {
  const series = allSeries.filter((s) => surfaceOfSeries(config.surfaces, s)?.id === surface.id && !s.startsWith("elevated:"));
  const params = { series, from: new Date(span.from), to: new Date(span.to) };
  // Raw results are pruned after rawDays: older spans are counted from the minute rollups, which are kept for good.
  const rawFrom = now - config.retention.rawDays * 86_400_000;
  const counts = span.from >= rawFrom ? getSeriesCountsBetween(db, params) : getSeriesRollupCountsBetween(db, params);
  return failureShare(counts, surface.kinds);
}
