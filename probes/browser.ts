/**
 * The `browser` probe: claude.ai loaded in a real headless Chromium, in a child process (probes/browser-child.ts) so
 * the worker never loads playwright-core and a hung or crashed browser never touches it. One child and one Chromium
 * per run, gone between runs (measured in tests/bench/surfaces.ts: a kept browser saves CPU but holds ~200 MiB all
 * the time). The deadline is enforced from here: past it the child's process group is killed, and Chromium, whose
 * control pipe was the child, exits with it.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { setPriority, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { judgeObservation } from "@/probes/browser-judge";
import type { BrowserRequest, ChildMessage, Observation } from "@/probes/browser-types";
import { buildProbeResult, type ResultFields } from "@/probes/result";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** Where a system Chromium usually is, in the order tried when CHROMIUM_PATH is unset. */
export const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];
/** A challenge page still up this long after the document answered will not clear for us: `blocked`. */
export const CHALLENGE_GRACE_MS = 5_000;
// Past the page's own deadline: starting node and Chromium, the screenshot and closing. Then the group is killed.
const HARD_DEADLINE_EXTRA_MS = 20_000;
// Chromium gets the CPU after the other probes, so it cannot make their timings worse when it must run beside them.
const NICENESS = 10;

/**
 * The project root: the folder above this file's, and also under the worker bundle, whose import.meta.url is
 * db/migrate.ts's. Not `new URL("..", import.meta.url)`: Next's bundler takes that for an asset to resolve.
 */
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export interface BrowserOutput {
  result: ProbeResult;
  /** A JPEG of the page as it stood at the end of a failed run; null for a run that worked or showed nothing. */
  screenshot: Buffer | null;
}

/** CHROMIUM_PATH when set (and only it), else the first usual install path that is executable; null when none is. */
export function findChromium(configured: string | null): string | null {
  for (const path of configured ? [configured] : CHROMIUM_CANDIDATES) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not there: try the next
    }
  }
  return null;
}

/**
 * Chromium, its control pipe closed, exits on its own a moment after the child and can still be writing its profile
 * while we remove it (ENOTEMPTY): retried without blocking the worker's event loop, and left behind rather than thrown
 * from an exit handler, where it would be an uncaught exception in the worker.
 */
function removeScratch(scratch: string): void {
  rm(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(() => {
    // a few KB in the temp dir, which the system's tmp cleaning takes
  });
}

/** Load the page once in a fresh context and judge it. Never throws; a browser that fails is inconclusive. */
export async function probeBrowser(target: ProbeTarget, signal: AbortSignal): Promise<BrowserOutput> {
  const startedAt = new Date();
  const settings = target.browser;
  const ourFault = (message: string): BrowserOutput => ({ result: { ...buildProbeResult(target, "browser", startedAt, { message, totalMs: Date.now() - startedAt.getTime() }), outcome: "inconclusive" }, screenshot: null });
  if (!settings) return ourFault("no Chromium configured for the browser probe");
  const request: BrowserRequest = {
    url: target.baseUrl,
    chromiumPath: settings.chromiumPath,
    timeoutMs: target.timeoutMs,
    challengeGraceMs: Math.min(CHALLENGE_GRACE_MS, target.timeoutMs),
    readySelector: settings.readySelector,
    firstPartyHosts: settings.firstPartyHosts,
    keepBrowser: false,
  };
  const reply = await runChild(request, settings.childScript, signal);
  if ("fatal" in reply) return ourFault(reply.fatal);
  const seen = reply.observed;
  if (seen.browserError || (seen.navigationError && !/net::ERR_/.test(seen.navigationError))) return ourFault(`the browser failed: ${seen.browserError ?? seen.navigationError}`);
  const judged = judgeObservation(seen, target.baseUrl, target.timeoutMs, request.challengeGraceMs);
  const slow = !judged.failure && seen.usableMs !== null && seen.usableMs > target.slowMs;
  const fields: ResultFields = { ...judged.fields, ...(judged.failure ?? (slow ? { errorClass: "slow", message: `usable after ${Math.round(seen.usableMs ?? 0)} ms, over the ${target.slowMs} ms threshold` } : {})) };
  const result = buildProbeResult(target, "browser", startedAt, fields);
  const screenshot = result.outcome !== "up" && result.errorClass !== "slow" && seen.screenshot ? Buffer.from(seen.screenshot, "base64") : null;
  return { result, screenshot };
}

/** The node arguments that start the child: the bundle npm start built beside the worker's, else the source via tsx. */
export function childArgs(childScript: string | null): string[] {
  return childScript ? [childScript] : ["--import", "tsx", join(ROOT, "probes", "browser-child.ts")];
}

/**
 * Start a child, send one request, wait for its answer, let it exit and reap it. Its own process group, so the kill at
 * the hard deadline (or on cancellation) reaches everything it started in that group; its own TMPDIR, so the profile
 * Chromium writes is removed even when the child could not clean up after itself.
 */
export function runChild(request: BrowserRequest, childScript: string | null, signal: AbortSignal, hardMs = request.timeoutMs + HARD_DEADLINE_EXTRA_MS): Promise<ChildMessage> {
  const scratch = mkdtempSync(join(tmpdir(), "witness-browser-"));
  const child = spawn(process.execPath, childArgs(childScript), { cwd: ROOT, detached: true, stdio: ["ignore", "ignore", "pipe", "ipc"], env: { ...process.env, TMPDIR: scratch } });
  try {
    if (child.pid) setPriority(child.pid, NICENESS);
  } catch {
    // not allowed here (some containers): run at normal priority rather than not at all
  }
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-2000)));
  return new Promise<ChildMessage>((resolve) => {
    let answer: ChildMessage | null = null;
    const kill = (why: string) => {
      answer ??= { fatal: why };
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill(`the browser did not report within ${hardMs} ms: killed`), hardMs);
    const onAbort = () => kill("cancelled (worker stopping)");
    signal.addEventListener("abort", onAbort, { once: true });
    child.on("message", (msg: ChildMessage) => {
      answer ??= msg;
      // Done with it: closing the channel is the child's signal to exit.
      if (child.connected) child.disconnect();
    });
    child.on("error", (err) => kill(`the browser child did not start: ${err.message}`));
    // 'exit' is node having reaped it: nothing of ours stays a zombie.
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      removeScratch(scratch);
      const tail = stderr.trim().split("\n").at(-1) ?? "";
      resolve(answer ?? { fatal: `the browser child exited (${sig ?? `code ${code}`}) without a report${tail ? `: ${tail.slice(0, 200)}` : ""}` });
    });
    if (signal.aborted) return onAbort();
    child.send({ run: request });
  });
}

export type { Observation };
