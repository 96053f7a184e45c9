/**
 * The database file's health as the web process sees it, for /api/health and /metrics: can it be written (asked of
 * the file system here, since a worker that cannot write cannot say so through the database), how large is its WAL,
 * and what the worker last reported in its lease row (checkpoints failing), while that report is fresh.
 */
import { existsSync } from "node:fs";
import type { Db } from "@/db/client";
import { getWriterLease } from "@/db/queries/writer-leases";
import { findWriteProblem } from "@/lib/keep/database-file";
import { walBytesOf, walSizeWarning } from "@/lib/keep/wal";
import { isLeaseStale } from "@/lib/keep/writer-lease";

export interface StorageHealth {
  /** `not_writable`: the worker stores nothing (it measures, but every result is lost); `warning`: it stores, for now. */
  state: "ok" | "warning" | "not_writable";
  /** The -wal's size now; null without a database file. */
  walBytes: number | null;
  /** Why the state is not ok, in one line naming the fix; null when ok. */
  reason: string | null;
}

/** The storage health of the database at `path`; `db` (read-only) for the worker's report, null before it exists. */
export function readStorageHealth(path: string, db: Db | null, now: number): StorageHealth {
  const walBytes = existsSync(path) ? walBytesOf(path) : null;
  const problem = findWriteProblem(path);
  if (problem) return { state: "not_writable", walBytes, reason: problem };
  const reason = workerWarning(db, now) ?? walSizeWarning(path, walBytes ?? 0);
  return { state: reason ? "warning" : "ok", walBytes, reason };
}

/** The running worker's last word on the file; a stale lease's says nothing about now. */
function workerWarning(db: Db | null, now: number): string | null {
  try {
    const lease = db ? getWriterLease(db) : undefined;
    return lease && !isLeaseStale(lease.heartbeatAt, new Date(now)) ? lease.storageWarning : null;
  } catch {
    // A database from before the lease carried warnings (the worker migrates it at its start).
    return null;
  }
}
