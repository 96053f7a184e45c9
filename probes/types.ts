/** The shapes every probe shares. The field names and enums are PRODUCT.md contracts. */

export const PROBE_KINDS = ["messages", "stream", "edge", "web", "status", "console", "browser", "code"] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];

/** Kinds that spend tokens and need ANTHROPIC_API_KEY. */
export const KEYED_KINDS: readonly ProbeKind[] = ["messages", "stream", "code"];

export const OUTCOMES = ["up", "degraded", "down", "inconclusive"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const ERROR_CLASSES = [
  "timeout",
  "dns_error",
  "connection_error",
  "tls_error",
  "http_5xx",
  "overloaded",
  "rate_limited",
  "auth_error",
  "client_error",
  "blocked",
  "empty_response",
  "malformed_response",
  "stream_error",
  "stream_truncated",
  "stream_stalled",
  "app_error",
  "wrong_answer",
  "slow",
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** One probe run, exactly the fields of PRODUCT.md ("One result"); null where a field does not apply. */
export interface ProbeResult {
  probe: string;
  kind: ProbeKind;
  model: string | null;
  startedAt: string;
  outcome: Outcome;
  errorClass: ErrorClass | null;
  httpStatus: number | null;
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
  ttftMs: number | null;
  totalMs: number | null;
  outputTokens: number | null;
  tokensPerSecond: number | null;
  requestId: string | null;
  message: string | null;
  /** Kind-specific figures (the browser's first contentful paint and failed requests, the code probe's steps); may be null. */
  details: Record<string, unknown> | null;
}

/** A result as the JSON contract gives it (PRODUCT.md "One result"): with the place that measured it, before `details`. */
export function withVantage(result: ProbeResult, vantage: string): Omit<ProbeResult, "details"> & { vantage: string; details: ProbeResult["details"] } {
  const { details, ...rest } = result;
  return { ...rest, vantage, details };
}

/** How an answer is checked: the prompt asks for a known word, the reply must contain (or equal, or match) it. */
export interface AnswerCheck {
  prompt: string;
  expect: string;
  match: "contains" | "exact" | "regex";
}

/** Everything one probe run needs to know; built from configuration by lib/. */
export interface ProbeTarget {
  /** Series name, e.g. `stream:claude-haiku-4-5`. */
  name: string;
  /** Base URL; may carry a path (AI gateways), to which `/v1/messages` is appended. */
  baseUrl: string;
  model: string | null;
  /** Only for keyed kinds; travels in the x-api-key header and nowhere else. */
  apiKey?: string;
  timeoutMs: number;
  /** Streams only: no bytes for this long after the stream began means stalled. */
  idleTimeoutMs: number;
  /** Over this (total, or TTFT for streams) a working probe is `slow`. */
  slowMs: number;
  maxTokens: number;
  answer: AnswerCheck;
  userAgent: string;
  /** Only for the browser kind, and only when a Chromium was found. */
  browser?: BrowserSettings;
}

/** The browser probe's own settings. */
export interface BrowserSettings {
  chromiumPath: string;
  /** Usable once this is visible; null: the load event, its first-party requests settled, and visible text. */
  readySelector: string | null;
  /** Host patterns (`claude.ai`, `*.anthropic.com`) counted as the app's own besides the page's origin. */
  firstPartyHosts: string[];
  /** The child's bundle (npm start builds it); null: the TypeScript source through tsx. */
  childScript: string | null;
}
