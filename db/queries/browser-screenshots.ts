/** The browser probe's screenshots of failed runs: write one (keeping the newest few), find one, read its bytes. */
import { and, desc, eq, gte, lt, lte } from "drizzle-orm";
import type { Db } from "@/db/client";
import { browserScreenshots } from "@/db/schema";
import type { ErrorClass } from "@/probes/types";

/** About 50 KB each: the newest 100 are a few MB, enough for every browser incident of the last days at 5-minute runs. */
export const BROWSER_SCREENSHOTS_KEPT = 100;

export interface ScreenshotRef {
  id: number;
  takenAt: number;
  errorClass: ErrorClass | null;
}

/** Store one screenshot and drop all but the newest BROWSER_SCREENSHOTS_KEPT. */
export function insertBrowserScreenshot(db: Db, row: { series: string; takenAt: Date; errorClass: ErrorClass | null; jpeg: Buffer }): void {
  const { id } = db.insert(browserScreenshots).values(row).returning({ id: browserScreenshots.id }).get();
  db.delete(browserScreenshots).where(lte(browserScreenshots.id, id - BROWSER_SCREENSHOTS_KEPT)).run();
}

/** The newest screenshot of one of `series` taken in [from, to), without its bytes; null when there is none. */
export function getScreenshotInSpan(db: Db, { series, from, to }: { series: string; from: Date; to: Date }): ScreenshotRef | null {
  const row = db
    .select({ id: browserScreenshots.id, takenAt: browserScreenshots.takenAt, errorClass: browserScreenshots.errorClass })
    .from(browserScreenshots)
    .where(and(eq(browserScreenshots.series, series), gte(browserScreenshots.takenAt, from), lt(browserScreenshots.takenAt, to)))
    .orderBy(desc(browserScreenshots.takenAt))
    .limit(1)
    .get();
  return row ? { id: row.id, takenAt: row.takenAt.getTime(), errorClass: row.errorClass } : null;
}

/** The JPEG bytes of screenshot `id`, or null. */
export function getScreenshotJpegById(db: Db, id: number): Buffer | null {
  const row = db.select({ jpeg: browserScreenshots.jpeg }).from(browserScreenshots).where(eq(browserScreenshots.id, id)).get();
  return row ? Buffer.from(row.jpeg) : null;
}

/** Screenshots taken before `olderThan` (raw-result retention); returns how many were deleted. */
export function pruneBrowserScreenshots(db: Db, olderThan: Date): number {
  return db.delete(browserScreenshots).where(lt(browserScreenshots.takenAt, olderThan)).run().changes;
}

