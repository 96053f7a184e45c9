/**
 * The browser probe's child process, the only code that loads playwright-core (about 80 MiB in any process that
 * imports it, and a hung or crashed browser must not touch the worker). It takes `{ run: BrowserRequest }` messages
 * on the IPC channel and answers each with `{ observed }`. When the channel closes (the worker exited, was killed -9,
 * or is done with us) it exits at once; Chromium, launched with a control pipe to this process, exits with it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser, Page, Request, Response } from "playwright-core";
import type { BrowserRequest, ChildMessage, Observation, SeenRequest } from "@/probes/browser-types";

// playwright-core's own launch flags plus these: nothing that phones home or updates itself while we measure.
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
// A screenshot, the timing read and closing get this long each: a wedged renderer must not hold the report back.
const STEP_MS = 3_000;
const DOOMED_WAIT_MS = 1_000;
const VIEWPORT = { width: 1280, height: 800 };

let kept: Browser | null = null;

interface Tracked extends SeenRequest {
  settled: Promise<void>;
  settle: () => void;
}

async function launch(req: BrowserRequest): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: req.chromiumPath, args: CHROMIUM_FLAGS, headless: true, timeout: 20_000, handleSIGINT: false, handleSIGTERM: false });
}

function isFirstParty(url: URL, origin: string, patterns: readonly string[]): boolean {
  if (url.origin === origin) return true;
  const host = url.hostname.toLowerCase();
  return patterns.some((p) => (p.startsWith("*.") ? host.endsWith(p.slice(1)) : host === p.toLowerCase()));
}

const firstLine = (text: string) => (text.split("\n", 1)[0] ?? "").slice(0, 300);
const within = <T>(work: Promise<T>, ms: number): Promise<T | null> =>
  Promise.race([work.catch(() => null), sleep(Math.max(0, ms), null, { ref: false })]);

/** One page load in a fresh context: no cookies, no cache, no service worker. Never throws. */
async function observe(browser: Browser, req: BrowserRequest): Promise<Observation> {
  const context = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: "block" });
  const page = await context.newPage();
  const origin = new URL(req.url).origin;
  const tracked = new Map<Request, Tracked>();
  const pageErrors: string[] = [];
  let lastDocument = null as Observation["document"];
  let documentResponse = null as Response | null;
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (!/^https?:$/.test(url.protocol) || !isFirstParty(url, origin, req.firstPartyHosts)) return;
    let settle = () => {};
    const settled = new Promise<void>((done) => (settle = done));
    tracked.set(r, { method: r.method(), host: url.host, path: url.pathname, resourceType: r.resourceType(), status: null, failure: null, pending: true, settled, settle });
  });
  page.on("response", (response) => {
    const t = tracked.get(response.request());
    // Answered is settled: a body the page never reads (an unread 403) would otherwise never "finish".
    if (t) {
      t.status = response.status();
      t.pending = false;
      t.settle();
    }
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
      documentResponse = response;
      lastDocument = { status: response.status(), headers: response.headers(), bodyStart: "" };
    }
  });
  const finish = (r: Request, failure: string | null) => {
    const t = tracked.get(r);
    if (!t) return;
    t.pending = false;
    t.failure = failure;
    t.settle();
  };
  page.on("requestfinished", (r) => finish(r, null));
  page.on("requestfailed", (r) => finish(r, r.failure()?.errorText ?? "failed"));
  page.on("pageerror", (err) => pageErrors.length < 10 && pageErrors.push(firstLine(`${err.name}: ${err.message}`)));

  const start = performance.now();
  const left = () => Math.max(0, req.timeoutMs - (performance.now() - start));
  const out: Observation = { browserError: null, navigationError: null, document: null, challenge: null, loaded: false, usable: false, usableMs: null, elapsedMs: 0, timing: { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, fcpMs: null }, requests: [], pageErrors, screenshot: null };
  try {
    await page.goto(req.url, { waitUntil: "load", timeout: left() });
    out.loaded = true;
    if (isChallenge(lastDocument)) {
      out.challenge = (await waitForClearance(page, () => lastDocument, Math.min(req.challengeGraceMs, left()))) ? "cleared" : "stayed";
    }
    if (out.challenge !== "stayed" && (lastDocument?.status ?? 0) < 400) {
      // The first-party requests already started at the load event (the bootstrap the app waits on) must settle.
      const started = [...tracked.values()].filter((t) => t.pending);
      await within(Promise.all(started.map((t) => t.settled)), left());
      // A failure already seen decides the verdict whatever renders next: a moment for the error screen, not the deadline.
      const wait = isDoomed(tracked.values(), pageErrors) ? Math.min(DOOMED_WAIT_MS, left()) : left();
      out.usable = (await within(waitUsable(page, req.readySelector, wait), wait + 100)) === true;
      if (out.usable) out.usableMs = performance.now() - start;
    }
  } catch (err) {
    const message = firstLine(err instanceof Error ? err.message : String(err));
    if (/Timeout \d+ms exceeded/.test(message)) out.loaded = false;
    else out.navigationError = message;
  }
  out.elapsedMs = performance.now() - start;
  out.document = lastDocument;
  if (out.document && documentResponse && out.document.status >= 400) out.document.bodyStart = ((await within(documentResponse.text(), STEP_MS)) ?? "").slice(0, 4096);
  out.timing = (await within(page.evaluate<Observation["timing"]>(READ_TIMING), STEP_MS)) ?? out.timing;
  out.requests = [...tracked.values()]
    .filter((t) => t.pending || t.failure !== null || (t.status !== null && t.status >= 400 && t.status !== 401 && t.status !== 403))
    .map(({ settled: _s, settle: _t, ...seen }) => seen);
  const shot = await within(page.screenshot({ type: "jpeg", quality: 50, timeout: STEP_MS }), STEP_MS + 500);
  out.screenshot = shot ? shot.toString("base64") : null;
  await within(context.close(), STEP_MS);
  return out;
}

/** A page error, or a first-party request that failed in a way that fails the run (see probes/browser.ts). */
function isDoomed(seen: Iterable<SeenRequest>, pageErrors: readonly string[]): boolean {
  if (pageErrors.length > 0) return true;
  for (const t of seen) {
    if (t.failure !== null && !t.pending) return true;
    if (t.status !== null && (t.status >= 500 || t.status === 429 || (t.resourceType === "script" && t.status >= 400))) return true;
  }
  return false;
}

function isChallenge(doc: Observation["document"]): boolean {
  return doc?.headers["cf-mitigated"] === "challenge";
}

/** True once a document that is not a challenge has loaded, within `ms`. */
async function waitForClearance(page: Page, current: () => Observation["document"], ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (isChallenge(current())) {
    const left = until - performance.now();
    if (left <= 0) return false;
    if ((await within(page.waitForEvent("load", { timeout: left }), left + 100)) === null) return !isChallenge(current());
  }
  return true;
}

/** Usable: the configured selector is visible, else the page shows some text. Never "network idle". */
async function waitUsable(page: Page, selector: string | null, ms: number): Promise<boolean> {
  if (selector) await page.waitForSelector(selector, { state: "visible", timeout: ms });
  else await page.waitForFunction(() => (document.body?.innerText ?? "").trim().length > 0, undefined, { timeout: ms, polling: 50 });
  return true;
}

/**
 * Runs in the page: the navigation's phases (ms, from its start) and first contentful paint. A string, not a function:
 * a function compiled by tsx or esbuild may call their helpers (`__name`), which do not exist in the page.
 */
const READ_TIMING = `(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const r = (ms) => Math.round(ms * 10) / 10;
  const fcpMs = fcp ? Math.round(fcp.startTime) : null;
  if (!nav) return { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null, fcpMs };
  const secure = nav.secureConnectionStart > 0;
  return {
    dnsMs: r(nav.domainLookupEnd - nav.domainLookupStart),
    connectMs: r((secure ? nav.secureConnectionStart : nav.connectEnd) - nav.connectStart),
    tlsMs: secure ? r(nav.connectEnd - nav.secureConnectionStart) : null,
    ttfbMs: r(nav.responseStart - nav.startTime),
    fcpMs,
  };
})()`;

async function handle(req: BrowserRequest): Promise<ChildMessage> {
  let browser: Browser;
  try {
    browser = kept ?? (await launch(req));
  } catch (err) {
    return { fatal: `Chromium did not start: ${firstLine(err instanceof Error ? err.message : String(err))}` };
  }
  if (req.keepBrowser) kept = browser;
  try {
    return { observed: await observe(browser, req) };
  } catch (err) {
    // newContext/newPage failing means the browser itself is gone (crashed, killed): our fault.
    return { fatal: `the browser failed: ${firstLine(err instanceof Error ? err.message : String(err))}` };
  } finally {
    if (!req.keepBrowser) await within(browser.close(), STEP_MS);
  }
}

function exitNow(): void {
  // playwright-core's exit hook SIGKILLs the browser's process group; the pipe closing would end it anyway.
  void within(kept?.close() ?? Promise.resolve(), 1_000).finally(() => process.exit(0));
}

if (!process.send) {
  process.stderr.write("browser-child: run by probes/browser.ts with an IPC channel, not by hand\n");
  process.exit(2);
}
process.on("disconnect", exitNow);
process.on("message", (msg: { run?: BrowserRequest }) => {
  if (!msg?.run) return;
  void handle(msg.run).then((reply) => process.send?.(reply));
});
