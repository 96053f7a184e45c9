/**
 * One HTTP POST of an alert, answered as a DeliveryOutcome: 2xx accepted; 408/425/429/5xx and network failures
 * retryable (with Retry-After when the receiver sent one); any other status final. Errors name a status or an error
 * code, never the URL: a chat webhook's URL is its secret.
 */
import type { DeliveryOutcome } from "@/lib/alerts/types";

const RETRYABLE = new Set([408, 425, 429]);
/** Most of a receiver's error body kept for the log: enough to read "invalid_token", never a page of HTML. */
const MAX_REASON = 160;

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** POST `body` to `url`; the caller's signal carries the timeout. */
export async function postForOutcome(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<DeliveryOutcome> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, signal, redirect: "manual" });
  } catch (err) {
    return { ok: false, retryable: true, status: null, retryAfterMs: null, error: networkReason(err, signal) };
  }
  // Answered: the caller records a 2xx before anything else, so the body is read (and dropped) only afterwards.
  if (response.ok) {
    void response.body?.cancel().catch(() => {});
    return { ok: true, status: response.status };
  }
  const text = await response.text().catch(() => "");
  const reason = text.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim().slice(0, MAX_REASON);
  const retryable = RETRYABLE.has(response.status) || response.status >= 500;
  const retryAfterMs = response.status === 429 || response.status === 503 ? parseRetryAfter(response.headers.get("retry-after")) : null;
  return { ok: false, retryable, status: response.status, retryAfterMs, error: `HTTP ${response.status}${reason ? `: ${reason}` : ""}` };
}

function networkReason(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return signal.reason instanceof Error && signal.reason.name === "TimeoutError" ? "timed out" : "cancelled";
  const cause = (err as { cause?: { code?: string } }).cause;
  return `network error${cause?.code ? ` (${cause.code})` : ""}`;
}
