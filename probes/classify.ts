/**
 * The one classifier: every way a probe can fail maps here to PRODUCT.md's errorClass table, and every errorClass
 * to its outcome. Probe files never invent a class of their own.
 */
import type { IncomingHttpHeaders } from "node:http";
import { BAD_ENCODING_CODE, BODY_TOO_LARGE_CODE, CUT_ENCODING_CODE } from "@/probes/body";
import { headerValue } from "@/probes/http";
import { sanitizeMessage } from "@/probes/sanitize";
import { KEYED_KINDS, type ErrorClass, type Outcome, type ProbeKind } from "@/probes/types";

export interface Failure {
  errorClass: ErrorClass;
  message: string;
}

/** PRODUCT.md's outcome column. dns/connection errors become inconclusive only in the worker, which knows whether
 *  the monitor's own connectivity check failed too. */
export const OUTCOME_OF: Record<ErrorClass, Outcome> = {
  timeout: "down",
  dns_error: "down",
  connection_error: "down",
  tls_error: "down",
  http_5xx: "down",
  overloaded: "down",
  rate_limited: "inconclusive",
  auth_error: "inconclusive",
  client_error: "inconclusive",
  blocked: "inconclusive",
  empty_response: "down",
  malformed_response: "down",
  stream_error: "down",
  stream_truncated: "down",
  stream_stalled: "down",
  app_error: "down",
  wrong_answer: "degraded",
  slow: "degraded",
};

/** Where a network error happened: before headers, while reading a plain body, or inside a begun stream. */
export type Stage = "request" | "body" | "stream";

/** Thrown by the stream reader when no byte arrived within the idle timeout. */
export const IDLE_TIMEOUT_CODE = "WITNESS_IDLE_TIMEOUT";

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME"]);
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|UNABLE_TO_(VERIFY|GET)_)/;

/** Classify a thrown network error. `deadline` tells a deadline abort from any other. */
export function classifyError(err: unknown, stage: Stage, deadline: AbortSignal): Failure {
  const e = (err ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const text = typeof e.message === "string" ? e.message : String(err);
  if (code === IDLE_TIMEOUT_CODE) return { errorClass: "stream_stalled", message: text };
  if (e.name === "AbortError" || code === "ABORT_ERR" || deadline.aborted) {
    if (!deadline.aborted) return { errorClass: "timeout", message: "cancelled before completion (worker stopping)" };
    if (stage === "stream") return { errorClass: "stream_stalled", message: "deadline passed mid-stream" };
    return { errorClass: "timeout", message: stage === "body" ? "deadline passed before the body was complete" : "deadline passed before the response headers" };
  }
  if (DNS_CODES.has(code)) return { errorClass: "dns_error", message: `${code}: name did not resolve` };
  if (TLS_CODES.test(code)) return { errorClass: "tls_error", message: `${code}: ${sanitizeMessage(text)}` };
  if (code === BODY_TOO_LARGE_CODE || code === BAD_ENCODING_CODE || code.startsWith("HPE_")) {
    return { errorClass: "malformed_response", message: `${code}: ${sanitizeMessage(text)}` };
  }
  // Compressed data that stops short inside a body the transport called whole: for a stream that is the stream ending
  // before message_stop; for a plain body it is what an unparsable half of a body would be.
  if (code === CUT_ENCODING_CODE) {
    if (stage === "stream") return { errorClass: "stream_truncated", message: "stream ended mid compressed data, before message_stop" };
    return { errorClass: "malformed_response", message: `${code}: ${sanitizeMessage(text)}` };
  }
  if (stage === "stream") return { errorClass: "stream_truncated", message: `stream cut before message_stop (${code || "closed"})` };
  const where = stage === "body" ? "after the headers, body incomplete" : "before a response";
  return { errorClass: "connection_error", message: `${code || "connection failed"} ${where}` };
}

// An error envelope is a few hundred bytes. A body far past that is a page, and parsing a 1 MB status page on the
// event loop only to learn it is not an envelope costs milliseconds of every other probe's timing.
const ERROR_BODY_MAX_CHARS = 16 * 1024;

/** A small JSON object body, parsed; null for anything else. */
function smallJsonObject(text: string): Record<string, unknown> | null {
  if (text.length > ERROR_BODY_MAX_CHARS || !/^\s*\{/.test(text)) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null; // not JSON: the caller reports the status alone
  }
}

export interface ApiError {
  type: string;
  message: string;
}

/**
 * The error of an Anthropic envelope (`{"type":"error","error":{type,message}}`), or of the bare `{"error":{…}}` that
 * the API's edge (`forbidden`) and claude.ai (`permission_error`) send when they refuse a network or region.
 */
export function parseApiError(text: string): ApiError | null {
  return apiErrorOf(smallJsonObject(text));
}

function apiErrorOf(json: Record<string, unknown> | null): ApiError | null {
  const error = json?.error as { type?: unknown; message?: unknown } | undefined;
  if (!json || (json.type !== undefined && json.type !== "error") || typeof error?.type !== "string") return null;
  return { type: error.type, message: typeof error.message === "string" ? error.message : "" };
}

/** A Cloudflare challenge or a client-signature block: reachable, but not answering us. */
export function isBlocked(headers: IncomingHttpHeaders, text: string): boolean {
  return headerValue(headers, "cf-mitigated") === "challenge" || /error code:\s*1010\b/i.test(text.slice(0, 4096));
}

/** Classify a non-2xx response (or a 2xx that is a challenge). Returns null when the status is not a failure. */
export function classifyStatus(kind: ProbeKind, status: number, headers: IncomingHttpHeaders, text: string): Failure | null {
  const json = smallJsonObject(text);
  const api = apiErrorOf(json);
  // Described only for a failure: a healthy 1 MB page is not searched for an error code.
  const detail = () => (api ? `${api.type}: ${sanitizeMessage(api.message)}` : describeBody(text, json));
  if (isBlocked(headers, text)) return { errorClass: "blocked", message: `HTTP ${status} blocked by Cloudflare (${detail()})` };
  if (status === 529 || api?.type === "overloaded_error") return { errorClass: "overloaded", message: `HTTP ${status} ${detail()}` };
  if (status >= 500) return { errorClass: "http_5xx", message: `HTTP ${status} ${detail()}` };
  if (status === 429) {
    const retryAfter = headerValue(headers, "retry-after");
    const spendCap = text.includes("enforced_spend_limit_reached") ? " (monthly spend cap)" : "";
    return { errorClass: "rate_limited", message: `HTTP 429${spendCap}${retryAfter ? ` retry-after ${retryAfter}s` : ""}: ${detail()}` };
  }
  const keyed = KEYED_KINDS.includes(kind);
  if (keyed && (status === 401 || status === 403) && blamesKey(status, api)) {
    return { errorClass: "auth_error", message: `MISCONFIGURED: HTTP ${status} ${detail()} (check ANTHROPIC_API_KEY)` };
  }
  // A 403 that does not blame the key refuses the caller (its network, region or client): no key setting fixes it.
  if (status === 403) {
    const notTheKey = keyed ? "; the answer does not blame the API key" : "";
    return { errorClass: "blocked", message: `HTTP 403: the site refused this client (its network or region${notTheKey}): ${detail()}` };
  }
  if (status >= 400) return { errorClass: "client_error", message: `MISCONFIGURED? HTTP ${status} ${detail()}` };
  return null;
}

/**
 * Whether a keyed probe's 401/403 is about its key: every 401 (the credentials were refused), and a 403 that says
 * so (`authentication_error`, or a message naming the key: invalid, disabled, without permission).
 */
function blamesKey(status: number, api: ApiError | null): boolean {
  if (status === 401 || api?.type === "authentication_error") return true;
  return api !== null && /\b(api[ _-]?key|x-api-key|key)\b/i.test(api.message);
}

/** A short description of a non-envelope body: a Cloudflare error page's title or code, a page title, or its type. */
function describeBody(text: string, json: Record<string, unknown> | null): string {
  const problem = problemTitle(json);
  if (problem) return problem;
  const cfCode = /error code:?\s*(\d{3,4})/i.exec(text)?.[1];
  if (cfCode) return `Cloudflare error ${cfCode}`;
  const title = /<title>([^<]{0,120})<\/title>/i.exec(text)?.[1];
  if (title) return `HTML page "${sanitizeMessage(title)}"`;
  if (/^\s*</.test(text)) return "HTML page";
  return text.trim() ? sanitizeMessage(text.slice(0, 120)) : "empty body";
}

/**
 * The title of an RFC 9457 problem document, which Cloudflare sends instead of its HTML error page to a client
 * that accepts JSON (`{"type":"https://developers.cloudflare.com/…","title":"Error 522: Connection timed out",…}`).
 */
function problemTitle(problem: Record<string, unknown> | null): string | null {
  if (typeof problem?.type !== "string" || typeof problem.title !== "string" || !/^https?:\/\//.test(problem.type)) return null;
  const title = sanitizeMessage(problem.title.slice(0, 120));
  return /^https?:\/\/([a-z0-9-]+\.)*cloudflare\.com\//i.test(problem.type) ? `Cloudflare page "${title}"` : `error page "${title}"`;
}

/** True when a body that should be JSON is HTML or declared as something else. */
export function isNotJson(headers: IncomingHttpHeaders, text: string): boolean {
  const type = headerValue(headers, "content-type") ?? "";
  return /^\s*</.test(text) || (type !== "" && !type.includes("json"));
}
