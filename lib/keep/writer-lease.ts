/**
 * One writer per database. Two workers on one file would send every probe twice (twice the token cost) and store
 * every result and incident twice, so the worker holds a lease row in the database itself: taken in a BEGIN IMMEDIATE
 * transaction (SQLite's write lock, so two starts cannot both see the row free), its heartbeat renewed every
 * RENEW_MS with the worker's count of skipped ticks and any warning about the file (so /metrics and /api/health can
 * read them: the web process opens the database read-only), released on a clean stop. A lease whose
 * heartbeat is older than STALE_MS belongs to a worker that died (kill -9, power loss) and may be taken over. Each
 * renewal also checks that DATABASE_PATH still names the file the lease is in. The web process, `report` and `backup`
 * never take it.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "@/lib/log";
import type { Db } from "@/db/client";
import { describeWriteError, type FileChange } from "@/lib/keep/database-file";
import { deleteWriterLease, getWriterLease, putWriterLease, touchWriterLease } from "@/db/queries/writer-leases";
import type { WriterLeaseRow } from "@/db/schema";

/** How often a live worker renews its heartbeat. */
export const LEASE_RENEW_MS = 5_000;
/** Six missed renewals: long enough for a busy disk or a paused VM, short enough that a restart after a crash waits little. */
export const LEASE_STALE_MS = 30_000;

export interface LeaseHolder {
  pid: number;
  host: string;
  startedAt: Date;
  heartbeatAt: Date;
}

export type LeaseAttempt = { ok: true; token: string; tookOverFrom: LeaseHolder | null; holderGone: boolean } | { ok: false; holder: LeaseHolder };

const holderOf = (row: WriterLeaseRow): LeaseHolder => ({ pid: row.holderPid, host: row.holderHost, startedAt: row.startedAt, heartbeatAt: row.heartbeatAt });

/** Is a lease last renewed at `heartbeatAt` stale at `now`? Pure. */
export function isLeaseStale(heartbeatAt: Date, now: Date, staleMs = LEASE_STALE_MS): boolean {
  return now.getTime() - heartbeatAt.getTime() > staleMs;
}

/**
 * Is the process that holds a lease gone? Only knowable on its own host: no process has its pid (EPERM means one does,
 * of another user), or the pid is our own (a container restarted: the new worker got the old one's pid). A pid taken
 * by an unrelated process reads as alive, so such a lease waits for the stale limit, as one from another host does.
 */
export function isHolderGone(holder: { holderPid: number; holderHost: string }, self = { pid: process.pid, host: hostname() }): boolean {
  if (holder.holderHost !== self.host) return false;
  if (holder.holderPid === self.pid) return true;
  try {
    process.kill(holder.holderPid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Take the lease unless a live holder has it: one whose heartbeat is fresh and whose process, when it ran on this host,
 * still exists (a worker restarted after kill -9 need not wait out the stale limit). One write transaction: the check
 * and the take are one step.
 */
export function acquireWriterLease(db: Db, { now = new Date(), pid = process.pid, host = hostname() } = {}): LeaseAttempt {
  return db.transaction(
    (tx) => {
      const current = getWriterLease(tx);
      const gone = current ? isHolderGone(current, { pid, host }) : false;
      if (current && !gone && !isLeaseStale(current.heartbeatAt, now)) return { ok: false, holder: holderOf(current) } as const;
      const token = randomUUID();
      putWriterLease(tx, { token, holderPid: pid, holderHost: host, startedAt: now, heartbeatAt: now });
      return { ok: true, token, tookOverFrom: current ? holderOf(current) : null, holderGone: gone } as const;
    },
    { behavior: "immediate" },
  );
}

/** "pid 4242 on host vm-1 since 2026-01-02T03:04:05.000Z (last heartbeat 3 s ago)". */
export function describeHolder(holder: LeaseHolder, now = new Date()): string {
  const ago = Math.max(0, Math.round((now.getTime() - holder.heartbeatAt.getTime()) / 1000));
  return `pid ${holder.pid} on host ${holder.host} since ${holder.startedAt.toISOString()} (last heartbeat ${ago} s ago)`;
}

export interface HeldLease {
  /** Stop renewing and delete the row, so the next start need not wait for it to go stale. */
  release(): void;
}

/** Why a held lease ends before release(): another worker took it, or the database file is no longer the one we opened. */
export type LeaseLoss = { cause: "taken_over" } | { cause: "file_changed"; change: FileChange };

export interface HoldOptions {
  /** Called once when this worker must stop writing (see LeaseLoss). */
  onLost(loss: LeaseLoss): void;
  /** The worker's count of skipped ticks, carried in the row for /metrics. */
  skippedTicks?: () => number;
  /** Checked before each renewal: has the file at DATABASE_PATH been deleted or replaced under us? */
  fileChange?: () => FileChange | null;
  /** Run at each renewal (the WAL keeper's beat): what is wrong with the database file, carried in the row for /api/health and /metrics. */
  storageWarning?: () => string | null;
}

/**
 * Renew the lease held under `token` every LEASE_RENEW_MS. A renewal that finds the row no longer ours (another
 * worker took it after ours went stale, e.g. this process was paused) calls `onLost` once: the caller must stop writing.
 * So does one that finds the database file deleted or replaced: the lease lived in that file, so a second worker could
 * already be running on a new one, and our writes go to a file nobody will read (or pair our -wal with another file).
 * A renewal that fails (the file is busy) is logged and retried at the next beat.
 */
export function holdWriterLease(db: Db, token: string, log: Logger, opts: HoldOptions): HeldLease {
  let lost = false;
  const lose = (loss: LeaseLoss) => {
    lost = true;
    clearInterval(timer);
    opts.onLost(loss);
  };
  const timer = setInterval(() => {
    const change = opts.fileChange?.() ?? null;
    if (change) return lose({ cause: "file_changed", change });
    try {
      if (touchWriterLease(db, token, new Date(), { skippedTicks: opts.skippedTicks?.(), storageWarning: opts.storageWarning?.() })) return;
      log.error("writer lease lost: another worker took over this database; stopping");
      lose({ cause: "taken_over" });
    } catch (err) {
      log.warn(`writer lease not renewed: ${describeWriteError(err, db.$client.name)}`);
    }
  }, LEASE_RENEW_MS);
  timer.unref();
  return {
    release: () => {
      clearInterval(timer);
      if (lost) return;
      try {
        deleteWriterLease(db, token);
      } catch (err) {
        log.warn(`writer lease not released (the next start waits ${LEASE_STALE_MS / 1000} s): ${describeWriteError(err, db.$client.name)}`);
      }
    },
  };
}

/** The holder as it stands, for messages and tests. */
export function readWriterLease(db: Db): LeaseHolder | null {
  const row = getWriterLease(db);
  return row ? holderOf(row) : null;
}
