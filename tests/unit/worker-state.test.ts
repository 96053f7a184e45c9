/** Before the first result, the pages say "waiting" while a worker runs on the database, and "start the worker" only when none does. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OpenedDatabase } from "@/db/client";
import { loadConfig } from "@/lib/config";
import { describeNoResults, readWorkerState } from "@/lib/dashboard/worker";
import { acquireWriterLease, LEASE_STALE_MS } from "@/lib/keep/writer-lease";
import { openMigratedMemory } from "@/tests/unit/support";

const config = loadConfig({ DATABASE_PATH: ":memory:" });
const NOW = Date.UTC(2026, 9, 14, 12, 0);
let store: OpenedDatabase;
beforeEach(() => (store = openMigratedMemory()));
afterEach(() => store.close());

describe("the page before the first result", () => {
  it("says 'start the worker' when no worker holds the database", () => {
    const state = readWorkerState(store.db, config, NOW);
    expect(state.running).toBe(false);
    expect(describeNoResults(state).title).toBe("No data yet: start the worker (npm start)");
    expect(describeNoResults(null).line).toMatch(/start the worker \(npm start\)/);
  });

  it("says it is waiting for the first results, with the probe interval, while the worker's lease is fresh (right after npm start)", () => {
    expect(acquireWriterLease(store.db, { now: new Date(NOW - 2_000) }).ok).toBe(true);
    const state = readWorkerState(store.db, config, NOW);
    expect(state).toEqual({ running: true, everySeconds: 60 });
    const words = describeNoResults(state);
    expect(words.line).toBe("The worker is running: waiting for the first results (probes run every 60 s).");
    expect(`${words.title} ${words.text}`).not.toMatch(/start the worker/);
  });

  it("says 'start the worker' again once the lease has gone stale (the worker died)", () => {
    acquireWriterLease(store.db, { now: new Date(NOW - LEASE_STALE_MS - 1_000) });
    expect(readWorkerState(store.db, config, NOW).running).toBe(false);
  });
});
