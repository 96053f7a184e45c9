import { describe, expect, it } from "vitest";
import { BAD_ENCODING_CODE, BODY_TOO_LARGE_CODE, CUT_ENCODING_CODE } from "@/probes/body";
import { classifyError, classifyStatus, IDLE_TIMEOUT_CODE, OUTCOME_OF, parseApiError } from "@/probes/classify";
import { ERROR_CLASSES, type ErrorClass, type Outcome, type ProbeKind } from "@/probes/types";

const live = new AbortController().signal;
const expired = AbortSignal.abort();
const err = (code: string, message = code) => Object.assign(new Error(message), { code });

// Network errors that the simulator cannot produce on loopback without sending traffic elsewhere (DNS) are
// classified here from the errors Node really throws.
describe("the classifier", () => {
  it.each([
    [err("ENOTFOUND", "getaddrinfo ENOTFOUND api.anthropic.com"), "request", "dns_error"],
    [err("EAI_AGAIN"), "request", "dns_error"],
    [err("ECONNREFUSED"), "request", "connection_error"],
    [err("ECONNRESET"), "request", "connection_error"],
    [err("ERR_SSL_WRONG_VERSION_NUMBER"), "request", "tls_error"],
    [err("CERT_HAS_EXPIRED"), "request", "tls_error"],
    [err("DEPTH_ZERO_SELF_SIGNED_CERT"), "request", "tls_error"],
    [err("HPE_INVALID_CONSTANT"), "request", "malformed_response"],
    [err("ECONNRESET"), "stream", "stream_truncated"],
    [err(IDLE_TIMEOUT_CODE), "stream", "stream_stalled"],
    // Decoding: bytes that arrived whole but are not what they claim are malformed; compressed data that stops short
    // inside a complete transport is a stream ending before message_stop, or a plain body that cannot be whole.
    [err(BAD_ENCODING_CODE), "body", "malformed_response"],
    [err(BAD_ENCODING_CODE), "stream", "malformed_response"],
    [err(BODY_TOO_LARGE_CODE), "stream", "malformed_response"],
    [err(CUT_ENCODING_CODE), "stream", "stream_truncated"],
    [err(CUT_ENCODING_CODE), "body", "malformed_response"],
  ] as const)("%s at %s is %s", (error, stage, errorClass) => {
    expect(classifyError(error, stage, live).errorClass).toBe(errorClass);
  });

  it("a deadline is timeout before the headers and stream_stalled inside a stream", () => {
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    expect(classifyError(abort, "request", expired).errorClass).toBe("timeout");
    expect(classifyError(abort, "body", expired).errorClass).toBe("timeout");
    expect(classifyError(abort, "stream", expired).errorClass).toBe("stream_stalled");
  });

  it("a 529 is overloaded, not http_5xx; a 401 is auth_error only for keyed probes", () => {
    expect(classifyStatus("messages", 529, {}, "")?.errorClass).toBe("overloaded");
    expect(classifyStatus("messages", 503, {}, "<html>")?.errorClass).toBe("http_5xx");
    expect(classifyStatus("stream", 401, {}, "{}")?.errorClass).toBe("auth_error");
    expect(classifyStatus("web", 401, {}, "")?.errorClass).toBe("client_error");
    expect(classifyStatus("messages", 200, {}, "{}")).toBeNull();
  });

  it("a 200 overloaded_error body is overloaded", () => {
    const body = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    expect(classifyStatus("messages", 200, { "content-type": "application/json" }, body)?.errorClass).toBe("overloaded");
  });

  it("says loudly when a key is misconfigured", () => {
    expect(classifyStatus("messages", 401, {}, "{}")?.message).toMatch(/^MISCONFIGURED/);
  });

  it("maps every error class to PRODUCT.md's outcome", () => {
    expect(Object.keys(OUTCOME_OF).sort()).toEqual([...ERROR_CLASSES].sort());
    expect(OUTCOME_OF.rate_limited).toBe("inconclusive");
    expect(OUTCOME_OF.wrong_answer).toBe("degraded");
    expect(OUTCOME_OF.stream_truncated).toBe("down");
  });
});

const JSON_TYPE = { "content-type": "application/json" };
const EDGE_FORBIDDEN = '{"error":{"type":"forbidden","message":"Request not allowed"}}';
const CLAUDE_AI_REFUSAL = '{"error":{"message":"We are unable to serve your request","type":"permission_error"}}';
const KEY_WITHOUT_PERMISSION = '{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."},"request_id":"req_1"}';
const CF_522_PROBLEM = JSON.stringify({
  type: "https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-522/",
  title: "Error 522: Connection timed out",
  status: 522,
  detail: "Cloudflare could not open a connection to the origin server in time.",
  instance: "9a4c2e7f1b3d5a60",
});

// 401/403 by who sent them and what the answer blames: only an answer about the key is the key's problem.
describe("refusals and error pages", () => {
  it.each<[string, ProbeKind, number, string, ErrorClass, Outcome, RegExp]>([
    ["the API edge refusing a region, keyed", "messages", 403, EDGE_FORBIDDEN, "blocked", "inconclusive", /^HTTP 403: the site refused this client .*does not blame the API key.*forbidden: Request not allowed$/],
    ["the API edge refusing a region, streaming", "stream", 403, EDGE_FORBIDDEN, "blocked", "inconclusive", /refused this client/],
    ["the API edge refusing a region, keyless", "edge", 403, EDGE_FORBIDDEN, "blocked", "inconclusive", /^HTTP 403: the site refused this client \(its network or region\): forbidden/],
    ["claude.ai refusing a region", "web", 403, CLAUDE_AI_REFUSAL, "blocked", "inconclusive", /refused this client .*permission_error: We are unable to serve your request$/],
    ["claude.ai's refusal on a keyed probe", "messages", 403, CLAUDE_AI_REFUSAL, "blocked", "inconclusive", /refused this client/],
    ["a bare 403 on the status page", "status", 403, "Forbidden", "blocked", "inconclusive", /refused this client .*Forbidden$/],
    ["a key without permission", "messages", 403, KEY_WITHOUT_PERMISSION, "auth_error", "inconclusive", /^MISCONFIGURED: HTTP 403 permission_error: Your API key .*\(check ANTHROPIC_API_KEY\)$/],
    ["a 403 authentication_error", "stream", 403, '{"type":"error","error":{"type":"authentication_error","message":"API key disabled"}}', "auth_error", "inconclusive", /check ANTHROPIC_API_KEY/],
    ["an invalid key", "messages", 401, '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}', "auth_error", "inconclusive", /^MISCONFIGURED: HTTP 401/],
    ["a 401 on a keyless page", "web", 401, "Unauthorized", "client_error", "inconclusive", /^MISCONFIGURED\? HTTP 401/],
    ["Cloudflare's 522 as JSON", "messages", 522, CF_522_PROBLEM, "http_5xx", "down", /^HTTP 522 Cloudflare page "Error 522: Connection timed out"$/],
    ["Cloudflare's 522 as JSON, on the status page", "status", 522, CF_522_PROBLEM, "http_5xx", "down", /^HTTP 522 Cloudflare page "Error 522: Connection timed out"$/],
    ["another site's problem document", "web", 503, '{"type":"https://example.com/probs/down","title":"Down for maintenance"}', "http_5xx", "down", /^HTTP 503 error page "Down for maintenance"$/],
  ])("%s is %s", (_name, kind, status, body, errorClass, outcome, message) => {
    const failure = classifyStatus(kind, status, JSON_TYPE, body);
    expect([failure?.errorClass, failure && OUTCOME_OF[failure.errorClass]]).toEqual([errorClass, outcome]);
    expect(failure?.message).toMatch(message);
  });

  it.each([EDGE_FORBIDDEN, CLAUDE_AI_REFUSAL, "Forbidden", "<html><title>403 Forbidden</title></html>"])("a 403 that does not blame the key never points at it: %s", (body) => {
    for (const kind of ["messages", "stream"] as const) {
      const failure = classifyStatus(kind, 403, JSON_TYPE, body);
      expect(failure?.errorClass).toBe("blocked");
      expect(failure?.message).not.toMatch(/ANTHROPIC_API_KEY|MISCONFIGURED/);
    }
  });

  it("reads an error envelope only from a body an envelope could be, not from a page of 16 KiB or more", () => {
    const padded = JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" }, pad: "x".repeat(16 * 1024) });
    expect(parseApiError(padded)).toBeNull();
    expect(classifyStatus("messages", 200, JSON_TYPE, padded)).toBeNull();
    expect(parseApiError(EDGE_FORBIDDEN)).toEqual({ type: "forbidden", message: "Request not allowed" });
    expect(parseApiError(CF_522_PROBLEM)).toBeNull();
  });
});
