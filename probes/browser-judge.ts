/** What one browser page load means, by PRODUCT.md's table: pure, so every case is a plain test. */
import { classifyStatus, type Failure } from "@/probes/classify";
import type { Observation, SeenRequest } from "@/probes/browser-types";
import type { ResultFields } from "@/probes/result";

export interface Judged {
  /** null: the app was usable in time (the caller applies `slow`). */
  failure: Failure | null;
  fields: ResultFields;
}

/** Judge a page load: the document's answer, then the app's own requests, then the page itself. */
export function judgeObservation(seen: Observation, url: string, timeoutMs: number, challengeGraceMs: number): Judged {
  const origin = new URL(url).host;
  // ERR_ABORTED without a status is the page moving on (a challenge reloading), not a failure; with one it is Chromium
  // refusing what came back (a script answered 404).
  const failed = seen.requests.filter((r) => !r.pending && (r.status !== null || !/ERR_ABORTED/.test(r.failure ?? "")));
  const fields: ResultFields = {
    httpStatus: seen.document?.status ?? null,
    dnsMs: seen.timing.dnsMs,
    connectMs: seen.timing.connectMs,
    tlsMs: seen.timing.tlsMs,
    ttfbMs: seen.document ? seen.timing.ttfbMs : null,
    totalMs: Math.round(seen.usableMs ?? seen.elapsedMs),
    requestId: seen.document?.headers["cf-ray"] ?? null,
    details: {
      fcpMs: seen.timing.fcpMs,
      usable: seen.usable,
      failedRequests: seen.requests.map((r) => ({ method: r.method, path: where(r, origin), status: r.status, ...(r.pending ? { pending: true } : {}), ...(r.failure ? { failure: r.failure } : {}) })),
      pageErrors: seen.pageErrors,
      ...(seen.challenge ? { challenge: seen.challenge } : {}),
    },
  };
  return { failure: failureOf(seen, failed, origin, timeoutMs, challengeGraceMs), fields };
}

function failureOf(seen: Observation, failed: SeenRequest[], origin: string, timeoutMs: number, graceMs: number): Failure | null {
  if (seen.navigationError) return navigationFailure(seen.navigationError);
  if (seen.challenge === "stayed") return { errorClass: "blocked", message: `a Cloudflare challenge was still showing ${graceMs} ms after the page answered` };
  if (!seen.document) return { errorClass: "timeout", message: "deadline passed before the response headers" };
  const doc = classifyStatus("browser", seen.document.status, seen.document.headers, seen.document.bodyStart);
  if (doc) return doc;
  const name = (r: SeenRequest) => `the app's ${r.method} ${where(r, origin)}`;
  const http = failed.find((r) => r.status !== null && (r.status >= 500 || r.status === 429));
  if (http?.status) {
    const errorClass = http.status === 529 ? "overloaded" : http.status === 429 ? "rate_limited" : "http_5xx";
    return { errorClass, message: `${name(http)} answered ${http.status}` };
  }
  const hung = seen.usable ? undefined : seen.requests.find((r) => r.pending);
  if (hung) return { errorClass: "timeout", message: `${name(hung)} did not answer within ${timeoutMs} ms` };
  const script = failed.find((r) => r.resourceType === "script");
  if (script) return { errorClass: "app_error", message: `${name(script)} ${script.status !== null ? `answered ${script.status}` : `failed (${script.failure})`}` };
  if (seen.pageErrors.length > 0) return { errorClass: "app_error", message: `uncaught page error: ${seen.pageErrors[0]}` };
  if (!seen.loaded) return { errorClass: "timeout", message: `the page did not finish loading within ${timeoutMs} ms` };
  if (!seen.usable) {
    const other = failed[0];
    return { errorClass: "app_error", message: `nothing usable within ${timeoutMs} ms${other ? ` (${name(other)} failed: ${other.status ?? other.failure})` : ""}` };
  }
  return null;
}

/** Chromium's net:: errors, mapped like the HTTP probes' socket errors. */
function navigationFailure(message: string): Failure {
  const code = /net::(ERR_[A-Z_]+)/.exec(message)?.[1] ?? "";
  if (/NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED/.test(code)) return { errorClass: "dns_error", message: `${code}: name did not resolve` };
  if (/^ERR_(CERT_|SSL_)/.test(code)) return { errorClass: "tls_error", message: code };
  if (code === "ERR_TIMED_OUT" || code === "ERR_CONNECTION_TIMED_OUT") return { errorClass: "timeout", message: `${code} before a response` };
  return { errorClass: "connection_error", message: `${code || message} before a response` };
}

/** The path alone on the page's own host, host and path elsewhere; never the query. */
function where(r: SeenRequest, origin: string): string {
  return r.host === origin ? r.path : `${r.host}${r.path}`;
}
