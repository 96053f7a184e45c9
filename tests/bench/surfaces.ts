/**
 * `npm run bench -- surfaces`: what the browser probe costs and what it does to its neighbours, against the
 * simulator in its own process, with the child bundled as npm start runs it. CPU is the child's and Chromium's
 * (reaped children's CPU for a fresh browser, the live process tree's counters for a kept one); memory is the tree's
 * PSS (shared pages counted once, which RSS summed over Chromium's processes would count in each), sampled every 50 ms.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { bundleEntry } from "@/lib/cli/serve";
import { childArgs, probeBrowser } from "@/probes/browser";
import type { BrowserRequest, ChildMessage } from "@/probes/browser-types";
import { probeEdge } from "@/probes/edge";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";
import { startSimProcess } from "@/tests/bench/sim-process";
import { testTarget } from "@/tests/unit/support";

const CHROMIUM = "/usr/bin/chromium";
const RUNS = 20;
const TICK_S = 100; // USER_HZ on Linux
const root = fileURLToPath(new URL("../..", import.meta.url));
const never = new AbortController().signal;
let browser = { chromiumPath: CHROMIUM, readySelector: null, firstPartyHosts: ["claude.ai"], childScript: null as string | null };

function stat(pid: number | "self"): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** The pid and every live descendant. */
function tree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync("/proc")) if (/^\d+$/.test(name)) parent.set(Number(name), Number(stat(Number(name))?.[1] ?? 0));
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [c, p] of parent) if (p === out[i]) out.push(c);
  return out;
}

const pssKiB = (pid: number) => {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};
const rssMiB = (pids: number[]) => pids.reduce((sum, p) => sum + pssKiB(p), 0) / 1024;
/** utime+stime+cutime+cstime, seconds. */
const cpuOf = (f: string[] | null) => (f ? (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK_S : 0);
const reapedCpu = () => {
  const f = stat("self");
  return f ? (Number(f[13]) + Number(f[14])) / TICK_S : 0;
};

/** Sample the tree's RSS every 50 ms until `done`; resolves with the peak. */
function samplePeak(pid: () => number | undefined, done: Promise<unknown>): Promise<number> {
  let peak = 0;
  const timer = setInterval(() => {
    const p = pid();
    if (p) peak = Math.max(peak, rssMiB(tree(p)));
  }, 50);
  return done.then(() => (clearInterval(timer), peak), () => (clearInterval(timer), peak));
}

async function freshRuns(url: string): Promise<{ cpu: number[]; peak: number[]; usable: number[] }> {
  const cpu: number[] = [];
  const peak: number[] = [];
  const usable: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = reapedCpu();
    const before2 = new Set(readdirSync("/proc"));
    let child: number | undefined;
    const watcher = setInterval(() => {
      child ??= readdirSync("/proc").filter((n) => !before2.has(n) && /^\d+$/.test(n)).map(Number).find((p) => Number(stat(p)?.[1]) === process.pid && readFileSync(`/proc/${p}/cmdline`, "utf8").includes("browser-child"));
    }, 20);
    const run = probeBrowser(testTarget("browser", url, { timeoutMs: 15_000, slowMs: 15_000, browser }), never);
    const p = await samplePeak(() => child, run);
    clearInterval(watcher);
    const { result } = await run;
    cpu.push(reapedCpu() - before);
    peak.push(p);
    if (result.totalMs !== null && result.outcome === "up") usable.push(result.totalMs);
  }
  return { cpu, peak, usable };
}

async function keptRuns(url: string): Promise<{ cpu: number[]; peak: number[]; held: number; usable: number[] }> {
  const child = spawn(process.execPath, childArgs(browser.childScript), { cwd: root, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const request: BrowserRequest = { url, chromiumPath: CHROMIUM, timeoutMs: 15_000, challengeGraceMs: 5_000, readySelector: null, firstPartyHosts: ["claude.ai"], keepBrowser: true };
  const ask = () => new Promise<ChildMessage>((resolve) => (child.once("message", resolve), child.send({ run: request })));
  const treeCpu = () => tree(child.pid!).reduce((sum, p) => sum + cpuOf(stat(p)), 0);
  await ask(); // the launch, not counted: a kept browser pays it once
  const cpu: number[] = [];
  const peak: number[] = [];
  const usable: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = treeCpu();
    const reply = ask();
    peak.push(await samplePeak(() => child.pid, reply));
    const got = await reply;
    cpu.push(treeCpu() - before);
    if ("observed" in got && got.observed.usableMs !== null) usable.push(got.observed.usableMs);
  }
  const held = rssMiB(tree(child.pid!));
  child.disconnect();
  await new Promise((r) => child.once("exit", r));
  return { cpu, peak, held, usable };
}

/** Edge TTFBs every 250 ms for `ms`, with the browser probe every 10 s beside it or not. */
async function edgeWindow(url: string, ms: number, withBrowser: boolean, gated: boolean): Promise<number[]> {
  const ttfb: number[] = [];
  const end = Date.now() + ms;
  let browserRun: Promise<unknown> | null = null;
  const browsing = withBrowser
    ? setInterval(() => {
        browserRun ??= probeBrowser(testTarget("browser", url, { timeoutMs: 15_000, browser }), never).finally(() => (browserRun = null));
      }, 10_000)
    : null;
  if (withBrowser) browserRun = probeBrowser(testTarget("browser", url, { timeoutMs: 15_000, browser }), never).finally(() => (browserRun = null));
  while (Date.now() < end) {
    // Gated: the worker's slot (lib/measure/worker.ts inSlot): a tick that falls inside a browser run waits for it.
    while (gated && browserRun) await browserRun;
    const r = await probeEdge(testTarget("edge", url, { timeoutMs: 10_000 }), never);
    if (r.ttfbMs !== null) ttfb.push(r.ttfbMs);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (browsing) clearInterval(browsing);
  if (browserRun) await browserRun;
  return ttfb;
}

export async function benchSurfaces(): Promise<void> {
  const childScript = await bundleEntry("browser-child", root, join(root, ".next", "bench-browser-child.mjs"));
  browser = { ...browser, childScript };
  const sim = await startSimProcess();
  try {
    const fresh = await freshRuns(sim.url);
    const kept = await keptRuns(sim.url);
    printTable(
      `browser probe cost per run (${RUNS} runs each, simulator app, bundled child + Chromium)`,
      ["mode", "CPU s median", "CPU s max", "peak PSS MiB median", "peak PSS MiB max", "held between runs MiB", "usable ms median"],
      [
        ["fresh browser per run (shipped)", fmt(median(fresh.cpu), 2), fmt(Math.max(...fresh.cpu), 2), fmt(median(fresh.peak), 0), fmt(Math.max(...fresh.peak), 0), "0", fmt(median(fresh.usable), 0)],
        ["kept browser, fresh context", fmt(median(kept.cpu), 2), fmt(Math.max(...kept.cpu), 2), fmt(median(kept.peak), 0), fmt(Math.max(...kept.peak), 0), fmt(kept.held, 0), fmt(median(kept.usable), 0)],
      ],
    );

    const rows: string[][] = [];
    for (const delay of [0, 500, 2_000]) {
      await sim.control("fault", { target: "app", fault: "none", ttfbMs: delay });
      const usable: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { result } = await probeBrowser(testTarget("browser", sim.url, { timeoutMs: 15_000, slowMs: 15_000, browser }), never);
        if (result.totalMs !== null) usable.push(result.totalMs);
      }
      rows.push([String(delay), fmt(median(usable), 0), fmt(median(usable) - delay, 0), fmt(Math.min(...usable) - delay, 0)]);
    }
    await sim.control("reset");
    printTable("browser time to usable against the bootstrap's injected delay (5 runs each, fresh browser)", ["injected ms", "usable ms median", "over injected median", "over injected min"], rows);

    // One run, alternating windows so drift on a shared machine falls on both sides alike.
    const without: number[] = [];
    const beside: number[] = [];
    const gated: number[] = [];
    for (let round = 0; round < 2; round++) {
      without.push(...(await edgeWindow(sim.url, 30_000, false, false)));
      beside.push(...(await edgeWindow(sim.url, 30_000, true, false)));
      gated.push(...(await edgeWindow(sim.url, 30_000, true, true)));
    }
    const row = (name: string, v: number[]) => [name, String(v.length), fmt(median(v), 2), fmt(quantile(v, 0.99), 2), fmt(median(v) / median(without), 3), fmt(quantile(v, 0.99) / quantile(without, 0.99), 3)];
    printTable("edge TTFB every 250 ms, browser probe every 10 s (2 × 30 s windows each, one run)", ["edge probe", "n", "TTFB median ms", "TTFB p99 ms", "median ratio", "p99 ratio"], [
      row("alone", without),
      row("browser beside it, overlapping (niced)", beside),
      row("browser beside it, in its own slot (worker)", gated),
    ]);
  } finally {
    await sim.stop();
  }
}
