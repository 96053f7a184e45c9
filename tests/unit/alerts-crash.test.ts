import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { monitorOfflineEvent } from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import { loadConfig } from "@/lib/config";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { getOutboxRows } from "@/db/queries/alerts";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { startReceiver } from "@/tests/unit/alerts-receiver";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const dir = mkdtempSync(join(tmpdir(), "witness-alert-crash-"));
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(20);
  }
}

describe("kill -9 of the worker mid-delivery", () => {
  it("20 random kills: no event lost, none delivered again after a recorded 2xx, order kept", { timeout: 240_000 }, async () => {
    // Each answer takes 150-350 ms, so most kills land while a delivery is in flight.
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 150 + Math.floor(Math.random() * 200) }));
    const configPath = join(dir, "witness.config.yaml");
    // A worker with nothing to probe refuses to start, so one probe stays on: hourly, at a port nothing listens on.
    const probesOff = ["messages", "stream", "web", "status"].map((k) => `  ${k}:\n    enabled: false\n`).join("") + "  edge:\n    intervalSeconds: 3600\n";
    writeFileSync(configPath, `probes:\n${probesOff}alerts:\n  retry:\n    firstDelayMs: 50\n    maxDelayMs: 500\n  channels:\n    - name: ops\n      type: webhook\n      url: \${HOOK_URL}\n      secret: ${SECRET}\n`);
    const env = { ...process.env, WITNESS_CONFIG: configPath, DATABASE_PATH: join(dir, "w.db"), HOOK_URL: receiver.url, ANTHROPIC_BASE_URL: "http://127.0.0.1:9", NEXT_TELEMETRY_DISABLED: "1" };
    const config = loadConfig(env);
    const store = openDatabase(env.DATABASE_PATH);
    migrateDatabase(store.db);
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const event = monitorOfflineEvent(1_776_000_000_000 + i * 60_000, `event ${i}`);
      ids.push(event.id);
      enqueueEvent(store.db, config.alerts.channels, event, new Date());
    }
    store.close();

    const startWorker = () => {
      const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "lib/cli/start.ts")], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
      child.stderr!.on("data", () => {});
      children.push(child);
      return child;
    };
    let kills = 0;
    const killTimes: number[] = [];
    while (kills < 20 && receiver.accepted.size < ids.length) {
      const before = receiver.received.length;
      const child = startWorker();
      const exited = new Promise((r) => child.on("exit", r));
      await until(() => receiver.received.length > before, 30_000);
      await sleep(Math.floor(Math.random() * 400));
      killTimes.push(Date.now());
      child.kill("SIGKILL");
      await exited;
      kills++;
    }
    const last = startWorker();
    await until(() => receiver.accepted.size === ids.length, 60_000);
    last.kill("SIGTERM");
    await new Promise((r) => last.on("exit", r));

    const firstAccepted: string[] = [];
    for (const r of receiver.received) if (r.status === 200 && !firstAccepted.includes(r.id)) firstAccepted.push(r.id);
    // A 2xx the receiver wrote in the last moments before the kill may never have reached the worker's commit: that
    // window (the receiver's answer, the bytes, the event loop, one UPDATE) cannot be closed by any sender, and the
    // resend carries the same webhook-id. A duplicate of a 2xx answered longer ago than that is a real loss of the record.
    const WINDOW_MS = 250; // generous: on a loaded 2-core machine the worker child can wait that long for a CPU
    const seen = new Map<string, number>();
    const inWindow: number[] = [];
    let lateDuplicates = 0;
    for (const r of receiver.received) {
      if (r.status !== 200) continue;
      if (seen.has(r.id)) {
        const previous = seen.get(r.id)!;
        // The kill that followed the answer (a negative value: the worker was already dead when the receiver answered).
        const beforeKill = killTimes.map((k) => k - previous).filter((d) => d >= -50).sort((a, b) => a - b)[0] ?? Infinity;
        if (beforeKill <= WINDOW_MS) inWindow.push(beforeKill);
        else lateDuplicates++;
      }
      seen.set(r.id, r.answeredAt);
    }
    const retriesOfUnacknowledged = receiver.received.filter((r) => r.status === -1).length;
    console.log(`kill -9 x${kills}: ${receiver.received.length} requests for ${ids.length} events, ${retriesOfUnacknowledged} cut off before their answer (retried), ${receiver.duplicatesAfter2xx} after a 2xx (${inWindow.length} answered within ${WINDOW_MS} ms before a kill: ${inWindow.join(", ")} ms)`);
    expect(kills).toBe(20);
    expect(firstAccepted).toEqual(ids);
    const check = openDatabase(env.DATABASE_PATH, { readonly: true });
    const rows = getOutboxRows(check.db);
    const answered = new Map(receiver.received.filter((r) => r.status === 200).map((r) => [r.id, r.answeredAt]));
    const gaps = rows.map((r) => r.deliveredAt!.getTime() - answered.get(r.eventId)!).sort((a, b) => a - b);
    console.log(`2xx answered -> recorded delivered: median ${gaps[gaps.length >> 1]} ms, max ${gaps.at(-1)} ms`);
    expect(rows.every((r) => r.state === "delivered")).toBe(true);
    check.close();
    expect(lateDuplicates).toBe(0);
    await receiver.close();
  });
});
