/**
 * Raw results are kept for `retention.rawDays`, then pruned; rollups are never pruned, so charts keep the shape
 * of every day for good. Pruning shares the writer connection with the probes, hence small batches.
 */
import { setImmediate } from "node:timers/promises";
import type { Db } from "@/db/client";
import { deleteResultsBefore } from "@/db/queries/probe-results";
import { BUCKETS, bucketStartOf } from "@/lib/rollups";

/**
 * The oldest raw time to keep: `rawDays` before `now`, moved back to 00:00 UTC. The whole-day cut keeps at
 * least `rawDays` and never splits a minute, hour or day, so any bucket still rebuilt from raw is complete.
 */
export function rawCutoff(now: Date, rawDays: number): Date {
  return bucketStartOf(new Date(now.getTime() - rawDays * BUCKETS.day), "day");
}

/** Deletes raw results started before `olderThan`, `batchSize` rows at a time, yielding between; returns rows deleted. */
export async function pruneRawResults(db: Db, params: { olderThan: Date; batchSize?: number }): Promise<number> {
  const batchSize = params.batchSize ?? 5_000;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  let deleted = 0;
  for (;;) {
    const changes = deleteResultsBefore(db, params.olderThan, batchSize);
    deleted += changes;
    if (changes < batchSize) return deleted;
    // Each batch is a short write lock; between them a probe's insert (and the web app's reads) get their turn.
    await setImmediate();
  }
}
