/**
 * alerts.heartbeatUrl: pinged every period while the worker is healthy, and not while its results are late or its
 * database does not take a write, so an outside dead-man's switch notices. The URL (a secret) is never logged.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OpenedDatabase } from "@/db/client";
import { loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { startSimulator, type Simulator } from "@/lib/simulator";
import type { PlannedProbe } from "@/lib/measure/targets";
import { HEARTBEAT_EVERY_MS, Worker } from "@/lib/measure/worker";
import { startReceiver, type Receiver } from "@/tests/unit/alerts-receiver";
import { openMigratedMemory, testTarget } from "@/tests/unit/support";

const TOKEN = "7c0e9b2a-heartbeat-token";
const EVERY_MS = 100;
// Long enough that "the database refuses writes" is seen while the last result is still fresh on a busy machine.
const MAX_SILENCE_MS = 4_000;

let sim: Simulator;
let receiver: Receiver;
let store: OpenedDatabase;
let worker: Worker | null = null;
beforeAll(async () => {
  sim = await startSimulator();
  receiver = await startReceiver(() => ({ status: 200 }));
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});
afterEach(async () => {
  await worker?.stop(0);
  worker = null;
  store?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pings = () => receiver.received.filter((r) => r.path === `/ping/${TOKEN}`).length;

/** Wait for a condition, polling; fails after 20 s (a condition, not a speed, is what is tested). */
async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached within 20 s");
    await sleep(50);
  }
}

/** Pings have stopped: after a ping already on its way has landed, none comes over ten more periods. */
async function expectStopped(): Promise<void> {
  await sleep(5 * EVERY_MS);
  const stoppedAt = pings();
  await sleep(10 * EVERY_MS);
  expect(pings()).toBe(stoppedAt);
}

function startWorker(lines: string[]): { worker: Worker; probe: PlannedProbe } {
  store = openMigratedMemory();
  const base = loadConfig({ ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, CLAUDE_CONSOLE_URL: `${sim.url}/console`, STATUS_PAGE_URL: sim.url });
  const heartbeatUrl = `${new URL(receiver.url).origin}/ping/${TOKEN}`;
  const config = { ...base, alerts: { ...base.alerts, heartbeatUrl } };
  // No secrets given to the logger: a URL that reached a log line would show, not be redacted away.
  const log = createLogger({ secrets: [], write: (line) => lines.push(line) });
  worker = new Worker(config, store.db, log, undefined, [], { heartbeat: { everyMs: EVERY_MS, maxSilenceMs: MAX_SILENCE_MS } });
  // Hourly, so its own tick never stores a result during the test: the test decides when results come.
  const probe: PlannedProbe = { kind: "edge", intervalSeconds: 3600, target: testTarget("edge", sim.url, { timeoutMs: 2_000 }) };
  worker.start([probe]);
  return { worker, probe };
}

describe("the heartbeat", () => {
  it("is every minute unless a test asks otherwise", () => {
    expect(HEARTBEAT_EVERY_MS).toBe(60_000);
  });

  it("pings every period while healthy, stops while results are late or the database refuses writes, and never logs the URL", { timeout: 60_000 }, async () => {
    receiver.received.length = 0;
    const lines: string[] = [];
    const { worker: w, probe } = startWorker(lines);
    const logged = (text: string | RegExp) => lines.some((l) => (typeof text === "string" ? l.includes(text) : text.test(l)));

    // Healthy: a result just stored, the database writable. Pings come each period; a loaded machine runs timers
    // late, never early, so the count is at most one per period elapsed (and one more for the first).
    const healthyFrom = Date.now();
    expect(await w.runAndStore(probe)).toMatchObject({ outcome: "up" });
    await until(() => pings() >= 3);
    expect(pings()).toBeLessThanOrEqual(Math.ceil((Date.now() - healthyFrom) / EVERY_MS) + 1);

    // Late: no result stored for longer than the silence limit. The reason is logged and pings stop.
    await until(() => logged(/warn heartbeat not sent: no result stored for \d+ s/));
    await expectStopped();

    // A result again: pings resume.
    await w.runAndStore(probe);
    const resumedAt = pings();
    await until(() => pings() > resumedAt);

    // The database refuses writes while results are still fresh: pings stop, and the reason is the database.
    store.sqlite.pragma("query_only = ON");
    await until(() => logged("heartbeat not sent: database not writable"));
    await expectStopped();
    store.sqlite.pragma("query_only = OFF");

    // Writable again (and a fresh result): pings resume; an HTTP error from the receiver is logged without the URL.
    receiver.answer = () => ({ status: 500 });
    await w.runAndStore(probe);
    const before = pings();
    await until(() => pings() > before && logged("heartbeat: the heartbeat URL answered HTTP 500"));

    const log = lines.join("");
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain("/ping/");
    expect(log).not.toContain(new URL(receiver.url).host);
  });
});
