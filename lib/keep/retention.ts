/**
 * Raw results are kept for `retention.rawDays`, then pruned; rollups are never pruned, so charts keep the shape
 * of every day for good. The official page's stored bodies (an audit trail) keep at most `retention.payloadKeep` per
 * endpoint and none older than `retention.payloadDays`, so their disk is bounded by count times page size whatever
 * the page does; SQLite reuses the freed pages, so the file stops growing rather than shrinking. Pruning shares the
 * writer connection with the probes, hence small batches.
 */
import { setImmediate } from "node:timers/promises";
import type { Db } from "@/db/client";
import { deletePayloadsBeyond, getPayloadEndpoints } from "@/db/queries/official";
import { deleteResultsBefore } from "@/db/queries/probe-results";
import { BUCKETS, bucketStartOf } from "@/lib/keep/rollups";

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

/** Deletes official payloads beyond the newest `keep` per endpoint or fetched before `olderThan`; returns rows deleted. */
export async function prunePayloads(db: Db, params: { keep: number; olderThan: Date; batchSize?: number }): Promise<number> {
  const limit = params.batchSize ?? 50;
  let deleted = 0;
  for (const endpoint of getPayloadEndpoints(db)) {
    for (;;) {
      // Small batches: each row can be a megabyte of page, and each batch holds the write lock.
      const changes = deletePayloadsBeyond(db, { endpoint, keep: params.keep, before: params.olderThan, limit });
      deleted += changes;
      if (changes < limit) break;
      await setImmediate();
    }
  }
  return deleted;
}
