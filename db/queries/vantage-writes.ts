/** The hub's writes of what it knows of each vantage (the `vantages` table); lib/vantage/ingest.ts decides them. */
import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { vantages } from "@/db/schema";

type Writer = Pick<Db, "insert">;

/** A batch of `id` was accepted: its times, what it said of its backlog and clock, and the counts added. */
export function recordBatch(db: Writer, id: string, batch: { at: Date; newestResultAt: Date | null; backlog: number; clockSkewMs: number; accepted: number; duplicates: number; rejected: number; dropped: number }): void {
  db.insert(vantages)
    .values({ id, lastBatchAt: batch.at, newestResultAt: batch.newestResultAt, backlog: batch.backlog, clockSkewMs: Math.round(batch.clockSkewMs), accepted: batch.accepted, duplicates: batch.duplicates, rejected: batch.rejected, dropped: batch.dropped })
    .onConflictDoUpdate({
      target: vantages.id,
      set: {
        lastBatchAt: batch.at,
        // A batch of duplicates (a retry) or of older rows never moves the newest result back.
        newestResultAt: sql`max(coalesce(${vantages.newestResultAt}, 0), coalesce(excluded.newest_result_at, 0))`,
        backlog: batch.backlog,
        clockSkewMs: Math.round(batch.clockSkewMs),
        accepted: sql`${vantages.accepted} + ${batch.accepted}`,
        duplicates: sql`${vantages.duplicates} + ${batch.duplicates}`,
        rejected: sql`${vantages.rejected} + ${batch.rejected}`,
        // The vantage's own running count: a late or repeated batch never takes it back.
        dropped: sql`max(${vantages.dropped}, ${batch.dropped})`,
      },
    })
    .run();
}

/** A request of a configured vantage `id` failed its signature check: when, and the short reason (an error code). */
export function recordAuthFailure(db: Writer, id: string, at: Date, reason: string): void {
  db.insert(vantages).values({ id, lastAuthFailureAt: at, lastAuthFailure: reason }).onConflictDoUpdate({ target: vantages.id, set: { lastAuthFailureAt: at, lastAuthFailure: reason } }).run();
}
