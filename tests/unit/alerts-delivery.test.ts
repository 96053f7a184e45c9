import { createHmac, timingSafeEqual } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { createWebhookChannel } from "@/lib/alerts/channels/webhook";
import { Dispatcher } from "@/lib/alerts/dispatcher";
import { monitorOfflineEvent } from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import { alertsSchema, type AlertsConfig } from "@/lib/alerts/types";
import { createLogger } from "@/lib/log";
import type { Db } from "@/db/client";
import { getOutboxRows } from "@/db/queries/alerts";
import { startReceiver, type Answer, type Receiver } from "@/tests/unit/alerts-receiver";
import { openMigratedMemory } from "@/tests/unit/support";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const receivers: Receiver[] = [];
const dispatchers: Dispatcher[] = [];
afterEach(async () => {
  for (const d of dispatchers.splice(0)) await d.stop();
  for (const r of receivers.splice(0)) await r.close().catch(() => {});
});

async function setup(answer: Answer, extra: Partial<AlertsConfig> = {}) {
  const receiver = await startReceiver(answer);
  receivers.push(receiver);
  const config = alertsSchema.parse({ channels: [{ name: "ops", type: "webhook", url: receiver.url, secret: SECRET, timeoutMs: 2_000 }], retry: { firstDelayMs: 50, maxDelayMs: 400 }, ...extra });
  const store = openMigratedMemory();
  const lines: string[] = [];
  const log = createLogger({ secrets: [receiver.url, SECRET], write: (l) => lines.push(l) });
  const dispatcher = new Dispatcher(config, store.db, log, [createWebhookChannel(config.channels[0] as never)], { pollMs: 50 });
  dispatchers.push(dispatcher);
  const enqueue = (count: number, from = 0) => {
    for (let i = from; i < from + count; i++) enqueueEvent(store.db, config.channels, monitorOfflineEvent(1_776_000_000_000 + i * 60_000, `event ${i}`), new Date());
  };
  return { receiver, config, db: store.db as Db, dispatcher, lines, enqueue };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const expectedIds = (count: number) => Array.from({ length: count }, (_, i) => `monitor.offline:${1_776_000_000_000 + i * 60_000}`);

describe("the webhook channel", () => {
  it("signs per Standard Webhooks: the package verifies it, and so does a plain HMAC-SHA256 of id.timestamp.body", async () => {
    const { receiver, dispatcher, enqueue } = await setup(() => ({ status: 200 }));
    enqueue(1);
    dispatcher.start();
    await until(() => receiver.received.length === 1, 5_000);
    const [req] = receiver.received;
    const headers = { "webhook-id": String(req!.headers["webhook-id"]), "webhook-timestamp": String(req!.headers["webhook-timestamp"]), "webhook-signature": String(req!.headers["webhook-signature"]) };
    const payload = new Webhook(SECRET).verify(req!.body, headers) as Record<string, unknown>;
    expect(Object.keys(payload)).toEqual(["type", "id", "occurredAt", "surface", "summary", "url", "data"]);
    expect(payload).toMatchObject({ type: "monitor.offline", id: headers["webhook-id"], surface: null, url: null });
    const key = Buffer.from(SECRET.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key).update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${req!.body}`).digest();
    const given = Buffer.from(headers["webhook-signature"].replace(/^v1,/, ""), "base64");
    expect(timingSafeEqual(given, expected)).toBe(true);
    expect(Math.abs(Number(headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(10);
    // A tampered body fails both.
    expect(() => new Webhook(SECRET).verify(req!.body.replace("offline", "online"), headers)).toThrow();
  });
});

describe("the dispatcher", () => {
  it("delivers each channel's events in order, each once, and marks them delivered", async () => {
    const { receiver, dispatcher, enqueue, db } = await setup(() => ({ status: 202, delayMs: 5 }));
    enqueue(20);
    dispatcher.start();
    await until(() => receiver.received.length === 20, 10_000);
    expect(receiver.received.map((r) => r.id)).toEqual(expectedIds(20));
    await until(() => getOutboxRows(db).every((r) => r.state === "delivered"), 2_000);
    expect(receiver.duplicatesAfter2xx).toBe(0);
  });

  it("honours Retry-After on 429 even when its own backoff is shorter", async () => {
    const { receiver, dispatcher, enqueue, lines } = await setup((_, count) => (count === 0 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 }));
    enqueue(2);
    dispatcher.start();
    await until(() => receiver.received.length === 3, 5_000);
    const [first, second, third] = receiver.received;
    expect(second!.id).toBe(first!.id);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    // The second event waited behind the first: order holds through a retry.
    expect(third!.id).not.toBe(first!.id);
    expect(lines.join("")).toContain("HTTP 429");
    // The channel is named by type and host (lib/alerts/channels/http.ts); the URL's path, which can be a token, never.
    expect(lines.join("")).toMatch(/webhook via 127\.0\.0\.1:\d+: HTTP 429/);
    expect(lines.join("")).not.toContain(receiver.url);
  });

  it("a refusal (400) is given up at once with one logged failure and a counter, and the next event goes on", async () => {
    const { receiver, dispatcher, enqueue, lines, db } = await setup((_, count) => (count === 0 ? { status: 400 } : { status: 200 }));
    enqueue(2);
    dispatcher.start();
    await until(() => receiver.received.length === 2, 5_000);
    await until(() => dispatcher.stats.delivered === 1, 2_000);
    expect(dispatcher.stats.failed).toBe(1);
    expect(getOutboxRows(db).map((r) => r.state)).toEqual(["failed", "delivered"]);
    expect(lines.filter((l) => l.includes("gave up"))).toHaveLength(1);
    expect(getOutboxRows(db)[0]!.lastError).toMatch(/^webhook via 127\.0\.0\.1:\d+: HTTP 400 nope$/);
  });

  it("gives up after giveUpAfterMinutes of failures", async () => {
    let skew = 0;
    const { receiver, config, db, enqueue, lines } = await setup(() => ({ status: 503 }), { giveUpAfterMinutes: 1 });
    enqueue(1);
    const log = createLogger({ secrets: [], write: (l) => lines.push(l) });
    const dispatcher = new Dispatcher(config, db, log, [createWebhookChannel(config.channels[0] as never)], { pollMs: 20, now: () => Date.now() + skew });
    dispatchers.push(dispatcher);
    dispatcher.start();
    await until(() => receiver.received.length >= 2, 5_000);
    skew = 61_000;
    await until(() => dispatcher.stats.failed === 1, 5_000);
    expect(getOutboxRows(db)[0]!.state).toBe("failed");
    expect(lines.filter((l) => l.includes("gave up")).join("")).toContain("not accepted within 1 min");
  });

  it("receiver down for 2 minutes, then up: every event delivered once, in order", { timeout: 200_000 }, async () => {
    const { receiver, dispatcher, enqueue, db } = await setup(() => ({ status: 200 }), { retry: { firstDelayMs: 200, maxDelayMs: 5_000 } });
    await receiver.down();
    enqueue(10);
    dispatcher.start();
    const downFor = 120_000;
    await new Promise((r) => setTimeout(r, downFor / 2));
    enqueue(10, 10); // more happen while it is down
    await new Promise((r) => setTimeout(r, downFor / 2));
    expect(receiver.received).toHaveLength(0);
    expect(dispatcher.stats.retries).toBeGreaterThan(5);
    await receiver.reopen();
    await until(() => receiver.received.length >= 20, 20_000);
    await until(() => getOutboxRows(db).every((r) => r.state === "delivered"), 5_000);
    expect(receiver.received.map((r) => r.id)).toEqual(expectedIds(20));
    expect(receiver.duplicatesAfter2xx).toBe(0);
  });
});

