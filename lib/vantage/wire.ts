/**
 * The wire contract between a vantage and its hub (PRODUCT.md "Vantage points"): a batch of ProbeResults, its caps,
 * and Standard Webhooks signing. The vantage a row belongs to is the one whose secret verified, never a field of the
 * body, so the schema strips anything ProbeResult does not define.
 */
import { timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { ERROR_CLASSES, OUTCOMES, PROBE_KINDS, type ProbeResult } from "@/probes/types";

/** At most this many results per POST; the hub answers 413 over it. */
export const MAX_BATCH_RESULTS = 500;
/** At most this many bytes of body per POST; the hub answers 413 over it. */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** A signature's timestamp may be this far from the hub's clock either way (the Standard Webhooks default). */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;
export { VANTAGE_ID } from "@/lib/vantage/ids";

const BATCH_ID = /^[A-Za-z0-9._:-]{1,100}$/;
// Probes cap their messages at a few hundred characters (probes/sanitize.ts); these caps only bound a hostile row.
const MAX_MESSAGE_CHARS = 2_000;
const MAX_SHORT_CHARS = 200;
const MAX_DETAILS_BYTES = 64 * 1024;
const MAX_REASON_CHARS = 200;

// z.number() refuses NaN and ±Infinity by itself in zod 4.
const duration = z.number().min(0).nullable();
const count = z.number().int().min(0).nullable();
const details = z
  .record(z.string(), z.unknown())
  .nullable()
  .refine((value) => value === null || Buffer.byteLength(JSON.stringify(value)) <= MAX_DETAILS_BYTES, {
    message: `details over ${MAX_DETAILS_BYTES} bytes of JSON`,
  });

/** One ProbeResult exactly as probes/types.ts defines it; unknown fields (a `vantage` claim) are stripped. */
export const probeResultSchema = z.object({
  probe: z.string().min(1).max(MAX_SHORT_CHARS),
  kind: z.enum(PROBE_KINDS),
  model: z.string().max(MAX_SHORT_CHARS).nullable(),
  // Zoned ISO-8601 only: a local time would mean a different instant on every vantage.
  startedAt: z.iso.datetime({ offset: true }).refine((value) => Number.isFinite(Date.parse(value)), { message: "not a date" }),
  outcome: z.enum(OUTCOMES),
  errorClass: z.enum(ERROR_CLASSES).nullable(),
  httpStatus: z.number().int().min(0).max(999).nullable(),
  dnsMs: duration,
  connectMs: duration,
  tlsMs: duration,
  ttfbMs: duration,
  ttftMs: duration,
  totalMs: duration,
  outputTokens: count,
  tokensPerSecond: duration,
  requestId: z.string().max(MAX_SHORT_CHARS).nullable(),
  message: z.string().max(MAX_MESSAGE_CHARS).nullable(),
  details,
}) satisfies z.ZodType<ProbeResult>;

/** A batch as the hub reads it: the rows that passed, by index, and why the others did not. */
export interface ParsedBatch {
  batchId: string;
  backlog: number;
  /** Results the vantage dropped unsent after 7 days, over its life (optional in a batch; 0 when absent). */
  dropped: number;
  results: { index: number; result: ProbeResult }[];
  rejected: { index: number; reason: string }[];
}

/** Why a whole batch was refused: 413 when it is over the caps, else 400. */
export interface BatchError {
  error: string;
  status: 400 | 413;
}

/** Read a POSTed batch; a bad envelope refuses it whole, a bad row only itself (so one row never blocks a queue). */
export function parseBatch(body: string): ParsedBatch | BatchError {
  if (Buffer.byteLength(body) > MAX_BATCH_BYTES) return { error: `body over ${MAX_BATCH_BYTES} bytes`, status: 413 };
  const envelope = parseJsonObject(body);
  if (!envelope) return { error: "body is not a JSON object", status: 400 };
  const { batchId, backlog, results, dropped = 0 } = envelope;
  if (typeof batchId !== "string" || !BATCH_ID.test(batchId)) return { error: "batchId must be 1-100 characters of A-Z a-z 0-9 . _ : -", status: 400 };
  if (!Number.isSafeInteger(backlog) || (backlog as number) < 0) return { error: "backlog must be an integer >= 0", status: 400 };
  if (!Number.isSafeInteger(dropped) || (dropped as number) < 0) return { error: "dropped must be an integer >= 0", status: 400 };
  if (!Array.isArray(results)) return { error: "results must be an array", status: 400 };
  if (results.length > MAX_BATCH_RESULTS) return { error: `more than ${MAX_BATCH_RESULTS} results`, status: 413 };
  const parsed: ParsedBatch = { batchId, backlog: backlog as number, dropped: dropped as number, results: [], rejected: [] };
  results.forEach((row: unknown, index) => {
    const checked = probeResultSchema.safeParse(row);
    if (checked.success) parsed.results.push({ index, result: checked.data });
    else parsed.rejected.push({ index, reason: describeIssue(checked.error.issues[0]) });
  });
  return parsed;
}

function parseJsonObject(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

// The path and zod's own message only: zod 4's messages name what was expected, never the value received.
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "invalid";
  const where = issue.path.length > 0 ? issue.path.map(String).join(".") : "row";
  return `${where}: ${issue.message}`.slice(0, MAX_REASON_CHARS);
}

/** The three Standard Webhooks headers for one attempt: `id` stays across retries, the timestamp is the attempt's. */
export function signedHeaders(secret: string, id: string, body: string, now: Date): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": signerFor(secret).sign(id, now, body),
  };
}

/** Why a signed request was refused; the hub answers 401 with it, and stores nothing. */
export type VerifyError = "unknown_vantage" | "bad_signature" | "timestamp_out_of_tolerance";

/** The outcome of checking one signed request; skewMs > 0 means the sender's clock is ahead of `now`. */
export type Verified = { ok: true; id: string; timestampMs: number; skewMs: number } | { ok: false; error: VerifyError };

/**
 * Check a request's Standard Webhooks signature against the sender's secret (undefined: no such vantage) at `now`.
 * The signature first (over the timestamp the request claims; any one of the space-separated `v1,` signatures may
 * match, so a secret can rotate), then the timestamp against the caller's clock (the library would read Date.now()).
 * So `timestamp_out_of_tolerance` is only ever said to a request the vantage's secret signed: the one refusal that
 * proves who sent it, and the only one the hub may take as the vantage's own (its clock is off).
 */
export function verifySigned(secret: string | undefined, headers: Record<string, string | string[] | undefined>, body: string, now: number): Verified {
  if (secret === undefined) return { ok: false, error: "unknown_vantage" };
  const id = single(header(headers, "webhook-id"));
  const timestamp = single(header(headers, "webhook-timestamp"));
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !/^\d{1,15}$/.test(timestamp) || signatures === undefined) return { ok: false, error: "bad_signature" };
  const timestampMs = Number(timestamp) * 1000;
  const signer = signerOrNull(secret);
  if (!signer) return { ok: false, error: "bad_signature" };
  const expected = Buffer.from(signer.sign(id, new Date(timestampMs), body));
  const offered = [signatures].flat().join(" ").split(" ");
  if (!offered.some((candidate) => isSameBytes(Buffer.from(candidate), expected))) return { ok: false, error: "bad_signature" };
  if (Math.abs(timestampMs - now) > SIGNATURE_TOLERANCE_MS) return { ok: false, error: "timestamp_out_of_tolerance" };
  return { ok: true, id, timestampMs, skewMs: timestampMs - now };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | string[] | undefined {
  // Node lowercases incoming names; a plain object built by hand may not have.
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

// The library's own verify() reads Date.now() for the tolerance, which a hub replaying on another clock cannot use;
// its sign() computes the same HMAC, compared here in constant time (HMAC-SHA256 in base64 has one fixed length).
function isSameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function signerOrNull(secret: string): Webhook | null {
  try {
    return new Webhook(secret);
  } catch {
    return null;
  }
}

function signerFor(secret: string): Webhook {
  const signer = signerOrNull(secret);
  // The library's message could quote the secret's decoding trouble; this one names only what is expected.
  if (!signer) throw new Error("a vantage secret must be whsec_ followed by base64");
  return signer;
}

/** Text as JSON, or null when it is not JSON (a proxy's page, a cut answer). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The hub's short error code from an answer (`bad_signature`), or null: nothing else of an answer is ours to print. */
export function hubErrorCode(text: string): string | null {
  const error = (parseJson(text) as { error?: unknown } | null)?.error;
  return typeof error === "string" && /^[a-z_]{1,40}$/.test(error) ? error : null;
}

/** The batch id (and webhook-id) of rows firstId..lastId: the same rows always carry the same id, so retries dedupe. */
export function batchIdFor(firstId: number, lastId: number): string {
  return `b-${firstId}-${lastId}`;
}
