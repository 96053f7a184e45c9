/** The Messages API request every keyed and keyless probe sends, built one way so the key has one place to live. */
import { Clock, joinUrl, timedRequest, type TimedResponse, headerValue } from "@/probes/http";
import type { Failure } from "@/probes/classify";
import { sanitizeRequestId } from "@/probes/sanitize";
import type { ProbeTarget } from "@/probes/types";

export const ANTHROPIC_VERSION = "2023-06-01";

/**
 * POST {base}/v1/messages once. The key, when the target has one, goes in `x-api-key` and nowhere else: not in the
 * URL, not in the body, not in anything this module returns.
 */
export function postMessages(target: ProbeTarget, stream: boolean, clock: Clock, signal: AbortSignal): Promise<TimedResponse> {
  const request = {
    model: target.model ?? "claude-haiku-4-5",
    max_tokens: target.maxTokens,
    ...(stream ? { stream: true } : {}),
    messages: [{ role: "user", content: target.answer.prompt }],
  };
  return postMessagesRequest(target, request, clock, signal);
}

/** POST this request body (its `stream` field decides the accept header) with the same headers and key handling. */
export function postMessagesRequest(target: ProbeTarget, request: Record<string, unknown>, clock: Clock, signal: AbortSignal): Promise<TimedResponse> {
  const stream = request.stream === true;
  const body = JSON.stringify(request);
  const headers: Record<string, string> = {
    "anthropic-version": ANTHROPIC_VERSION,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "user-agent": target.userAgent,
    ...(stream ? { accept: "text/event-stream" } : { accept: "application/json" }),
    ...(target.apiKey ? { "x-api-key": target.apiKey } : {}),
  };
  return timedRequest(joinUrl(target.baseUrl, "/v1/messages"), { method: "POST", headers, body, signal }, clock);
}

/** The request id from the response header, else from an error body's `request_id`, whichever has an id's shape. */
export function requestIdOf(response: TimedResponse, text = ""): string | null {
  const fromBody = /"request_id"\s*:\s*"([A-Za-z0-9_-]{1,128})"/.exec(text)?.[1];
  return sanitizeRequestId(headerValue(response.headers, "request-id")) ?? sanitizeRequestId(fromBody);
}

/** What an answer that arrived whole was made of. */
export interface Answer {
  /** Its text blocks' text, joined. */
  text: string;
  /** The type of each content block, in order (`text`, `thinking`, `tool_use`, …). */
  blockTypes: string[];
  stopReason: string | null;
}

// Block types and stop reasons are repeated in messages: untrusted, so only short identifier-like names.
const NAME = /^[a-z_]{1,40}$/;

/** A content block's type, or "unknown" when it has no name-like one. */
export function blockTypeOf(block: unknown): string {
  const type = (block as { type?: unknown } | null)?.type;
  return typeof type === "string" && NAME.test(type) ? type : "unknown";
}

/** A stop_reason value, or null when it is absent or not name-like. */
export function stopReasonOf(value: unknown): string | null {
  return typeof value === "string" && NAME.test(value) ? value : null;
}

/**
 * Why a whole answer is not the right one: a refusal, nothing at all, only non-text blocks, or the wrong text; null
 * when it passes. Thinking before the text is a normal answer: only the text is checked.
 */
export function judgeAnswer(target: ProbeTarget, answer: Answer): Failure | null {
  const said = answer.text.trim() === "" ? "" : `, after "${answer.text}"`;
  if (answer.stopReason === "refusal") return { errorClass: "wrong_answer", message: `refusal: the model declined to answer (stop_reason refusal)${said}` };
  if (said === "") {
    const others = [...new Set(answer.blockTypes.filter((type) => type !== "text"))];
    const stop = `stop_reason ${answer.stopReason ?? "null"}`;
    if (others.length > 0) return { errorClass: "wrong_answer", message: `no text, only ${others.join(", ")} blocks (${stop})` };
    const what = answer.blockTypes.length === 0 ? "no content block" : "only empty text";
    return { errorClass: "empty_response", message: `an answer with ${what} (${stop})` };
  }
  if (!isRightAnswer(target, answer.text)) return { errorClass: "wrong_answer", message: `expected "${target.answer.expect}", got "${answer.text}"` };
  return null;
}

/** Whether the reply passes the target's answer check. */
export function isRightAnswer(target: ProbeTarget, text: string): boolean {
  const { expect, match } = target.answer;
  const reply = text.trim();
  if (match === "exact") return reply.replace(/[.!]+$/, "").toLowerCase() === expect.toLowerCase();
  if (match === "regex") return safeRegex(expect)?.test(reply) ?? false;
  return reply.toLowerCase().includes(expect.toLowerCase());
}

function safeRegex(source: string): RegExp | null {
  try {
    return new RegExp(source, "i");
  } catch {
    return null;
  }
}
