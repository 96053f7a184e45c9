/** Reads for /history: when Witness's own record begins. */
import { min } from "drizzle-orm";
import type { Db } from "@/db/client";
import { measuredIncidents, probeResults, rollupsDay } from "@/db/schema";

/**
 * The earliest instant Witness has any measurement of (epoch ms), or null with none: raw results are pruned after
 * retention.rawDays, but the daily rollups and the incidents they produced stay for good.
 */
export function getEarliestMeasuredAt(db: Db): number | null {
  const times = [
    db.select({ at: min(probeResults.startedAt) }).from(probeResults).get()?.at,
    db.select({ at: min(rollupsDay.bucketStart) }).from(rollupsDay).get()?.at,
    db.select({ at: min(measuredIncidents.startedAt) }).from(measuredIncidents).get()?.at,
  ].flatMap((at) => (at instanceof Date ? [at.getTime()] : typeof at === "number" ? [at] : []));
  return times.length ? Math.min(...times) : null;
}
