/**
 * The WAL behind a long reader. A reader holding an old snapshot (a long query, a stuck backup, a sqlite3 shell left in
 * a transaction) keeps SQLite from checkpointing the frames it may still read, so the -wal grows with every commit
 * (about 100 KB/s at 1 s intervals) until the disk is full. SQLite's own checkpoint runs only after a commit succeeds:
 * once the disk is full no commit succeeds, so none ran again after the reader let go, and the worker stayed stuck.
 * The keeper checkpoints on its own beat (the lease renewal's), with TRUNCATE so a WAL that grew gives its space back
 * at once, and says when the WAL passes a bound or checkpoints keep failing.
 */
import { statSync } from "node:fs";
import type Database from "better-sqlite3";
import { describeWriteError } from "@/lib/keep/database-file";
import type { Logger } from "@/lib/log";

export interface WalBounds {
  /** A WAL larger than this is warned about: normally it stays under about 4 MB (SQLite's autocheckpoint). */
  warnBytes: number;
  /** A checkpoint is due this often, or at every beat while the WAL is over `busyBytes` or checkpoints fail. */
  everyMs: number;
  busyBytes: number;
  /** Checkpoints failing for this long are warned about: a reader holding a snapshot that long is not a page view. */
  stuckMs: number;
}

// A checkpoint blocks the event loop the probes time themselves on (about 10 ms, an fsync), so it runs only about as
// often as SQLite's own: once the WAL is past the 1000 pages (4 MB) at which SQLite's would have reset it, every 10
// minutes otherwise.
export const WAL_BOUNDS: WalBounds = { warnBytes: 64 * 1024 * 1024, everyMs: 10 * 60_000, busyBytes: 4 * 1024 * 1024, stuckMs: 120_000 };

/** How often a warning that holds is logged again, so it stays in sight in a long log. */
const REPEAT_LOG_MS = 10 * 60_000;

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

/** The size of `path`'s -wal now; 0 when there is none (or it cannot be read: findWriteProblem says why). */
export function walBytesOf(path: string): number {
  try {
    return statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return 0;
  }
}

/** The warning for a WAL of `bytes` over `bounds.warnBytes`, or null. Shared with the web's health check. */
export function walSizeWarning(path: string, bytes: number, bounds: WalBounds = WAL_BOUNDS): string | null {
  if (bytes <= bounds.warnBytes) return null;
  return `the WAL ${path}-wal is ${mb(bytes)} MB, over its ${mb(bounds.warnBytes)} MB bound: a reader is holding an old snapshot (a long query, a stuck backup, a sqlite3 shell left in a transaction?), so it cannot be checkpointed and the disk fills until that reader lets go`;
}

export class WalKeeper {
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private failingSince: number | null = null;
  private lastFailure = "";
  private warning: string | null = null;
  private loggedAt = 0;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly path: string,
    private readonly log: Logger,
    private readonly bounds: WalBounds = WAL_BOUNDS,
  ) {}

  /** One beat: checkpoint when due; returns the warning that holds now (null: none), logged when it starts and ends. */
  beat(now = Date.now()): string | null {
    const bytes = walBytesOf(this.path);
    if (now - this.lastAttemptAt >= this.bounds.everyMs || bytes > this.bounds.busyBytes || this.failingSince !== null) this.checkpoint(now);
    const next = this.warningAt(walBytesOf(this.path), now);
    if (next && (!this.warning || now - this.loggedAt >= REPEAT_LOG_MS)) {
      this.log.warn(`database: ${next}`);
      this.loggedAt = now;
    }
    if (!next && this.warning) this.log.info(`database: the WAL is checkpointed again (${mb(walBytesOf(this.path))} MB)`);
    this.warning = next;
    return next;
  }

  /** TRUNCATE without waiting: with a reader in the way it checkpoints what it can, as PASSIVE does, and says so. */
  private checkpoint(now: number): void {
    this.lastAttemptAt = now;
    const timeout = this.sqlite.pragma("busy_timeout", { simple: true }) as number;
    try {
      // Waiting for readers would block the event loop the probes time themselves on.
      this.sqlite.pragma("busy_timeout = 0");
      const row = (this.sqlite.pragma("wal_checkpoint(TRUNCATE)") as { busy: number; log: number; checkpointed: number }[])[0];
      // Every frame copied is enough (the WAL restarts at the next commit); only frames left behind are a failure.
      if (!row || row.busy === 0 || row.checkpointed >= row.log) this.failingSince = null;
      else this.fail(now, `a reader holds ${row.log - row.checkpointed} of ${row.log} frames`);
    } catch (err) {
      this.fail(now, describeWriteError(err, this.path));
    } finally {
      this.sqlite.pragma(`busy_timeout = ${timeout}`);
    }
  }

  private fail(now: number, reason: string): void {
    this.failingSince ??= now;
    this.lastFailure = reason;
  }

  private warningAt(bytes: number, now: number): string | null {
    const size = walSizeWarning(this.path, bytes, this.bounds);
    if (size) return size;
    if (this.failingSince !== null && now - this.failingSince >= this.bounds.stuckMs) {
      return `WAL checkpoints have failed for ${Math.round((now - this.failingSince) / 1000)} s (${this.lastFailure}); the WAL (${mb(bytes)} MB) grows until they work again`;
    }
    return null;
  }
}
