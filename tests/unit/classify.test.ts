import { describe, expect, it } from "vitest";
import { BAD_ENCODING_CODE, BODY_TOO_LARGE_CODE, CUT_ENCODING_CODE } from "@/probes/body";
import { classifyError, classifyStatus, IDLE_TIMEOUT_CODE, OUTCOME_OF } from "@/probes/classify";
import { ERROR_CLASSES } from "@/probes/types";

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
