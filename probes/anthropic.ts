/** The Messages API request every keyed and keyless probe sends, built one way so the key has one place to live. */
import { Clock, joinUrl, timedRequest, type TimedResponse, headerValue } from "@/probes/http";
import type { ProbeTarget } from "@/probes/types";

export const ANTHROPIC_VERSION = "2023-06-01";

/**
 * POST {base}/v1/messages once. The key, when the target has one, goes in `x-api-key` and nowhere else: not in the
 * URL, not in the body, not in anything this module returns.
 */
export function postMessages(target: ProbeTarget, stream: boolean, clock: Clock, signal: AbortSignal): Promise<TimedResponse> {
  const body = JSON.stringify({
    model: target.model ?? "claude-haiku-4-5",
    max_tokens: target.maxTokens,
    ...(stream ? { stream: true } : {}),
    messages: [{ role: "user", content: target.answer.prompt }],
  });
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

/** The request id from the response header, else from an error body's `request_id`. */
export function requestIdOf(response: TimedResponse, text = ""): string | null {
  const fromHeader = headerValue(response.headers, "request-id");
  if (fromHeader) return fromHeader;
  const match = /"request_id"\s*:\s*"([A-Za-z0-9_-]{1,80})"/.exec(text);
  return match?.[1] ?? null;
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
