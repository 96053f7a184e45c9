/**
 * Store and forward from a vantage to its hub: the worker commits results locally, and this loop POSTs the unsent ones
 * in id order as signed batches, advancing a cursor only on a 2xx. Delivery is at least once; the hub dedupes by
 * (vantage, series, startedAt), so a retry after a lost answer costs nothing. Retries follow Prometheus remote-write
 * (retry 5xx, 429 and the network; honour Retry-After), and nothing but the 7-day retention ever drops a row.
 */
import { z } from "zod";
import { describeNetworkError as describeError, readCapped, retryAfterMs } from "@/lib/alerts/channels/http";
import { MAX_BATCH_BYTES, MAX_BATCH_RESULTS, VANTAGE_ID, batchIdFor, hubErrorCode, parseJson, signedHeaders } from "@/lib/vantage/wire";
import type { ProbeResult } from "@/probes/types";

/** The vantage's local queue: rows by ascending id, and a cursor naming the last one the hub took. */
export interface ShipStore {
  pending(afterId: number, limit: number): { id: number; startedAtMs: number; result: ProbeResult }[];
  cursor(): number;
  advance(toId: number): void;
  backlog(afterId: number): number;
  /** Delete rows after `afterId` that started before `cutoffMs`; returns how many. */
  dropOlderThan(cutoffMs: number, afterId: number): number;
  /** Rows dropped over the queue's life, told to the hub with every batch (its witness_vantage_dropped_total). */
  dropped?(): number;
}

/** Where the shipper's one-line reports go (lib/log.ts's Logger fits). */
export interface ShipperLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a shipper needs; `now` and `random` are injectable so tests can pin the clock and the jitter. */
export interface ShipperOptions {
  /** The hub's base URL, e.g. https://witness.example.org. */
  hubUrl: string;
  vantageId: string;
  /** This vantage's whsec_ secret, shared with the hub. */
  secret: string;
  store: ShipStore;
  log: ShipperLog;
  now?: () => number;
  /** In [0, 1): the jitter of the backoff. */
  random?: () => number;
  /** How often to ship when fewer than a batch's worth of rows wait; 5 s by default. */
  intervalMs?: number;
  /** How long one POST may take, answer included; 30 s by default. */
  fetchTimeoutMs?: number;
}

/** What one attempt did; `waitMs` is how long the loop waits before the next one after a refusal or failure. */
export type ShipOutcome =
  | { kind: "idle" }
  | { kind: "sent"; batchId: string; rows: number; accepted: number; duplicates: number; rejected: number; backlog: number }
  | { kind: "too_large"; batchId: string; batchSize: number }
  | { kind: "throttled"; batchId: string; status: number; waitMs: number }
  | { kind: "unauthorized"; batchId: string; error: string; waitMs: number }
  | { kind: "failed"; batchId: string | null; error: string; waitMs: number };

/** The shipper's health, for the vantage's own metrics and logs. Times are ms on the shipper's clock. */
export interface ShipStats {
  cursor: number;
  backlog: number;
  lastSuccessAt: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  dropped: number;
  rejected: number;
  sent: number;
}

interface Batch {
  batchId: string;
  lastId: number;
  rows: number;
  /** Rows after this batch when it was made: what the loop does once it is taken. */
  backlog: number;
  body: string;
}

// A week covers any hub outage worth catching up on and bounds the vantage's disk; older rows are dropped and counted.
const RETENTION_MS = 7 * 24 * 3_600_000;
// Enough rows for a batch worth sending at once; below this the interval ships them.
const NUDGE_ROWS = 100;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 60_000;
// A hub asking for longer than this is misconfigured; checking back sooner costs one request.
const RETRY_AFTER_CAP_MS = 10 * 60_000;
// A refused signature repeats every minute until someone fixes the secret or the clock; one line a minute is enough.
const AUTH_LOG_EVERY_MS = 60_000;
// The envelope around the rows: braces, keys, a batch id of two integers and the backlog.
const ENVELOPE_RESERVE_BYTES = 256;
const MAX_QUOTE = 200;
// A receipt names every rejected row with a reason of at most 200 characters: 500 of them stay well under this.
const MAX_RECEIPT_BYTES = 1024 * 1024;

const receiptSchema = z.object({
  accepted: z.number().int().min(0),
  duplicates: z.number().int().min(0),
  rejected: z.array(z.object({ index: z.number().int().min(0), reason: z.string() })),
});

/** The loop that drains a vantage's queue to its hub; one POST at a time, never throwing out of its timer. */
export class Shipper {
  private readonly url: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly intervalMs: number;
  private readonly fetchTimeoutMs: number;
  private batchSize = MAX_BATCH_RESULTS;
  private readonly counts = { consecutiveFailures: 0, dropped: 0, rejected: 0, sent: 0 };
  private lastSuccessAt: number | null = null;
  private lastError: string | null = null;
  private lastAuthLogAt = Number.NEGATIVE_INFINITY;
  private isRunning = false;
  private timer: NodeJS.Timeout | null = null;
  private isNudgedMidAttempt = false;
  private inFlight: AbortController | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ShipperOptions) {
    if (!VANTAGE_ID.test(options.vantageId)) throw new Error(`vantage id "${options.vantageId}" must match ${VANTAGE_ID}`);
    // Signing once here makes a malformed secret fail at start, with a message that does not quote it.
    signedHeaders(options.secret, "check", "", new Date(0));
    this.url = `${options.hubUrl.replace(/\/+$/, "")}/api/v1/vantages/${options.vantageId}/results`;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.intervalMs = options.intervalMs ?? 5_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 30_000;
  }

  /** Begin shipping: at once (a restart catches up), then every interval, sooner while a backlog drains. */
  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.schedule(0);
  }

  /** Stop the loop; resolves once an in-flight POST is aborted and settled. Its rows stay unsent for the next start. */
  async stop(): Promise<void> {
    this.isRunning = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
    await this.chain;
  }

  /** Call after each local commit: ships at once when a batch's worth is pending, unless the hub is being waited out. */
  nudge(): void {
    if (!this.isRunning || this.counts.consecutiveFailures > 0) return;
    // No timer while an attempt runs: remember the nudge, and the attempt looks again when it has rescheduled itself.
    if (!this.timer) {
      this.isNudgedMidAttempt = true;
      return;
    }
    try {
      if (this.options.store.backlog(this.options.store.cursor()) >= NUDGE_ROWS) this.schedule(0);
    } catch (error) {
      this.options.log.error(`shipper: reading the backlog failed: ${describeError(error)}`);
    }
  }

  /** One attempt: retention, then one POST of the oldest unsent rows. Serialised, so two POSTs never overlap. */
  shipOnce(): Promise<ShipOutcome> {
    const attempt = this.chain.then(() => this.attempt());
    this.chain = attempt.catch(() => {});
    return attempt;
  }

  /** Where the queue stands. */
  stats(): ShipStats {
    const cursor = this.options.store.cursor();
    return { cursor, backlog: this.options.store.backlog(cursor), lastSuccessAt: this.lastSuccessAt, lastError: this.lastError, ...this.counts };
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    let delayMs: number;
    try {
      delayMs = this.delayAfter(await this.shipOnce());
    } catch (error) {
      // A store error (a locked or full disk) must not end the loop: log it and back off like a failed POST.
      delayMs = this.fail(null, `the local queue failed: ${describeError(error)}`).waitMs;
    }
    if (!this.isRunning) return;
    this.schedule(delayMs);
    if (this.isNudgedMidAttempt) {
      this.isNudgedMidAttempt = false;
      this.nudge();
    }
  }

  private delayAfter(outcome: ShipOutcome): number {
    if (outcome.kind === "idle") return this.intervalMs;
    if (outcome.kind === "sent") return outcome.backlog > 0 ? 0 : this.intervalMs;
    if (outcome.kind === "too_large") return 0;
    return outcome.waitMs;
  }

  private async attempt(): Promise<ShipOutcome> {
    this.dropExpired();
    const batch = this.nextBatch();
    return batch ? this.post(batch) : { kind: "idle" };
  }

  private dropExpired(): void {
    const { store, log } = this.options;
    const dropped = store.dropOlderThan(this.now() - RETENTION_MS, store.cursor());
    if (dropped === 0) return;
    this.counts.dropped += dropped;
    log.warn(`shipper: dropped ${dropped} unsent results older than 7 days: the hub has not taken them within the retention`);
  }

  private nextBatch(): Batch | null {
    const { store } = this.options;
    const rows = store.pending(store.cursor(), this.batchSize);
    const pieces: string[] = [];
    let bytes = ENVELOPE_RESERVE_BYTES;
    for (const row of rows) {
      const piece = JSON.stringify(row.result);
      const size = Buffer.byteLength(piece) + 1;
      // The first row always goes: the hub caps a row far below the batch cap.
      if (pieces.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
      pieces.push(piece);
      bytes += size;
    }
    const first = rows[0];
    const last = rows[pieces.length - 1];
    if (!first || !last) return null;
    const batchId = batchIdFor(first.id, last.id);
    const backlog = store.backlog(last.id);
    const dropped = store.dropped?.() ?? this.counts.dropped;
    const body = `{"batchId":${JSON.stringify(batchId)},"backlog":${backlog},"dropped":${dropped},"results":[${pieces.join(",")}]}`;
    return { batchId, lastId: last.id, rows: pieces.length, backlog, body };
  }

  private async post(batch: Batch): Promise<ShipOutcome> {
    const abort = new AbortController();
    const timeout = AbortSignal.timeout(this.fetchTimeoutMs);
    this.inFlight = abort;
    // Re-signed on every attempt: the id stays the batch's, the timestamp is now's, so a retry is never stale.
    const headers = { "content-type": "application/json", ...signedHeaders(this.options.secret, batch.batchId, batch.body, new Date(this.now())) };
    try {
      // Redirects are not followed: a signed body must not be carried to another address.
      const response = await fetch(this.url, { method: "POST", headers, body: batch.body, signal: AbortSignal.any([abort.signal, timeout]), redirect: "manual" });
      const text = await readCapped(response, MAX_RECEIPT_BYTES);
      return this.judge(batch, response.status, response.headers.get("retry-after"), text);
    } catch (error) {
      if (abort.signal.aborted) return { kind: "failed", batchId: batch.batchId, error: "stopped", waitMs: 0 };
      return this.fail(batch, timeout.aborted ? `no answer within ${this.fetchTimeoutMs} ms` : `network error: ${describeError(error)}`);
    } finally {
      this.inFlight = null;
    }
  }

  private judge(batch: Batch, status: number, retryAfter: string | null, text: string): ShipOutcome {
    if (status >= 200 && status < 300) return this.succeed(batch, status, text);
    if (status === 413) return this.shrink(batch);
    if (status === 401) return this.unauthorized(batch, text);
    const waitMs = status === 429 || status === 503 ? retryAfterMs(retryAfter, this.now()) : null;
    // At least the backoff's first step, so a hub answering "Retry-After: 0" cannot spin the loop.
    if (waitMs !== null) return this.throttled(batch, status, Math.min(Math.max(waitMs, BACKOFF_BASE_MS), RETRY_AFTER_CAP_MS));
    return this.fail(batch, `HTTP ${status}`);
  }

  private succeed(batch: Batch, status: number, text: string): ShipOutcome {
    const receipt = receiptSchema.safeParse(parseJson(text));
    // A 2xx without a receipt may be a proxy or a captive portal, not the hub: keeping the rows is the safe side.
    if (!receipt.success) return this.fail(batch, `HTTP ${status} without a receipt`);
    const { accepted, duplicates, rejected } = receipt.data;
    this.options.store.advance(batch.lastId);
    this.counts.consecutiveFailures = 0;
    this.counts.sent += batch.rows;
    this.counts.rejected += rejected.length;
    this.batchSize = Math.min(MAX_BATCH_RESULTS, this.batchSize * 2);
    this.lastSuccessAt = this.now();
    this.lastError = null;
    const [first] = rejected;
    if (first) this.options.log.warn(`shipper: the hub rejected ${rejected.length} of ${batch.rows} results in ${batch.batchId} (first: #${first.index} ${first.reason.slice(0, MAX_QUOTE)})`);
    return { kind: "sent", batchId: batch.batchId, rows: batch.rows, accepted, duplicates, rejected: rejected.length, backlog: batch.backlog };
  }

  private shrink(batch: Batch): ShipOutcome {
    if (batch.rows <= 1) return this.fail(batch, "HTTP 413 for a single result");
    this.batchSize = Math.max(1, Math.floor(batch.rows / 2));
    this.options.log.warn(`shipper: the hub found ${batch.batchId} too large (${batch.rows} results); retrying with ${this.batchSize}`);
    return { kind: "too_large", batchId: batch.batchId, batchSize: this.batchSize };
  }

  private throttled(batch: Batch, status: number, waitMs: number): ShipOutcome {
    this.counts.consecutiveFailures += 1;
    this.lastError = `HTTP ${status}: the hub asked to retry in ${Math.ceil(waitMs / 1000)} s`;
    this.options.log.warn(`shipper: ${batch.batchId} refused with HTTP ${status}; retrying in ${Math.ceil(waitMs / 1000)} s as asked`);
    return { kind: "throttled", batchId: batch.batchId, status, waitMs };
  }

  private unauthorized(batch: Batch, text: string): ShipOutcome {
    const reason = hubErrorCode(text) ?? "unauthorized";
    this.counts.consecutiveFailures += 1;
    this.lastError = `HTTP 401 ${reason}`;
    const now = this.now();
    if (now - this.lastAuthLogAt >= AUTH_LOG_EVERY_MS) {
      this.lastAuthLogAt = now;
      this.options.log.error(`shipper: the hub refused the signature (${reason}); check WITNESS_VANTAGE_SECRET and this machine's clock. Results are kept.`);
    }
    return { kind: "unauthorized", batchId: batch.batchId, error: reason, waitMs: BACKOFF_CAP_MS };
  }

  // Full jitter (a random wait up to the doubled ceiling), so vantages recovering together do not stampede the hub.
  private fail(batch: Batch | null, error: string): ShipOutcome & { kind: "failed" } {
    this.counts.consecutiveFailures += 1;
    this.lastError = error;
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (this.counts.consecutiveFailures - 1));
    const waitMs = Math.floor(this.random() * ceiling);
    const what = batch ? `${batch.batchId} (${batch.rows} results)` : "a batch";
    this.options.log.warn(`shipper: shipping ${what} failed: ${error}; retrying in ${(waitMs / 1000).toFixed(1)} s`);
    return { kind: "failed", batchId: batch?.batchId ?? null, error, waitMs };
  }
}
