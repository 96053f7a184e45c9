/**
 * The one HTTP POST every HTTP channel makes, and how its answer becomes a DeliveryOutcome: 2xx delivered;
 * 429, 5xx, timeouts and network errors worth retrying (with the receiver's Retry-After); any other answer not.
 *
 * Chat webhook URLs are the secret (Slack, Discord and Teams carry a token in the path, Telegram the bot token), so an
 * error names the channel type and the host only, and anything from the URL is redacted from upstream text it quotes.
 */
import type { DeliveryOutcome } from "@/lib/alerts/types";
import { sanitizeMessage } from "@/probes/sanitize";

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The channel type, named in error strings ("slack"). */
  label?: string;
  /** Values to keep out of error strings besides the URL's own parts (a token sent in a header). */
  secrets?: readonly string[];
  /** Seconds to wait, from a JSON error body, for APIs that say it there (Telegram, Discord). */
  bodyRetryAfter?: (body: unknown) => number | null;
}

// Enough of an error body to quote its reason; the rest is read no further.
const MAX_BODY_BYTES = 4_096;
const MAX_QUOTE = 160;

/** Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, nowMs = Date.now()): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null;
}

/** Every part of `url` that could be a secret: credentials, path segments, query values. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    const parts = [parsed.username, parsed.password, ...parsed.pathname.split("/"), ...[...parsed.searchParams.values()]];
    const decoded = parts.flatMap((part) => [part, safeDecode(part)]);
    // Longest first, so a token is redacted whole before a shorter segment that it contains.
    return [...new Set(decoded.filter((part) => part.length >= 4))].sort((a, b) => b.length - a.length);
  } catch {
    return [url];
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "an invalid URL";
  }
}

/** POST `body` as JSON to `url`; never throws. */
export function postJson(url: string, body: unknown, opts: PostOptions): Promise<DeliveryOutcome> {
  return postBody(url, JSON.stringify(body), { ...opts, headers: { "content-type": "application/json", ...opts.headers } });
}

/** POST a ready body (its content-type among `headers`) to `url`; never throws. */
export async function postBody(url: string, body: string, opts: PostOptions): Promise<DeliveryOutcome> {
  const where = `${opts.label ?? "http"} via ${hostOf(url)}`;
  const secrets = [...(opts.secrets ?? []), ...urlSecrets(url)];
  // Only the quoted text is redacted: `where` is ours, and its host would lose a part that equals a path word.
  const fail = (retryable: boolean, status: number | null, after: number | null, reason: string): DeliveryOutcome => ({
    ok: false,
    retryable,
    status,
    retryAfterMs: after,
    error: `${where}: ${sanitizeMessage(reason, secrets, MAX_QUOTE)}`,
  });
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let response: Response;
  try {
    // Redirects are not followed: a moved webhook is a config error, and a redirect must not carry the body elsewhere.
    response = await fetch(url, { method: "POST", body, headers: { "user-agent": "witness-alerts", ...opts.headers }, signal, redirect: "manual" });
  } catch (error) {
    const reason = timeout.aborted ? `no answer within ${opts.timeoutMs} ms` : opts.signal?.aborted ? "aborted" : `network error: ${describeNetworkError(error)}`;
    return fail(true, null, null, reason);
  }
  const text = await readCapped(response);
  const { status } = response;
  if (status >= 200 && status < 300) return { ok: true, status };
  const retryable = status === 429 || status === 408 || status >= 500;
  const after = retryable ? (retryAfterMs(response.headers.get("retry-after")) ?? fromBody(text, opts.bodyRetryAfter)) : null;
  const reason = status >= 300 && status < 400 ? "redirected; point the channel's url at the final address" : text.trim();
  return fail(retryable, status, after, `HTTP ${status}${reason ? ` ${reason}` : ""}`);
}

function fromBody(text: string, read: PostOptions["bodyRetryAfter"]): number | null {
  if (!read) return null;
  try {
    const seconds = read(JSON.parse(text));
    return seconds != null && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : null;
  } catch {
    return null;
  }
}

/** A fetch failure in a word: the code of its cause (ECONNREFUSED), else its message. */
export function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : cause instanceof Error ? cause.message : String(cause);
}

/** The first `max` bytes of an answer's body as text: a receiver's answer is read, never held whole. */
export async function readCapped(response: Response, max: number = MAX_BODY_BYTES): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut off mid-read still leaves the status to decide on.
  } finally {
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, max).toString("utf8");
}

/** `body[key]` (or `body[a][b]` for "a.b") when it is a number: reading retry hints from JSON error bodies. */
export function numberAt(body: unknown, path: string): number | null {
  let value: unknown = body;
  for (const key of path.split(".")) value = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === "number" ? value : null;
}
