/** Reads for /history: when Witness's own record begins. */
import { eq, min } from "drizzle-orm";
import type { Db } from "@/db/client";
import { LOCAL_VANTAGE, measuredIncidents, probeResults, rollupsDay } from "@/db/schema";

/**
 * The earliest instant Witness has any measurement of (epoch ms), or null with none: raw results are pruned after
 * retention.rawDays, but the daily rollups and the incidents they produced stay for good.
 */
export function getEarliestMeasuredAt(db: Db): number | null {
  const times = [
    db.select({ at: min(probeResults.startedAt) }).from(probeResults).where(eq(probeResults.vantage, LOCAL_VANTAGE)).get()?.at,
    db.select({ at: min(rollupsDay.bucketStart) }).from(rollupsDay).where(eq(rollupsDay.vantage, LOCAL_VANTAGE)).get()?.at,
    db.select({ at: min(measuredIncidents.startedAt) }).from(measuredIncidents).where(eq(measuredIncidents.vantage, LOCAL_VANTAGE)).get()?.at,
  ].flatMap((at) => (at instanceof Date ? [at.getTime()] : typeof at === "number" ? [at] : []));
  return times.length ? Math.min(...times) : null;
}
