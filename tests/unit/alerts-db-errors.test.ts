/**
 * The dispatcher when the database refuses writes (issue 13 item 2 without the tmpfs): `PRAGMA query_only` makes
 * every write fail with SQLITE_READONLY, as a read-only disk does, while reads go on working.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createWebhookChannel } from "@/lib/alerts/channels/webhook";
import { Dispatcher } from "@/lib/alerts/dispatcher";
import { monitorOfflineEvent } from "@/lib/alerts/events";
import { ChannelHolds, DB_RETRY } from "@/lib/alerts/holds";
import { limitErrors } from "@/lib/alerts/log-limit";
import { enqueueEvent } from "@/lib/alerts/outbox";
import { alertsSchema } from "@/lib/alerts/types";
import { createLogger } from "@/lib/log";
import { getOutboxRows } from "@/db/queries/alerts";
import { startReceiver, type Answer, type Receiver } from "@/tests/unit/alerts-receiver";
import { openMigratedMemory } from "@/tests/unit/support";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(20);
  }
}

async function setup(answer: Answer) {
  const receiver: Receiver = await startReceiver(answer);
  const config = alertsSchema.parse({ channels: [{ name: "ops", type: "webhook", url: receiver.url, secret: SECRET, timeoutMs: 2_000 }], retry: { firstDelayMs: 50, maxDelayMs: 400 } });
  const store = openMigratedMemory();
  for (let i = 0; i < 2; i++) enqueueEvent(store.db, config.channels, monitorOfflineEvent(1_776_000_000_000 + i * 60_000, `event ${i}`), new Date());
  const lines: string[] = [];
  const log = createLogger({ secrets: [receiver.url, SECRET], write: (l) => lines.push(l) });
  const dispatcher = new Dispatcher(config, store.db, log, [createWebhookChannel(config.channels[0] as never)], { pollMs: 20 });
  cleanups.push(async () => {
    await dispatcher.stop();
    await receiver.close();
    store.close();
  });
  const readOnly = (on: boolean) => store.sqlite.pragma(`query_only = ${on ? "ON" : "OFF"}`);
  return { receiver, db: store.db, dispatcher, lines, readOnly };
}

describe("the dispatcher when the database refuses writes", () => {
  it("a 2xx it cannot record is never sent again: only the write is retried, then the queue goes on in order", async () => {
    const { receiver, db, dispatcher, lines, readOnly } = await setup(() => ({ status: 200 }));
    readOnly(true);
    dispatcher.start();
    await until(() => receiver.received.length === 1, 5_000);
    // Several database backoffs (and 100 polls) pass: the row is still due in the database, yet nobody sends it.
    await until(() => lines.some((l) => l.includes("could not be recorded")), 5_000);
    await sleep(2_000);
    expect(receiver.received).toHaveLength(1);
    expect(getOutboxRows(db).map((r) => r.state)).toEqual(["pending", "pending"]);
    const writableAt = Date.now();
    readOnly(false);
    await until(() => getOutboxRows(db).every((r) => r.state === "delivered"), 2 * DB_RETRY.maxDelayMs);
    expect(receiver.received.map((r) => r.id)).toEqual(["monitor.offline:1776000000000", "monitor.offline:1776000060000"]);
    expect(receiver.duplicatesAfter2xx).toBe(0);
    // deliveredAt is when the 2xx came, not when the write finally landed.
    const [first] = getOutboxRows(db);
    expect(first!.deliveredAt!.getTime()).toBeGreaterThanOrEqual(receiver.received[0]!.answeredAt);
    expect(first!.deliveredAt!.getTime()).toBeLessThan(writableAt);
    expect(lines.join("")).toContain("the database takes writes again");
  });

  it("a failed attempt it cannot record pauses the channel with a backoff instead of hammering the receiver", async () => {
    const { receiver, dispatcher, lines, readOnly } = await setup(() => ({ status: 503 }));
    readOnly(true);
    dispatcher.start();
    await sleep(3_000);
    // Database backoffs of 0.5-1, 1-2 and 2-4 s fit at most 4 sends in 3 s (a loaded machine sends fewer, never more).
    expect(receiver.received.length).toBeGreaterThanOrEqual(1);
    expect(receiver.received.length).toBeLessThanOrEqual(4);
    // And one error line for all of them: the log is rate-limited per channel.
    expect(lines.filter((l) => l.includes(" error ")).length).toBe(1);
    expect(lines.join("")).not.toContain(receiver.url);
  });
});

describe("the database backoff and the error limiter", () => {
  it("pauses a channel 1 s doubled per failure up to 30 s, never before the receiver's own retry, with one line a minute", () => {
    const lines: string[] = [];
    const holds = new ChannelHolds({ info: (m) => lines.push(m), warn: () => {}, error: (m) => lines.push(m) }, () => 1, () => 0);
    const full = new Error("database or disk is full");
    expect([1, 2, 3, 4, 5, 6, 7].map(() => holds.failed("ops", "write", full, 0))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(holds.isPaused("ops", 29_999)).toBe(true);
    expect(holds.isPaused("chat", 0)).toBe(false);
    holds.succeeded("ops");
    expect(holds.isPaused("ops", 0)).toBe(false);
    expect(holds.failed("ops", "write", full, 0, 60_000)).toBe(60_000);
    expect(lines).toEqual(["alerts: ops: write: database or disk is full; channel paused, next try in 1 s", "alerts: ops: the database takes writes again after 7 failed tries"]);
  });

  it("prints one line per key a minute and says how many it held back", () => {
    let now = 0;
    const lines: string[] = [];
    const error = limitErrors({ info: () => {}, warn: () => {}, error: (m) => lines.push(m) }, () => now);
    for (; now < 59_000; now += 1_000) error("ops:database", "disk full");
    error("chat:database", "disk full");
    now = 60_000;
    error("ops:database", "disk full");
    expect(lines).toEqual(["disk full", "disk full", "disk full (58 more like it in the last 60 s not logged)"]);
  });
});
