/**
 * Delivers the outbox. Per channel in order: a channel's next row waits until the one before it was accepted or
 * given up, so "resolved" never overtakes "opened". A failed attempt waits an exponential backoff with jitter (or the
 * receiver's Retry-After on 429/503); a row not accepted within giveUpAfterMinutes is given up with one logged error
 * and a counter. A 2xx is recorded in its own transaction the moment it arrives, so a row is never sent again after
 * a recorded 2xx; a crash between the receiver's 2xx and that write (microseconds) is the only way to resend one, and
 * the resend carries the same webhook-id. Async and bounded: one delivery per channel, `concurrency` in all, and every
 * database touch is one small indexed statement, so probes and recording never wait on a receiver.
 */
import { alertSecrets } from "@/lib/config";
import type { Logger } from "@/lib/log";
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

/** The wait before attempt `attempts + 1`: firstDelayMs doubled per attempt up to maxDelayMs, half of it random. */
export function backoffMs(attempts: number, retry: AlertsConfig["retry"], random: () => number = Math.random): number {
  const base = Math.min(retry.maxDelayMs, retry.firstDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base / 2 + (base / 2) * random());
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
  }

  private tick(): void {
    if (this.stopping.signal.aborted) return;
    const now = this.now();
    const limit = this.opts.concurrency ?? DEFAULT_CONCURRENCY;
    for (const channel of this.byName.values()) {
      if (this.inFlight.size >= limit) return;
      if (this.busy.has(channel.name)) continue;
      let head: AlertOutboxRow | undefined;
      try {
        head = getOutboxHead(this.db, channel.name);
      } catch (err) {
        this.log.error(`alerts: cannot read the outbox: ${(err as Error).message}`);
        return;
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
    try {
      if (outcome.ok) {
        // First thing after the 2xx, synchronously: from here on the row is never sent again.
        markOutboxDelivered(this.db, row.id, new Date(at));
        this.stats.delivered += 1;
        this.opts.onDelivered?.(row, at);
        return;
      }
      // Our own shutdown cut it short: not the receiver's failure, and the row stays as it was for the next start.
      if (this.stopping.signal.aborted) return;
      this.recordFailure(channel, row, outcome, at);
    } catch (err) {
      this.log.error(`alerts: ${channel.name}: delivery of ${row.eventId} not recorded: ${(err as Error).message}`);
    }
  }

  private recordFailure(channel: Channel, row: AlertOutboxRow, outcome: Extract<DeliveryOutcome, { ok: false }>, at: number): void {
    const attempts = row.attempts + 1;
    const giveUpAt = row.createdAt.getTime() + this.config.giveUpAfterMinutes * 60_000;
    const error = sanitizeMessage(outcome.error, this.secrets, 300);
    if (!outcome.retryable || at >= giveUpAt) {
      markOutboxAttempt(this.db, row.id, { state: "failed", nextAttemptAt: new Date(at), lastError: error });
      this.stats.failed += 1;
      const why = outcome.retryable ? `not accepted within ${this.config.giveUpAfterMinutes} min` : "refused";
      this.log.error(`alerts: ${channel.name}: gave up on ${row.eventId} after ${attempts} attempt(s), ${why}: ${error}`);
      return;
    }
    const backoff = backoffMs(attempts, this.config.retry, this.opts.random);
    // The receiver said when: honour it (it is rate limiting us), but never past the give-up time.
    const wait = outcome.retryAfterMs !== null ? Math.max(outcome.retryAfterMs, 0) : backoff;
    const next = Math.min(at + wait, Math.max(giveUpAt, at));
    markOutboxAttempt(this.db, row.id, { state: "pending", nextAttemptAt: new Date(next), lastError: error });
    this.stats.retries += 1;
    // Look again exactly when it is due, not at the next poll (short test backoffs stay short).
    setTimeout(() => this.nudge(), next - at + 1).unref();
    this.log.warn(`alerts: ${channel.name}: ${row.eventId} attempt ${attempts} failed (${error}); next in ${Math.round((next - at) / 1000)} s`);
  }

  private channelTimeout(name: string): number {
    return this.config.channels.find((c) => c.name === name)?.timeoutMs ?? 10_000;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
