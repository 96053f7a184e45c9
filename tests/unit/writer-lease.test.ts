/** One writer per database: the lease row, and real worker processes started on one file. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { writerLeases } from "@/db/schema";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { acquireWriterLease, holdWriterLease, isHolderGone, isLeaseStale, LEASE_STALE_MS, readWriterLease } from "@/lib/keep/writer-lease";
import { createLogger } from "@/lib/log";

const dir = mkdtempSync(join(tmpdir(), "witness-lease-"));
const EMPTY_CONFIG = join(dir, "witness.config.yaml");
writeFileSync(EMPTY_CONFIG, "{}\n");
const freshDb = (name: string) => {
  const store = openDatabase(join(dir, name));
  migrateDatabase(store.db);
  return store;
};

describe("the writer lease", () => {
  it("is taken once; a second taker is refused and told the holder", () => {
    const store = freshDb("unit.db");
    const now = new Date("2026-03-01T10:00:00Z");
    const first = acquireWriterLease(store.db, { now, pid: 100, host: "vm-a" });
    expect(first).toMatchObject({ ok: true, tookOverFrom: null });
    const second = acquireWriterLease(store.db, { now: new Date(now.getTime() + LEASE_STALE_MS), pid: 200, host: "vm-b" });
    expect(second).toEqual({ ok: false, holder: { pid: 100, host: "vm-a", startedAt: now, heartbeatAt: now } });
    store.close();
  });

  it("is taken over only once its heartbeat is older than the stale limit", () => {
    const store = freshDb("stale.db");
    const now = new Date("2026-03-01T10:00:00Z");
    expect(acquireWriterLease(store.db, { now, pid: 100, host: "vm-a" }).ok).toBe(true);
    const later = new Date(now.getTime() + LEASE_STALE_MS + 1);
    const taken = acquireWriterLease(store.db, { now: later, pid: 200, host: "vm-b" });
    expect(taken).toMatchObject({ ok: true, tookOverFrom: { pid: 100, host: "vm-a" } });
    expect(readWriterLease(store.db)).toMatchObject({ pid: 200, host: "vm-b", startedAt: later });
    expect(isLeaseStale(now, new Date(now.getTime() + LEASE_STALE_MS))).toBe(false);
    store.close();
  });

  it("knows its holder gone only on the holder's own host: no such pid, or our own pid (a restarted container)", () => {
    const self = { pid: process.pid, host: "vm-a" };
    expect(isHolderGone({ holderPid: process.ppid, holderHost: "vm-a" }, self)).toBe(false);
    expect(isHolderGone({ holderPid: process.pid, holderHost: "vm-a" }, self)).toBe(true);
    // Far above any pid the kernel hands out (pid_max is at most 2^22).
    expect(isHolderGone({ holderPid: 2 ** 30, holderHost: "vm-a" }, self)).toBe(true);
    expect(isHolderGone({ holderPid: 2 ** 30, holderHost: "vm-b" }, self)).toBe(false);
  });

  it("release frees it at once, and a holder whose lease was taken over does not delete the new one", () => {
    const store = freshDb("release.db");
    const log = createLogger({ secrets: [], write: () => {} });
    const a = acquireWriterLease(store.db);
    if (!a.ok) throw new Error("not taken");
    holdWriterLease(store.db, a.token, log, () => {}).release();
    expect(readWriterLease(store.db)).toBeNull();
    const b = acquireWriterLease(store.db, { pid: 1 });
    if (!b.ok) throw new Error("not taken");
    // A stale leftover token (a paused worker waking up) must not release the new holder's lease.
    holdWriterLease(store.db, "someone-else", log, () => {}).release();
    expect(readWriterLease(store.db)).toMatchObject({ pid: 1 });
    store.close();
  });
});

// ---------------------------------------------------------------------------------------------------------------

let simA: Simulator;
let simB: Simulator;
beforeAll(async () => {
  simA = await startSimulator();
  simB = await startSimulator();
});
const spawned: ChildProcess[] = [];
afterAll(async () => {
  // A failed assertion must not leave a worker probing behind the test run.
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await simA.close();
  await simB.close();
});

interface Running {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

/** The worker CLI as `npm run worker` runs it, but as one node process so its pid is the holder's pid. */
function startWorker(dbPath: string, sim: Simulator): Running {
  const env: NodeJS.ProcessEnv = { NODE_ENV: "test", PATH: process.env.PATH ?? "", DATABASE_PATH: dbPath, WITNESS_CONFIG: EMPTY_CONFIG, ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, STATUS_PAGE_URL: sim.url };
  const child = spawn(process.execPath, ["--import", "tsx", "lib/cli/start.ts"], { cwd: process.cwd(), env });
  spawned.push(child);
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function waitFor(what: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe("the heartbeat", () => {
  it("renews the lease every 5 s with the worker's count of skipped ticks, which /metrics reads", async () => {
    const store = freshDb("beat.db");
    const log = createLogger({ secrets: [], write: () => {} });
    const taken = acquireWriterLease(store.db, { now: new Date(Date.now() - 1_000) });
    if (!taken.ok) throw new Error("not taken");
    const skipped = 7;
    const held = holdWriterLease(store.db, taken.token, log, () => {}, () => skipped);
    try {
      const before = store.db.select().from(writerLeases).get()!;
      expect(before.skippedTicks).toBe(0);
      await new Promise((r) => setTimeout(r, 5_400));
      const after = store.db.select().from(writerLeases).get()!;
      expect(after.skippedTicks).toBe(7);
      expect(after.heartbeatAt.getTime()).toBeGreaterThan(before.heartbeatAt.getTime());
    } finally {
      held.release();
      store.close();
    }
  }, 15_000);
});

describe("two workers on one database", () => {
  it("the second exits 2 within 10 s naming the holder and sends no probe; a kill -9 holder is taken over once stale, or at once on its own host", async () => {
    const dbPath = join(dir, "two.db");
    const a = startWorker(dbPath, simA);
    await waitFor(() => a.stderr().includes("scheduled status"), 15_000);
    expect(a.stderr()).toContain("scheduled status");

    const started = Date.now();
    const b = startWorker(dbPath, simB);
    expect(await b.exited).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    const lines = b.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^witness: another worker holds .*two\\.db: pid ${a.child.pid} on host \\S+ since \\d{4}-\\d\\d-\\d\\dT`));
    expect(simB.requests).toHaveLength(0);

    // kill -9: no release. Were the holder on another host (the file on a shared disk), a worker started at once
    // could not tell it gone, finds a live-looking lease and refuses.
    a.child.kill("SIGKILL");
    await a.exited;
    const shared = openDatabase(dbPath);
    shared.db.update(writerLeases).set({ holderHost: "another-host" }).run();
    shared.close();
    const early = startWorker(dbPath, simB);
    expect(await early.exited).toBe(2);
    expect(simB.requests).toHaveLength(0);

    // Stand in for the 30 s of silence after the kill (the staleness rule itself is tested above with a clock).
    const store = openDatabase(dbPath);
    store.db.update(writerLeases).set({ heartbeatAt: new Date(Date.now() - LEASE_STALE_MS - 1_000) }).run();
    store.close();
    const c = startWorker(dbPath, simB);
    await waitFor(() => c.stderr().includes("scheduled status"), 15_000);
    expect(c.stderr()).toContain(`took over the writer lease of a worker that stopped renewing it: pid ${a.child.pid}`);
    const check = openDatabase(dbPath, { readonly: true });
    expect(readWriterLease(check.db)).toMatchObject({ pid: c.child.pid });

    // On its own host a holder killed with -9 is known gone (no such pid): a restart takes over at once.
    c.child.kill("SIGKILL");
    await c.exited;
    const d = startWorker(dbPath, simB);
    await waitFor(() => d.stderr().includes("scheduled status"), 15_000);
    expect(d.stderr()).toContain(`took over the writer lease of a worker that is no longer running: pid ${c.child.pid}`);
    expect(readWriterLease(check.db)).toMatchObject({ pid: d.child.pid });
    d.child.kill("SIGTERM");
    expect(await d.exited).toBe(0);
    // A clean stop releases it: the next start need not wait.
    expect(readWriterLease(check.db)).toBeNull();
    check.close();
  }, 60_000);
});
