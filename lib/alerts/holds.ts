/**
 * What the dispatcher keeps in memory when the database fails it (full disk, read-only file, I/O error, SQLITE_BUSY
 * past the timeout): per channel, a pause that backs off while writes keep failing, and the 2xx it could not record.
 * Without them a failed write leaves the row due, and the next look sends it again at once: a storm.
 */
import { limitErrors, type LimitedError } from "@/lib/alerts/log-limit";
import { backoffMs } from "@/lib/alerts/retry";
import type { Logger } from "@/lib/log";
import type { AlertOutboxRow } from "@/db/schema";

/** Database backoff per channel: 1 s doubled per consecutive failure up to 30 s, half of it random. */
export const DB_RETRY = { firstDelayMs: 1_000, maxDelayMs: 30_000 } as const;

/** A receiver's 2xx that is not in the database yet: the row must not be sent again while this process lives. */
export interface Unrecorded {
  row: AlertOutboxRow;
  /** When the 2xx came (becomes deliveredAt). */
  at: number;
  status: number;
}

export class ChannelHolds {
  private readonly pauses = new Map<string, { until: number; failures: number }>();
  private readonly accepted = new Map<string, Unrecorded>();
  private readonly limitedError: LimitedError;

  constructor(
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
    now: () => number = Date.now,
  ) {
    this.limitedError = limitErrors(log, now);
  }

  isPaused(channel: string, now: number): boolean {
    return (this.pauses.get(channel)?.until ?? 0) > now;
  }

  /**
   * A database error on `channel` while doing `what`: paused until the backoff (or `notBefore`, if later) has passed,
   * with one error line a minute however often it repeats. Returns the end of the pause.
   */
  failed(channel: string, what: string, err: unknown, now: number, notBefore = 0): number {
    const failures = (this.pauses.get(channel)?.failures ?? 0) + 1;
    const until = Math.max(now + backoffMs(failures, DB_RETRY, this.random), notBefore);
    this.pauses.set(channel, { until, failures });
    this.limitedError(`${channel}:database`, `alerts: ${channel}: ${what}: ${(err as Error).message}; channel paused, next try in ${Math.ceil((until - now) / 1000)} s`);
    return until;
  }

  /** A database write for `channel` worked: the pause is over. */
  succeeded(channel: string): void {
    const failures = this.pauses.get(channel)?.failures ?? 0;
    this.pauses.delete(channel);
    if (failures > 0) this.log.info(`alerts: ${channel}: the database takes writes again after ${failures} failed tr${failures === 1 ? "y" : "ies"}`);
  }

  keepAccepted(channel: string, held: Unrecorded): void {
    this.accepted.set(channel, held);
  }

  /** The channel's 2xx awaiting its write; while it waits, nothing else of that channel is sent (order is kept). */
  unrecorded(channel: string): Unrecorded | undefined {
    return this.accepted.get(channel);
  }

  recorded(channel: string): void {
    this.accepted.delete(channel);
  }

  allUnrecorded(): [string, Unrecorded][] {
    return [...this.accepted];
  }
}
