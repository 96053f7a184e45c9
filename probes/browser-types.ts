/**
 * What the browser probe's parent (probes/browser.ts, in the worker) and its child (probes/browser-child.ts, which
 * alone loads playwright-core) say to each other over the IPC channel. Types only: importing this loads nothing.
 */

/** Parent → child: load `url` once in a fresh context. */
export interface BrowserRequest {
  url: string;
  chromiumPath: string;
  /** From the navigation's start: past it the child stops waiting and reports what it saw. */
  timeoutMs: number;
  /** A challenge page still showing this long after the document first answered is `blocked`. */
  challengeGraceMs: number;
  readySelector: string | null;
  /** Host patterns (`claude.ai`, `*.anthropic.com`) besides the page's own origin. */
  firstPartyHosts: string[];
  /** Keep the browser for the next request (the bench's warm mode); the probe launches one per run. */
  keepBrowser: boolean;
}

/** A first-party request that failed, or had not answered when the child stopped waiting. */
export interface SeenRequest {
  method: string;
  /** Host and path, never the query (it can carry tokens). */
  host: string;
  path: string;
  resourceType: string;
  /** The HTTP status, or null when none came (a network failure, or still pending). */
  status: number | null;
  /** Chromium's error text for a request that failed without a status (`net::ERR_CONNECTION_RESET`). */
  failure: string | null;
  pending: boolean;
}

/** Child → parent: what one page load showed. Times are milliseconds from the navigation's start. */
export interface Observation {
  /** Chromium could not start or crashed: our fault, never Claude's. */
  browserError: string | null;
  /** page.goto's own error (`net::ERR_NAME_NOT_RESOLVED`), null when the document answered. */
  navigationError: string | null;
  /** The main document as it last answered (after a challenge that cleared, the page behind it). */
  document: { status: number; headers: Record<string, string>; bodyStart: string } | null;
  challenge: "cleared" | "stayed" | null;
  loaded: boolean;
  usable: boolean;
  usableMs: number | null;
  elapsedMs: number;
  /** PerformanceNavigationTiming phases and first contentful paint of the final document. */
  timing: { dnsMs: number | null; connectMs: number | null; tlsMs: number | null; ttfbMs: number | null; fcpMs: number | null };
  /** First-party requests that failed or were still pending; 401/403 answers are left out (a logged-out app). */
  requests: SeenRequest[];
  /** Uncaught page errors, first lines only. */
  pageErrors: string[];
  /** A small JPEG of the page as it stood at the end, base64; the parent keeps it only for a failed run. */
  screenshot: string | null;
}

export type ChildMessage = { observed: Observation } | { fatal: string };
