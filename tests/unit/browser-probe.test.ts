/** The browser probe through a real Chromium (/usr/bin/chromium) against the real simulator: every fault, its class. */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "@/lib/config";
import { planProbes } from "@/lib/measure/targets";
import { startSimulator, type Fault, type Simulator, type Target } from "@/lib/simulator";
import { probeBrowser, runChild } from "@/probes/browser";
import { judgeObservation } from "@/probes/browser-judge";
import type { Observation } from "@/probes/browser-types";
import type { BrowserSettings, ErrorClass, Outcome, ProbeTarget } from "@/probes/types";
import { runCli } from "@/tests/unit/cli";
import { testTarget } from "@/tests/unit/support";

const CHROMIUM = "/usr/bin/chromium";
const root = fileURLToPath(new URL("../..", import.meta.url));
const never = new AbortController().signal;
const settings = (over: Partial<BrowserSettings> = {}): BrowserSettings => ({ chromiumPath: CHROMIUM, readySelector: null, firstPartyHosts: ["claude.ai", "*.anthropic.com"], childScript: null, ...over });
// A few seconds: a hung request or a challenge that stays costs this much, and a healthy page needs far less.
const target = (url: string, over: Partial<ProbeTarget> = {}) => testTarget("browser", url, { timeoutMs: 4_000, slowMs: 30_000, browser: settings(), ...over });

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

type Row = [what: string, target: Target, fault: Fault, errorClass: ErrorClass | null, outcome: Outcome, message: RegExp | null];
const rows: Row[] = [
  ["a healthy app is up", "app", "none", null, "up", null],
  ["a third-party script answering 500 is ignored", "app", "third_party_500", null, "up", null],
  ["a challenge that clears is the app behind it", "app", "challenge_clears", null, "up", null],
  ["the document answering 500 is http_5xx", "web", "http_500", "http_5xx", "down", /^HTTP 500/],
  ["a challenge still showing after the grace is blocked", "app", "challenge_stays", "blocked", "inconclusive", /Cloudflare challenge was still showing/],
  ["the bootstrap answering 500 is http_5xx, named", "app", "bootstrap_500", "http_5xx", "down", /^the app's GET \/api\/bootstrap answered 500$/],
  ["the bootstrap answering 529 is overloaded", "app", "bootstrap_529", "overloaded", "down", /^the app's GET \/api\/bootstrap answered 529$/],
  ["the bootstrap answering 429 is rate_limited", "app", "bootstrap_429", "rate_limited", "inconclusive", /answered 429$/],
  ["a bootstrap that never answers is a timeout naming it", "app", "bootstrap_hang", "timeout", "down", /^the app's GET \/api\/bootstrap did not answer within 4000 ms$/],
  ["a script that does not load is app_error", "app", "script_404", "app_error", "down", /^the app's GET \/_next\/static\/chunks\/main-app\.js answered 404$/],
  ["a script that throws is app_error", "app", "script_throw", "app_error", "down", /^uncaught page error: Error: ChunkLoadError/],
  ["an uncaught exception after rendering is app_error", "app", "page_error", "app_error", "down", /^uncaught page error: TypeError/],
];

describe("browser probe, fault by fault", () => {
  it.each(rows)("%s", async (_what, where, fault, errorClass, outcome, message) => {
    sim.setFault(where, fault);
    const { result, screenshot } = await probeBrowser(target(sim.url), never);
    expect({ errorClass: result.errorClass, outcome: result.outcome }).toEqual({ errorClass, outcome });
    if (message) expect(result.message).toMatch(message);
    // A failed run keeps what the page looked like; a working one keeps nothing.
    if (errorClass) expect(screenshot?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    else expect(screenshot).toBeNull();
  });

  it("a healthy run fills its timings and details", async () => {
    const { result } = await probeBrowser(target(sim.url), never);
    expect(result).toMatchObject({ kind: "browser", outcome: "up", httpStatus: 200 });
    expect(result.ttfbMs).toBeGreaterThan(0);
    expect(result.connectMs).not.toBeNull();
    expect(result.totalMs).toBeGreaterThanOrEqual(result.ttfbMs ?? 0);
    expect(result.details).toMatchObject({ usable: true, failedRequests: [], pageErrors: [] });
    expect(result.details?.fcpMs).toEqual(expect.any(Number));
  });

  it("a slow bootstrap makes a slow app: degraded, timed from the navigation's start", async () => {
    sim.setFault("app", { fault: "none", ttfbMs: 1_200 });
    const { result } = await probeBrowser(target(sim.url, { slowMs: 1_000 }), never);
    expect(result).toMatchObject({ errorClass: "slow", outcome: "degraded" });
    expect(result.totalMs).toBeGreaterThanOrEqual(1_200);
  });

  it("readySelector decides usable: present is up, never shown is app_error", async () => {
    const present = await probeBrowser(target(sim.url, { browser: settings({ readySelector: "#composer" }) }), never);
    expect(present.result.outcome).toBe("up");
    const absent = await probeBrowser(target(sim.url, { timeoutMs: 2_500, browser: settings({ readySelector: "#never-there" }) }), never);
    expect(absent.result).toMatchObject({ errorClass: "app_error", message: "nothing usable within 2500 ms" });
  });

  it("a browser that cannot start is inconclusive, not Claude's outage", async () => {
    const { result } = await probeBrowser(target(sim.url, { browser: settings({ chromiumPath: "/bin/false" }) }), never);
    expect(result).toMatchObject({ outcome: "inconclusive", errorClass: null });
    expect(result.message).toMatch(/Chromium did not start/);
  });
});

describe("judging a page load", () => {
  const seen = (over: Partial<Observation>): Observation => ({
    browserError: null, navigationError: null, document: { status: 200, headers: {}, bodyStart: "" }, challenge: null, loaded: true, usable: true, usableMs: 500, elapsedMs: 500,
    timing: { dnsMs: 1, connectMs: 1, tlsMs: 1, ttfbMs: 50, fcpMs: 100 }, requests: [], pageErrors: [], screenshot: null, ...over,
  });
  it.each([
    ["the document answering 529 is overloaded", seen({ document: { status: 529, headers: {}, bodyStart: "" } }), "overloaded"],
    ["a name that does not resolve is dns_error", seen({ document: null, navigationError: "page.goto: net::ERR_NAME_NOT_RESOLVED at https://claude.ai/" }), "dns_error"],
    ["a refused connection is connection_error", seen({ document: null, navigationError: "page.goto: net::ERR_CONNECTION_REFUSED at https://claude.ai/" }), "connection_error"],
    ["a 403 from an account endpoint is not reported at all, so up", seen({}), null],
    ["a pending long-poll beside a usable app is not a hang", seen({ requests: [{ method: "GET", host: "claude.ai", path: "/api/poll", resourceType: "fetch", status: null, failure: null, pending: true }] }), null],
    ["an asset host's script failing is app_error, host named", seen({ requests: [{ method: "GET", host: "assets.anthropic.com", path: "/app.js", resourceType: "script", status: 404, failure: null, pending: false }] }), "app_error"],
  ] as const)("%s", (_what, observation, errorClass) => {
    const judged = judgeObservation(observation, "https://claude.ai/", 45_000, 5_000);
    expect(judged.failure?.errorClass ?? null).toBe(errorClass);
  });
});

describe("no Chromium", () => {
  it("the browser kind is skipped with one line saying how to enable it; the rest run", async () => {
    const plan = planProbes(loadConfig({ CHROMIUM_PATH: "/nonexistent/chromium" }, { withoutAlerts: true }));
    expect(plan.probes.map((p) => p.kind)).not.toContain("browser");
    expect(plan.skippedForBrowser).toMatch(/^CHROMIUM_PATH=\/nonexistent\/chromium is not an executable file: skipping browser \(install chromium, or set CHROMIUM_PATH/);
    const run = await runCli("probe", ["--once", "--json", "--only", "browser,edge"], { CHROMIUM_PATH: "/nonexistent/chromium", DATABASE_PATH: ":memory:", ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url });
    expect(run.code).toBe(0);
    expect(run.stderr.split("\n").filter((l) => l.includes("skipping browser"))).toHaveLength(1);
    expect(JSON.parse(run.stdout).map((r: { probe: string }) => r.probe)).toEqual(["edge"]);
  });
});

/** Every descendant of `pid` now, from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p) out.push(child), walk(child);
  };
  walk(pid);
  return out;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
};
const isChromium = (pid: number) => cmdline(pid).includes("chromium");
/** Running: it exists and is not a zombie (a zombie has exited; only its parent's wait is missing). */
const isRunning = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

async function until<T>(what: string, check: () => T | null | undefined | false, limitMs = 30_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const got = check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("no Chromium outlives the worker", () => {
  it("kill -9 of the worker mid-run: the child sees its channel close, and every Chromium it started exits", async () => {
    sim.setFault("app", "bootstrap_hang");
    const runner = spawn(process.execPath, ["--import", "tsx", "tests/unit/browser-runner.ts", sim.url], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const pid = runner.pid!;
      // Mid-run: the page has asked for the bootstrap, so Chromium is up and waiting on it.
      await until("the bootstrap request", () => sim.requests.some((r) => r.path.startsWith("/api/bootstrap")));
      const chromium = descendants(pid).filter(isChromium);
      expect(chromium.length).toBeGreaterThan(0);
      process.kill(pid, "SIGKILL");
      await until("every Chromium process to exit", () => chromium.every((p) => !isRunning(p)));
    } finally {
      runner.kill("SIGKILL");
    }
  });

  it("the hard deadline kills the child; Chromium, its pipe closed, exits too", async () => {
    sim.setFault("app", "bootstrap_hang");
    // Ours: the Chromium processes below this test process (other files' runs, in parallel, have their own), seen
    // while the child still holds them; killed, they are re-parented and stay in `seen`.
    const seen = new Set<number>();
    const watching = setInterval(() => {
      for (const p of descendants(process.pid)) if (isChromium(p)) seen.add(p);
    }, 250);
    const request = { url: sim.url, chromiumPath: CHROMIUM, timeoutMs: 60_000, challengeGraceMs: 5_000, readySelector: null, firstPartyHosts: [], keepBrowser: false };
    const reply = await runChild(request, null, never, 6_000).finally(() => clearInterval(watching));
    expect(reply).toEqual({ fatal: "the browser did not report within 6000 ms: killed" });
    expect(seen.size).toBeGreaterThan(0);
    await until("every Chromium process to exit", () => [...seen].every((p) => !isRunning(p)));
  });
});

describe("screenshots of failed runs", () => {
  it("are kept newest first, bounded in count, found by the incident's span", async () => {
    const { openMigratedMemory } = await import("@/tests/unit/support");
    const { BROWSER_SCREENSHOTS_KEPT, getScreenshotInSpan, getScreenshotJpegById, insertBrowserScreenshot } = await import("@/db/queries/browser-screenshots");
    const store = openMigratedMemory();
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    for (let i = 0; i < BROWSER_SCREENSHOTS_KEPT + 5; i++) insertBrowserScreenshot(store.db, { series: "browser", takenAt: new Date(1_000_000 + i * 300_000), errorClass: "app_error", jpeg });
    const count = store.sqlite.prepare("select count(*) as n from browser_screenshots").get() as { n: number };
    expect(count.n).toBe(BROWSER_SCREENSHOTS_KEPT);
    const last = 1_000_000 + (BROWSER_SCREENSHOTS_KEPT + 4) * 300_000;
    const found = getScreenshotInSpan(store.db, { series: "browser", from: new Date(last - 600_000), to: new Date(last + 1) });
    expect(found).toMatchObject({ takenAt: last, errorClass: "app_error" });
    expect(getScreenshotJpegById(store.db, found!.id)).toEqual(jpeg);
    expect(getScreenshotInSpan(store.db, { series: "browser", from: new Date(0), to: new Date(1_000_000) })).toBeNull();
    store.close();
  });
});

describe("the browser's time slot", () => {
  it("its tick is the second of the minute farthest from every other probe's", async () => {
    const { quietSecond } = await import("@/lib/measure/worker");
    expect(quietSecond([0, 10, 20, 30, 40, 50])).toBe(5);
    expect(quietSecond([0, 12, 24])).toBe(42);
    expect(quietSecond([])).toBe(0);
  });
});
