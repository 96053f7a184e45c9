import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Shipper, type ShipStore, type ShipperOptions } from "@/lib/vantage/shipper";
import { MAX_BATCH_BYTES, MAX_BATCH_RESULTS, parseBatch, verifySigned, type ParsedBatch } from "@/lib/vantage/wire";
import type { ProbeResult } from "@/probes/types";
import { sampleResult } from "./support";

const VANTAGE = "fra";
const DAY_MS = 24 * 3_600_000;
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** The vantage's queue, in memory: what the lead's SQLite store does, minus the disk. */
class MemoryStore implements ShipStore {
  rows: { id: number; startedAtMs: number; result: ProbeResult }[] = [];
  private at = 0;
  private nextId = 1;

  add(count: number, { startedAtMs = Date.now(), overrides = {} }: { startedAtMs?: number; overrides?: Partial<ProbeResult> } = {}): void {
    for (let i = 0; i < count; i++) {
      const id = this.nextId++;
      this.rows.push({ id, startedAtMs, result: row(id, startedAtMs, overrides) });
    }
  }
  pending(afterId: number, limit: number) {
    return this.rows.filter((r) => r.id > afterId).slice(0, limit);
  }
  cursor() {
    return this.at;
  }
  advance(toId: number) {
    this.at = toId;
  }
  backlog(afterId: number) {
    return this.rows.filter((r) => r.id > afterId).length;
  }
  dropOlderThan(cutoffMs: number, afterId: number) {
    const before = this.rows.length;
    this.rows = this.rows.filter((r) => r.id <= afterId || r.startedAtMs >= cutoffMs);
    return before - this.rows.length;
  }
}

function row(id: number, startedAtMs: number, overrides: Partial<ProbeResult>): ProbeResult {
  // Each row names its queue id, so the hub's record can say which rows arrived.
  return sampleResult(new Date(startedAtMs + id).toISOString(), { probe: `messages:model-${id % 3}`, kind: "messages", model: `model-${id % 3}`, requestId: `row-${id}`, ...overrides });
}

interface Request {
  at: number;
  webhookId: string;
  bodyBytes: number;
  batch: ParsedBatch;
  rowIds: number[];
}
type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | "hang";

/** A stand-in hub on 127.0.0.1: verifies each POST, records it, then answers as the test says (a receipt by default). */
class Hub {
  requests: Request[] = [];
  stored = new Set<number>();
  private server: Server | null = null;

  constructor(
    private readonly secrets: Record<string, string>,
    private readonly answer: (request: Request, n: number) => Answer | undefined = () => undefined,
  ) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const vantage = /\/api\/v1\/vantages\/([^/]+)\/results$/.exec(req.url ?? "")?.[1] ?? "";
    const verified = verifySigned(this.secrets[vantage], req.headers, body, Date.now());
    if (!verified.ok) return send(res, { status: 401, body: { error: verified.error } });
    const batch = parseBatch(body);
    if ("error" in batch) return send(res, { status: batch.status, body: { error: batch.error } });
    const rowIds = batch.results.map(({ result }) => Number(result.requestId?.slice(4)));
    const request: Request = { at: Date.now(), webhookId: verified.id, bodyBytes: Buffer.byteLength(body), batch, rowIds };
    this.requests.push(request);
    const answer = this.answer(request, this.requests.length) ?? this.receipt(rowIds, batch.rejected);
    if (answer !== "hang") send(res, answer);
  }

  private receipt(rowIds: number[], rejected: ParsedBatch["rejected"]): Answer {
    const fresh = rowIds.filter((id) => !this.stored.has(id));
    for (const id of fresh) this.stored.add(id);
    return { status: 200, body: { accepted: fresh.length, duplicates: rowIds.length - fresh.length, rejected } };
  }
}

function send(res: ServerResponse, answer: Exclude<Answer, "hang">): void {
  res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
  res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
}

function recordingLog() {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, log: { info: at("info"), warn: at("warn"), error: at("error") } };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(answer?: (request: Request, n: number) => Answer | undefined, options: Partial<ShipperOptions> & { hubSecrets?: Record<string, string> } = {}) {
  const secret = newSecret();
  const hub = new Hub(options.hubSecrets ?? { [VANTAGE]: secret }, answer);
  const hubUrl = await hub.listen();
  cleanups.push(() => hub.close());
  const store = new MemoryStore();
  const { lines, log } = recordingLog();
  const shipper = new Shipper({ hubUrl, vantageId: VANTAGE, secret, store, log, random: () => 0, intervalMs: 60_000, ...options });
  cleanups.push(() => shipper.stop());
  return { hub, store, shipper, lines, secret };
}

describe("shipping", () => {
  it("ships 1,234 rows in id order, in batches of at most 500, each exactly once", async () => {
    const { hub, store, shipper } = await setup();
    store.add(1_234);
    shipper.start();
    await waitFor(() => shipper.stats().cursor === 1_234, "the queue to drain");
    expect(hub.requests.map((r) => r.webhookId)).toEqual(["b-1-500", "b-501-1000", "b-1001-1234"]);
    expect(hub.requests.map((r) => r.batch.backlog)).toEqual([734, 234, 0]);
    expect(hub.requests.flatMap((r) => r.rowIds)).toEqual(Array.from({ length: 1_234 }, (_, i) => i + 1));
    expect(shipper.stats()).toMatchObject({ cursor: 1_234, backlog: 0, sent: 1_234, consecutiveFailures: 0, lastError: null, dropped: 0 });
    expect(shipper.stats().lastSuccessAt).toEqual(expect.any(Number));
  });

  it("keeps each POST under 1 MiB, stopping before the byte cap", async () => {
    const { hub, store, shipper } = await setup();
    store.add(40, { overrides: { details: { blob: "x".repeat(60_000) } } });
    while ((await shipper.shipOnce()).kind === "sent");
    expect(hub.requests.length).toBeGreaterThan(1);
    for (const request of hub.requests) expect(request.bodyBytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(hub.requests.flatMap((r) => r.rowIds)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("does nothing when nothing is pending", async () => {
    const { hub, shipper } = await setup();
    expect(await shipper.shipOnce()).toEqual({ kind: "idle" });
    expect(hub.requests).toHaveLength(0);
  });

  it("ships at once on a nudge when 100 rows are pending, not for fewer", async () => {
    const { hub, store, shipper } = await setup();
    store.add(1);
    shipper.start();
    await waitFor(() => shipper.stats().cursor === 1, "the first pass");
    store.add(50);
    shipper.nudge();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hub.requests).toHaveLength(1);
    store.add(60);
    shipper.nudge();
    await waitFor(() => shipper.stats().cursor === 111, "the nudged batch");
    expect(hub.requests.map((r) => r.webhookId)).toEqual(["b-1-1", "b-2-111"]);
  });

  it("a whole batch rejected is a receipt of many kilobytes, read whole: the queue moves on", async () => {
    const { store, shipper } = await setup();
    store.add(500, { overrides: { kind: "nonsense" as ProbeResult["kind"] } });
    expect(await shipper.shipOnce()).toMatchObject({ kind: "sent", rows: 500, accepted: 0, rejected: 500 });
    expect(shipper.stats()).toMatchObject({ cursor: 500, rejected: 500 });
  });

  it("a row the hub rejects is counted and logged once, and never blocks the queue", async () => {
    const { hub, store, shipper, lines } = await setup();
    store.add(2);
    store.add(1, { overrides: { kind: "nonsense" as ProbeResult["kind"] } });
    store.add(1, { overrides: { totalMs: -5 } });
    store.add(1);
    expect(await shipper.shipOnce()).toMatchObject({ kind: "sent", rows: 5, accepted: 3, duplicates: 0, rejected: 2 });
    expect(shipper.stats()).toMatchObject({ cursor: 5, rejected: 2, sent: 5 });
    const warned = lines.filter((line) => line.level === "warn");
    expect(warned).toHaveLength(1);
    expect(warned[0]?.message).toMatch(/rejected 2 of 5 .*#2 kind/);
    store.add(1);
    expect(await shipper.shipOnce()).toMatchObject({ kind: "sent", rows: 1 });
    expect([...hub.stored]).toEqual([1, 2, 5, 6]);
  });
});

describe("failures", () => {
  it("retries a batch after a 500 with the same batch id, and stores each row once", async () => {
    const { hub, store, shipper } = await setup((_, n) => (n === 1 ? { status: 500 } : undefined));
    store.add(3);
    shipper.start();
    await waitFor(() => shipper.stats().cursor === 3, "the retry to succeed");
    expect(hub.requests.map((r) => r.webhookId)).toEqual(["b-1-3", "b-1-3"]);
    expect(hub.requests.map((r) => r.rowIds)).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(shipper.stats()).toMatchObject({ consecutiveFailures: 0, lastError: null, sent: 3 });
  });

  it.each([
    ["a 500", { status: 500 }, /HTTP 500/, 20_000],
    ["a 400", { status: 400 }, /HTTP 400/, 20_000],
    ["a 429 without Retry-After", { status: 429 }, /HTTP 429/, 20_000],
    ["a 200 without a receipt", { status: 200, body: "<html>" }, /without a receipt/, 20_000],
    ["no answer in time", "hang" as const, /no answer within 300 ms/, 300],
  ])("%s keeps the rows and backs off", async (_, answer, error, fetchTimeoutMs) => {
    const { store, shipper } = await setup(() => answer, { fetchTimeoutMs, random: () => 0.5 });
    store.add(4);
    expect(await shipper.shipOnce()).toMatchObject({ kind: "failed", batchId: "b-1-4", error: expect.stringMatching(error), waitMs: 500 });
    expect(await shipper.shipOnce()).toMatchObject({ kind: "failed", waitMs: 1_000 });
    expect(shipper.stats()).toMatchObject({ cursor: 0, backlog: 4, consecutiveFailures: 2, sent: 0, lastError: expect.stringMatching(error) });
  });

  it("a hub that is down keeps the rows, backing off with full jitter up to 60 s", async () => {
    const hub = new Hub({});
    const hubUrl = await hub.listen();
    await hub.close();
    const store = new MemoryStore();
    const shipper = new Shipper({ hubUrl, vantageId: VANTAGE, secret: newSecret(), store, log: recordingLog().log, random: () => 0.999 });
    store.add(2);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const outcome = await shipper.shipOnce();
      expect(outcome).toMatchObject({ kind: "failed", error: expect.stringMatching(/network error: ECONNREFUSED/) });
      waits.push(Math.round(("waitMs" in outcome ? outcome.waitMs : 0) / 1000));
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(shipper.stats()).toMatchObject({ cursor: 0, backlog: 2 });
  });

  it("a 413 halves the batch and retries at once, then grows it back after successes", async () => {
    const { hub, store, shipper } = await setup((request) => (request.batch.results.length > 100 ? { status: 413 } : undefined));
    store.add(600);
    shipper.start();
    await waitFor(() => shipper.stats().cursor === 600, "the queue to drain");
    const sizes = hub.requests.map((r) => r.batch.results.length);
    expect(sizes.slice(0, 4)).toEqual([500, 250, 125, 62]);
    expect(sizes.every((size) => size <= MAX_BATCH_RESULTS)).toBe(true);
    expect([...hub.stored].sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(shipper.stats().consecutiveFailures).toBe(0);
  });

  it("a 413 for a single row is a failure, not a loop", async () => {
    const { store, shipper } = await setup(() => ({ status: 413 }));
    store.add(1);
    expect(await shipper.shipOnce()).toMatchObject({ kind: "failed", error: "HTTP 413 for a single result" });
  });

  // A whole second, near the real clock: HTTP dates have seconds only, and the stand-in hub verifies on Date.now().
  const fixedNow = Math.floor(Date.now() / 1000) * 1000;
  it.each([
    ["seconds", "2", 2_000],
    ["an HTTP date", new Date(fixedNow + 120_000).toUTCString(), 120_000],
    ["an hour, capped at 10 minutes", "3600", 600_000],
    ["zero, floored at a second", "0", 1_000],
  ])("a 503 with Retry-After as %s waits that long", async (_, retryAfter, waitMs) => {
    const { store, shipper } = await setup(() => ({ status: 503, headers: { "retry-after": retryAfter } }), { now: () => fixedNow });
    store.add(1);
    expect(await shipper.shipOnce()).toEqual({ kind: "throttled", batchId: "b-1-1", status: 503, waitMs });
    expect(shipper.stats()).toMatchObject({ cursor: 0, consecutiveFailures: 1 });
  });

  it("the loop honours Retry-After from a 429, and a nudge does not cut the wait short", async () => {
    const { hub, store, shipper } = await setup((_, n) => (n === 1 ? { status: 429, headers: { "retry-after": "1" } } : undefined));
    store.add(1);
    shipper.start();
    await waitFor(() => hub.requests.length === 1 && shipper.stats().consecutiveFailures === 1, "the refused POST");
    store.add(150);
    shipper.nudge();
    await waitFor(() => shipper.stats().cursor === 151, "the retry after the wait");
    const [refused, retried] = hub.requests;
    // A timer never fires early; the slack covers the clock's rounding only.
    expect((retried?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(retried?.webhookId).toBe("b-1-151");
  });

  it("a 401 keeps the rows, waits the backoff cap, and logs at most once a minute", async () => {
    let clock = Date.now();
    const { hub, store, shipper, lines } = await setup(undefined, { hubSecrets: { [VANTAGE]: newSecret() }, now: () => clock });
    store.add(3);
    expect(await shipper.shipOnce()).toEqual({ kind: "unauthorized", batchId: "b-1-3", error: "bad_signature", waitMs: 60_000 });
    clock += 30_000;
    await shipper.shipOnce();
    clock += 31_000;
    await shipper.shipOnce();
    const errors = lines.filter((line) => line.level === "error");
    expect(errors).toHaveLength(2);
    expect(errors[0]?.message).toMatch(/bad_signature/);
    expect(shipper.stats()).toMatchObject({ cursor: 0, backlog: 3, consecutiveFailures: 3, lastError: "HTTP 401 bad_signature" });
    expect(hub.requests).toHaveLength(0);
  });

  it("a hub that does not know the vantage answers unknown_vantage", async () => {
    const { store, shipper } = await setup(undefined, { hubSecrets: {} });
    store.add(1);
    expect(await shipper.shipOnce()).toMatchObject({ kind: "unauthorized", error: "unknown_vantage" });
  });

  it("never logs the secret or the body", async () => {
    const { store, shipper, lines, secret } = await setup(() => ({ status: 500 }));
    store.add(1, { overrides: { message: "BODY-MARKER" } });
    await shipper.shipOnce();
    expect(lines.length).toBeGreaterThan(0);
    for (const { message } of lines) {
      expect(message).not.toContain(secret.slice(6));
      expect(message).not.toContain("BODY-MARKER");
    }
  });

  it("stop() aborts an in-flight POST and leaves its rows unsent", async () => {
    const { hub, store, shipper } = await setup(() => "hang");
    store.add(2);
    shipper.start();
    await waitFor(() => hub.requests.length === 1, "the POST to reach the hub");
    await shipper.stop();
    expect(shipper.stats()).toMatchObject({ cursor: 0, backlog: 2, consecutiveFailures: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hub.requests).toHaveLength(1);
  });
});

describe("retention", () => {
  it("drops unsent rows older than 7 days, counts them, and says so once", async () => {
    const { hub, store, shipper, lines } = await setup();
    const now = Date.now();
    store.add(3, { startedAtMs: now - 8 * DAY_MS });
    store.add(2, { startedAtMs: now - 6 * DAY_MS });
    expect(await shipper.shipOnce()).toMatchObject({ kind: "sent", rows: 2 });
    expect(hub.requests[0]?.rowIds).toEqual([4, 5]);
    expect(shipper.stats()).toMatchObject({ dropped: 3, sent: 2, cursor: 5 });
    const warned = lines.filter((line) => line.level === "warn");
    expect(warned).toHaveLength(1);
    expect(warned[0]?.message).toMatch(/dropped 3 unsent results older than 7 days/);
  });
});
