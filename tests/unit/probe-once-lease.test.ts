/** `npm run probe -- --once` is a writer too: it respects a live worker's lease, and holds the lease while it runs. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { countProbeResults } from "@/db/queries/probe-results";
import { readWriterLease } from "@/lib/keep/writer-lease";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { runCli } from "@/tests/unit/cli";

const dir = mkdtempSync(join(tmpdir(), "witness-once-lease-"));
const EMPTY_CONFIG = join(dir, "witness.config.yaml");
writeFileSync(EMPTY_CONFIG, "{}\n");

let workerSim: Simulator;
let onceSim: Simulator;
const spawned: ChildProcess[] = [];
beforeAll(async () => {
  workerSim = await startSimulator();
  onceSim = await startSimulator();
});
beforeEach(() => onceSim.reset());
afterAll(async () => {
  // A failed assertion must not leave a worker probing behind the test run.
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await workerSim.close();
  await onceSim.close();
});

const envFor = (dbPath: string, sim: Simulator) => ({ DATABASE_PATH: dbPath, WITNESS_CONFIG: EMPTY_CONFIG, ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, CLAUDE_CONSOLE_URL: `${sim.url}/console`, STATUS_PAGE_URL: sim.url });

/** The worker as `npm run worker` runs it, as one node process so its pid is the holder's pid. */
function startWorker(dbPath: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "lib/cli/start.ts"], { cwd: process.cwd(), env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...envFor(dbPath, workerSim) } });
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

const storedIn = (dbPath: string) => {
  const store = openDatabase(dbPath, { readonly: true });
  try {
    return { results: countProbeResults(store.db), lease: readWriterLease(store.db) };
  } finally {
    store.close();
  }
};

describe("npm run probe -- --once and the writer lease", () => {
  it("refuses with exit 2, naming the live worker that holds the database, and sends no probe", async () => {
    const dbPath = join(dir, "held.db");
    const worker = startWorker(dbPath);
    await waitFor(() => worker.stderr().includes("scheduled status"), 20_000);
    expect(worker.stderr()).toContain("scheduled status");
    const storedBefore = storedIn(dbPath).results;

    const run = await runCli("probe", ["--once", "--json"], envFor(dbPath, onceSim));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^witness: a running worker holds .*held\\.db: pid ${worker.child.pid} on host \\S+ since \\d{4}-\\d\\d-\\d\\dT`));
    expect(onceSim.requests).toHaveLength(0);
    // The worker's own results may have grown meanwhile; none came from --once, whose simulator saw nothing.
    expect(storedIn(dbPath).lease).toMatchObject({ pid: worker.child.pid });
    expect(storedIn(dbPath).results).toBeGreaterThanOrEqual(storedBefore);

    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  }, 60_000);

  it("with no worker, takes the lease for its run, stores its results and releases the lease", async () => {
    const dbPath = join(dir, "free.db");
    // Slow answers keep the run going long enough to see who holds the lease meanwhile.
    onceSim.setFault("web", { fault: "none", ttfbMs: 5_000 });
    const running = runCli("probe", ["--once", "--json", "--only", "edge,web"], envFor(dbPath, onceSim));
    let holder: ReturnType<typeof readWriterLease> = null;
    await waitFor(() => {
      try {
        holder = storedIn(dbPath).lease;
      } catch {
        // the file or its tables are not there yet
      }
      return holder !== null;
    }, 45_000);
    expect(holder).toMatchObject({ host: hostname() });
    expect(holder!.pid).not.toBe(process.pid);

    const run = await running;
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as unknown[]).length).toBe(2);
    expect(storedIn(dbPath)).toEqual({ results: 2, lease: null });
  }, 60_000);
});
