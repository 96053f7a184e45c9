/**
 * Delivers the outbox. Per channel in order: a channel's next row waits until the one before it was accepted or
 * given up, so "resolved" never overtakes "opened". A failed attempt waits an exponential backoff with jitter (or the
 * receiver's Retry-After on 429/503); a row not accepted within giveUpAfterMinutes is given up with one logged error
 * and a counter. A 2xx is recorded in its own transaction the moment it arrives, so a row is never sent again after
 * a recorded 2xx; a crash between the receiver's 2xx and that write (microseconds) is the only way to resend one, and
 * the resend carries the same webhook-id. When the database refuses a write (full disk, read-only, I/O error, busy),
 * a 2xx is held in memory and only its write is retried, and the channel pauses with a backoff (holds.ts). Async and
 * bounded: one delivery per channel, `concurrency` in all, and every database touch is one small indexed statement,
 * so probes and recording never wait on a receiver.
 */
import { alertSecrets } from "@/lib/config";
import type { Logger } from "@/lib/log";
import { ChannelHolds } from "@/lib/alerts/holds";
import { afterFailure } from "@/lib/alerts/retry";
import { sanitizeMessage } from "@/probes/sanitize";
import type { AlertEvent, AlertsConfig, Channel, DeliveryOutcome } from "@/lib/alerts/types";
import type { Db } from "@/db/client";
import { getOutboxHead, markOutboxAttempt, markOutboxDelivered } from "@/db/queries/alerts";
import type { AlertOutboxRow } from "@/db/schema";

/** How often the outbox is looked at without a nudge: the recorder nudges after each commit, this catches retries. */
export const POLL_MS = 1_000;
/** Most deliveries in flight at once, across channels. */
export const DEFAULT_CONCURRENCY = 4;

export interface DispatcherStats {
  delivered: number;
  /** Attempts that did not succeed and will be retried. */
  retries: number;
  /** Rows given up (final error or giveUpAfterMinutes passed). The metric `alert deliveries failed` reads this. */
  failed: number;
}

export interface DispatcherOptions {
  pollMs?: number;
  concurrency?: number;
  now?: () => number;
  random?: () => number;
  /** Called after a row's 2xx was recorded (tests and benches). */
  onDelivered?: (row: AlertOutboxRow, at: number) => void;
}

export class Dispatcher {
  private readonly byName: Map<string, Channel>;
  /** A receiver may echo its URL or token in an error body: redacted before the log and the database see it. */
  private readonly secrets: string[];
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private readonly holds: ChannelHolds;
  readonly stats: DispatcherStats = { delivered: 0, retries: 0, failed: 0 };

  constructor(
    private readonly config: AlertsConfig,
    private readonly db: Db,
    private readonly log: Logger,
    channels: readonly Channel[],
    private readonly opts: DispatcherOptions = {},
  ) {
    this.byName = new Map(channels.map((c) => [c.name, c]));
    this.secrets = alertSecrets({ alerts: config });
    this.holds = new ChannelHolds(log, opts.random, () => this.now());
  }

  /** Start polling; pending rows from before a restart are picked up on the first look. */
  start(): void {
    if (this.byName.size === 0 || this.timer) return;
    this.timer = setInterval(() => this.tick(), this.opts.pollMs ?? POLL_MS);
    this.nudge();
  }

  /** Look at the outbox soon (after the recorder committed rows), without waiting for the poll. */
  nudge(): void {
    if (this.scheduled || this.stopping.signal.aborted || this.byName.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.tick();
    });
  }

  /** Stop looking, cancel deliveries in flight (their rows stay pending) and wait for them to settle. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
    // A last try at the 2xx still held: what stays unwritten goes out again after the restart, with the same id.
    for (const [name] of this.holds.allUnrecorded()) {
      const channel = this.byName.get(name)!;
      if (!this.recordDelivered(channel)) this.log.error(`alerts: ${name}: ${this.holds.unrecorded(name)!.row.eventId} was accepted but is not recorded; the next start sends it again (same webhook-id)`);
    }
  }

  private tick(): void {
    if (this.stopping.signal.aborted) return;
    const now = this.now();
    const limit = this.opts.concurrency ?? DEFAULT_CONCURRENCY;
    for (const channel of this.byName.values()) {
      if (this.inFlight.size >= limit) return;
      if (this.busy.has(channel.name) || this.holds.isPaused(channel.name, now)) continue;
      // A 2xx we could not record: only the write is tried again, never the receiver.
      if (this.holds.unrecorded(channel.name)) {
        this.recordDelivered(channel);
        continue;
      }
      let head: AlertOutboxRow | undefined;
      try {
        head = getOutboxHead(this.db, channel.name);
      } catch (err) {
        this.databaseFailed(channel, "cannot read the outbox", err, now);
        continue;
      }
      if (!head || head.nextAttemptAt.getTime() > now) continue;
      this.busy.add(channel.name);
      const work = this.deliver(channel, head).finally(() => {
        this.busy.delete(channel.name);
        this.inFlight.delete(work);
        this.nudge();
      });
      this.inFlight.add(work);
    }
  }

  private async deliver(channel: Channel, row: AlertOutboxRow): Promise<void> {
    const timeoutMs = this.channelTimeout(channel.name);
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(timeoutMs)]);
    let outcome: DeliveryOutcome;
    try {
      outcome = await channel.send(row.event as unknown as AlertEvent, signal);
    } catch (err) {
      outcome = { ok: false, retryable: true, status: null, retryAfterMs: null, error: `channel failed: ${(err as Error).message}` };
    }
    const at = this.now();
    if (outcome.ok) {
      // Held in memory before the write: if the write fails, the row is still never sent again while we live.
      this.holds.keepAccepted(channel.name, { row, at, status: outcome.status });
      this.recordDelivered(channel);
      return;
    }
    // Our own shutdown cut it short: not the receiver's failure, and the row stays as it was for the next start.
    if (this.stopping.signal.aborted) return;
    this.recordFailure(channel, row, outcome, at);
  }

  /** Write the held 2xx of `channel`; on failure it stays held and the channel pauses. Returns whether it was written. */
  private recordDelivered(channel: Channel): boolean {
    const held = this.holds.unrecorded(channel.name);
    if (!held) return true;
    try {
      markOutboxDelivered(this.db, held.row.id, new Date(held.at));
    } catch (err) {
      this.databaseFailed(channel, `${held.row.eventId} was accepted (HTTP ${held.status}) but could not be recorded; it is not sent again, only the write is retried`, err, this.now());
      return false;
    }
    this.holds.recorded(channel.name);
    this.holds.succeeded(channel.name);
    this.stats.delivered += 1;
    // Written after the commit: a reader of the log (the crash test) may take this line as the record.
    this.log.info(`alerts: ${channel.name}: delivered ${held.row.eventId} (HTTP ${held.status})`);
    this.opts.onDelivered?.(held.row, held.at);
    return true;
  }

  private recordFailure(channel: Channel, row: AlertOutboxRow, outcome: Extract<DeliveryOutcome, { ok: false }>, at: number): void {
    const attempts = row.attempts + 1;
    const error = sanitizeMessage(outcome.error, this.secrets, 300);
    const step = afterFailure(row, outcome, at, this.config, this.opts.random);
    if (step.state === "failed") {
      if (!this.writeAttempt(channel, row, { state: "failed", nextAttemptAt: new Date(at), lastError: error }, at)) return;
      this.stats.failed += 1;
      this.log.error(`alerts: ${channel.name}: gave up on ${row.eventId} after ${attempts} attempt(s), ${step.why}: ${error}`);
      return;
    }
    const next = step.nextAttemptAt;
    this.stats.retries += 1;
    if (!this.writeAttempt(channel, row, { state: "pending", nextAttemptAt: new Date(next), lastError: error }, at, next)) return;
    // Look again exactly when it is due, not at the next poll (short test backoffs stay short).
    setTimeout(() => this.nudge(), next - at + 1).unref();
    this.log.warn(`alerts: ${channel.name}: ${row.eventId} attempt ${attempts} failed (${error}); next in ${Math.round((next - at) / 1000)} s`);
  }

  /** Record a failed attempt; when the database refuses, the channel pauses, never before the receiver's own backoff. */
  private writeAttempt(channel: Channel, row: AlertOutboxRow, p: Parameters<typeof markOutboxAttempt>[2], at: number, next = 0): boolean {
    try {
      markOutboxAttempt(this.db, row.id, p);
    } catch (err) {
      this.databaseFailed(channel, `attempt on ${row.eventId} (${p.lastError}) could not be recorded`, err, at, next);
      return false;
    }
    this.holds.succeeded(channel.name);
    return true;
  }

  /** Any database error: the channel waits a growing backoff (holds.ts) and is looked at again when it ends. */
  private databaseFailed(channel: Channel, what: string, err: unknown, now: number, notBefore = 0): void {
    const until = this.holds.failed(channel.name, what, err, now, notBefore);
    setTimeout(() => this.nudge(), until - now + 1).unref();
  }

  private channelTimeout(name: string): number {
    return this.config.channels.find((c) => c.name === name)?.timeoutMs ?? 10_000;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
