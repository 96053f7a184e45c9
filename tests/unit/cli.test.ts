import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { XMLParser } from "fast-xml-parser";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { countProbeResults } from "@/db/queries/probe-results";
import { ERROR_CLASSES, OUTCOMES, PROBE_KINDS, type ProbeResult } from "@/probes/types";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { listeningPort, runCli } from "@/tests/unit/cli";
import { CANARY_KEY } from "@/tests/unit/support";

let sim: Simulator;
const dir = mkdtempSync(join(tmpdir(), "witness-cli-"));
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

const envFor = (db: string, extra: Record<string, string> = {}) => ({
  ANTHROPIC_BASE_URL: sim.url,
  CLAUDE_WEB_URL: sim.url,
  CLAUDE_CONSOLE_URL: `${sim.url}/console`,
  STATUS_PAGE_URL: sim.url,
  CHROMIUM_PATH: "/usr/bin/chromium",
  DATABASE_PATH: join(dir, db),
  ...extra,
});

const FIELDS = ["probe", "kind", "model", "startedAt", "outcome", "errorClass", "httpStatus", "dnsMs", "connectMs", "tlsMs", "ttfbMs", "ttftMs", "totalMs", "outputTokens", "tokensPerSecond", "requestId", "message", "vantage", "details"];

describe("npm run probe -- --once --json", () => {
  it("prints only a JSON array with one correct object per probe, and stores them", async () => {
    const run = await runCli("probe", ["--once", "--json"], envFor("all.db", { ANTHROPIC_API_KEY: CANARY_KEY }));
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout) as ProbeResult[];
    expect(results.map((r) => r.probe)).toEqual(["messages:claude-haiku-4-5", "stream:claude-haiku-4-5", "edge", "web", "status", "console", "browser", "code:claude-haiku-4-5"]);
    for (const r of results) {
      expect(Object.keys(r)).toEqual(FIELDS);
      expect(PROBE_KINDS).toContain(r.kind);
      expect(OUTCOMES).toContain(r.outcome);
      expect(r.outcome).toBe("up");
      expect(r.errorClass).toBeNull();
      expect(new Date(r.startedAt).toISOString()).toBe(r.startedAt);
      expect(r.totalMs).toBeGreaterThan(0);
      expect(r.connectMs).not.toBeNull();
      expect(r.ttfbMs).not.toBeNull();
    }
    const [messages, stream, edge, web, status, console, browser, code] = results;
    expect(messages).toMatchObject({ kind: "messages", model: "claude-haiku-4-5", httpStatus: 200, outputTokens: 5, ttftMs: null });
    expect(messages?.requestId).toMatch(/^req_/);
    expect(stream).toMatchObject({ kind: "stream", model: "claude-haiku-4-5", httpStatus: 200, outputTokens: 5 });
    expect(stream?.ttftMs).toBeGreaterThan(0);
    expect(edge).toMatchObject({ kind: "edge", model: null, httpStatus: 401 });
    expect(web).toMatchObject({ kind: "web", httpStatus: 200 });
    expect(status).toMatchObject({ kind: "status", httpStatus: 200 });
    expect(status?.message).toContain("All Systems Operational");
    expect(console).toMatchObject({ kind: "console", model: null, httpStatus: 200 });
    expect(browser).toMatchObject({ kind: "browser", model: null, httpStatus: 200 });
    expect(browser?.details).toHaveProperty("fcpMs");
    expect(code).toMatchObject({ kind: "code", model: "claude-haiku-4-5", httpStatus: 200 });
    expect(code?.ttftMs).toBeGreaterThan(0);
    const store = openDatabase(join(dir, "all.db"), { readonly: true });
    expect(countProbeResults(store.db)).toBe(8);
    store.close();
    expect(run.stdout + run.stderr).not.toContain(CANARY_KEY);
  });

  it("--only takes kinds, --timeout replaces the deadline, and failures still exit 0", { timeout: 90_000 }, async () => {
    sim.setFault("api", "hang");
    const run = await runCli("probe", ["--once", "--json", "--only", "edge,stream", "--timeout", "700"], envFor("only.db", { ANTHROPIC_API_KEY: CANARY_KEY }), 60_000);
    sim.reset();
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout) as ProbeResult[];
    expect(results.map((r) => [r.probe, r.errorClass])).toEqual([["stream:claude-haiku-4-5", "timeout"], ["edge", "timeout"]]);
    // Never before the 700 ms given, and far from the defaults it replaced (edge 10 s, stream 60 s): seconds, not ms,
    // so a loaded machine cannot fail it.
    expect(results.every((r) => r.totalMs! >= 700 && r.totalMs! < 5_000)).toBe(true);
    expect(ERROR_CLASSES).toContain(results[0]?.errorClass);
  });

  it("without a key skips the keyed kinds with one log line, and the rest still run", async () => {
    const run = await runCli("probe", ["--once", "--json"], envFor("nokey.db"));
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as ProbeResult[]).map((r) => r.probe)).toEqual(["edge", "web", "status", "console", "browser"]);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("ANTHROPIC_API_KEY is not set: skipping messages, stream, code");
  });

  it("prints a table without --json", async () => {
    const run = await runCli("probe", ["--once", "--only", "edge"], envFor("table.db"));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^probe\s+outcome\s+errorClass/);
    expect(run.stdout).toMatch(/\nedge\s+up\s+-\s+401/);
  });

  it.each([
    [["--once", "--only", "bogus"], /--only: unknown kind "bogus"/],
    [["--once", "--timeout", "soon"], /--timeout/],
    [["--json"], /--once is required/],
    [["--once", "--verbose"], /Unknown option '--verbose'/],
  ])("exits 2 with a one-line reason for %j", async (args, reason) => {
    const run = await runCli("probe", args, envFor("bad.db"));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(reason);
  });

  it("exits 2 naming the key path of a bad config file", async () => {
    const config = join(dir, "bad.yaml");
    writeFileSync(config, "probes:\n  stream:\n    timeoutMs: -5\n");
    const run = await runCli("probe", ["--once"], envFor("badcfg.db", { WITNESS_CONFIG: config }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/configuration: .*bad\.yaml: probes\.stream\.timeoutMs: /);
  });
});

describe("npm run worker", () => {
  it("a log pipe closed under it costs the lines, not the process: SIGTERM still stops it with exit 0", async () => {
    const child = spawn("npm", ["run", "-s", "worker"], { cwd: process.cwd(), env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...envFor("closed-log.db") } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!stderr.includes("scheduled") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain("scheduled");
      // The reader goes away: every line from now on fails with EPIPE (its "SIGTERM: stopping" first of all).
      child.stderr.destroy();
      child.kill("SIGTERM");
      const code = await Promise.race([exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 30_000))]);
      expect(code).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);
});

describe("npm start", () => {
  it("probes on schedule, and SIGTERM stops it cleanly with exit 0 and an intact database", async () => {
    const dbPath = join(dir, "start.db");
    // PORT=0: the OS picks a free port, so another process holding 3000 (or any fixed port) cannot fail this test.
    const child = spawn("npm", ["start"], { cwd: process.cwd(), env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...envFor("start.db"), PORT: "0" } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    let code: number | null;
    try {
      // On a fresh clone npm start first builds the dashboard (10–30 s); wait for the worker to be scheduling.
      const deadline = Date.now() + 100_000;
      while (!stderr.includes("scheduled status") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain("scheduled status");
    } finally {
      // Also when the wait failed: a worker left running outlives the test run (seen: one spinning on a closed stderr).
      child.kill("SIGTERM");
      code = await exited;
    }
    expect(code).toBe(0);
    expect(stderr).toContain("SIGTERM: stopping");
    const store = openDatabase(dbPath, { readonly: true });
    expect(store.sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
    store.close();
  }, 120_000);

  it("with every target refusing for 3 minutes: no incident, no feed item, and the page says Witness is offline", async () => {
    const dbPath = join(dir, "offline.db");
    const configPath = join(dir, "offline.yaml");
    const every10s = "{ intervalSeconds: 10, timeoutMs: 2000 }";
    writeFileSync(configPath, `probes:\n  edge: ${every10s}\n  web: ${every10s}\n  status: ${every10s}\nconnectivityCheck: { url: null, timeoutMs: 1000 }\n`);
    const env: NodeJS.ProcessEnv = {
      NODE_ENV: "test",
      PATH: process.env.PATH ?? "",
      ANTHROPIC_BASE_URL: await refusingUrl("127.0.0.1"),
      CLAUDE_WEB_URL: await refusingUrl("127.0.0.2"),
      CLAUDE_CONSOLE_URL: await refusingUrl("127.0.0.3"),
      STATUS_PAGE_URL: await refusingUrl("127.0.0.4"),
      DATABASE_PATH: dbPath,
      WITNESS_CONFIG: configPath,
      PORT: "0",
    };
    const child = spawn("npm", ["start"], { cwd: process.cwd(), env });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      const deadline = Date.now() + 100_000;
      while (!(stderr.includes("scheduled status") && listeningPort(stderr)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(stderr).toContain("scheduled status");
      const port = listeningPort(stderr);
      expect(port).not.toBeNull();
      await new Promise((r) => setTimeout(r, 180_000));
      const base = `http://127.0.0.1:${port}`;
      const [home, status, health, feed] = await Promise.all(["/", "/api/v1/status", "/api/health", "/feed.xml"].map((path) => fetch(base + path)));
      const homeHtml = await home!.text();
      expect(homeHtml).toContain("Witness cannot reach the internet since");
      expect(homeHtml).not.toContain("says so too");
      const statusJson = (await status!.json()) as { monitor: { online: boolean; offlineSince: string | null } };
      expect(statusJson.monitor.online).toBe(false);
      expect(((await health!.json()) as { monitor: { online: boolean } }).monitor.online).toBe(false);
      const rss = new XMLParser().parse(await feed!.text()) as { rss: { channel: { item?: unknown } } };
      expect(rss.rss.channel.item).toBeUndefined();
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    const store = openDatabase(dbPath, { readonly: true });
    const rows = store.sqlite.prepare("SELECT outcome, error_class AS errorClass, message FROM probe_results").all() as { outcome: string; errorClass: string; message: string }[];
    const incidents = store.sqlite.prepare("SELECT count(*) AS n FROM measured_incidents").get() as { n: number };
    store.close();
    // 3 minutes of 3 probes every 10 s is 54 results; allow for the start-up and the last tick.
    expect(rows.length).toBeGreaterThanOrEqual(45);
    for (const row of rows) expect(row).toMatchObject({ outcome: "inconclusive", errorClass: "connection_error", message: expect.stringMatching(/^monitor offline:/) });
    expect(incidents.n).toBe(0);
  }, 320_000);
});

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function refusingUrl(host: string): Promise<string> {
  return `http://${host}:${await freePort(host)}`;
}

function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
