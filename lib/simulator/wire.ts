/**
 * The low-level ways a response leaves the simulator: whole, one byte at a time, chunked, compressed, cut by a TCP
 * reset, stalled, or never. Every wait takes the request's AbortSignal so a departed client or close() stops it at once.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { encodeBody, type EncodingPlan } from "./encoding";
import type { Fault } from "./faults";

/** A complete answer before it is put on the wire. */
export interface Reply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string | Buffer;
}

/**
 * How a Reply's bytes are written. `half_*` send the full content-length, then only half the body; `chunked` sends
 * no length and the body in a few chunks; `close_delimited_stall` sends neither length nor chunking (the body ends
 * when the connection closes), then half the body, then nothing.
 */
export type Delivery = "whole" | "one_byte" | "chunked" | "half_then_reset" | "half_then_stall" | "close_delimited_stall";

export type Outcome = { kind: "reply"; reply: Reply; delivery: Delivery; encoding?: EncodingPlan } | { kind: "hang" } | { kind: "reset" };

/** The request body as JSON, or a marker that it was not JSON. */
export type ParsedBody = { ok: true; value: unknown } | { ok: false };

/** Everything a target handler needs for one request, after the fault is chosen and the TTFB wait is over. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The routed pathname: no query string, no `/__sim/<spec>` prefix. */
  path: string;
  body: string;
  json: ParsedBody;
  fault: Fault;
  gapMs: number;
  signal: AbortSignal;
}

// Long enough for loopback bytes to reach the client before the RST that would otherwise discard them.
const RESET_GRACE_MS = 25;
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `n` random letters and digits. */
export function randomAlnum(n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** The two headers Cloudflare puts on everything it fronts. */
export function edgeHeaders(): OutgoingHttpHeaders {
  return { server: "cloudflare", "cf-ray": `${randomBytes(8).toString("hex")}-SJC` };
}

/** A Reply with a plain outcome wrapper, for handlers that build many of them. */
export function reply(status: number, headers: OutgoingHttpHeaders, body: string | Buffer, delivery: Delivery = "whole"): Outcome {
  return { kind: "reply", reply: { status, headers, body }, delivery };
}

/** Resolve after `ms` (immediately for 0); rejects with AbortError when the signal fires first. */
export function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return ms > 0 ? sleep(ms, undefined, { signal }) : Promise.resolve();
}

/** Send status and headers now, not with the first body chunk, so TTFB is exactly when we chose. */
export function openResponse(res: ServerResponse, status: number, headers: OutgoingHttpHeaders): void {
  res.writeHead(status, headers);
  res.flushHeaders();
}

/** Write a chunk, or its bytes one per write with a loop turn between so they leave as separate packets. */
export async function writeChunk(res: ServerResponse, chunk: string | Buffer, oneByte: boolean, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  if (!oneByte) {
    res.write(chunk);
    return;
  }
  const bytes = Buffer.from(chunk);
  for (let i = 0; i < bytes.length; i++) {
    if (signal.aborted) throw signal.reason;
    res.write(bytes.subarray(i, i + 1));
    await nextTurn(undefined, { signal });
  }
}

/** Write the chunk, wait until it has left, then reset the connection (RST, not FIN). */
export async function writeThenReset(res: ServerResponse, chunk: string | Buffer, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  await new Promise<void>((resolve, reject) => {
    // A write on a socket that is already gone never calls back; the abort covers that case.
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    res.write(chunk, () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
  await wait(RESET_GRACE_MS, signal);
  res.socket?.resetAndDestroy();
}

/** Carry out an outcome on the response. Resolves when the simulator has nothing more to do for this request. */
export async function perform(res: ServerResponse, outcome: Outcome, signal: AbortSignal): Promise<void> {
  if (outcome.kind === "hang") return; // keep the socket: only the client leaving or close() ends it
  if (outcome.kind === "reset") {
    res.socket?.resetAndDestroy();
    return;
  }
  const { reply: answer, delivery, encoding } = outcome;
  const body = encoding ? encodeBody(encoding, Buffer.from(answer.body)) : Buffer.from(answer.body);
  const headers = encoding ? { ...answer.headers, "content-encoding": encoding.name } : answer.headers;
  const half = body.subarray(0, Math.floor(body.length / 2));
  if (delivery === "chunked") return writeChunked(res, answer.status, headers, body, signal);
  if (delivery === "close_delimited_stall") {
    res.useChunkedEncodingByDefault = false;
    openResponse(res, answer.status, { ...headers, connection: "close" });
    res.write(half); // and the rest never comes: only the client closing ends this body
    return;
  }
  openResponse(res, answer.status, { ...headers, "content-length": body.length });
  if (delivery === "whole") {
    res.end(body);
    return;
  }
  if (delivery === "one_byte") {
    await writeChunk(res, body, true, signal);
    res.end();
    return;
  }
  if (delivery === "half_then_reset") await writeThenReset(res, half, signal);
  else res.write(half); // half_then_stall: the rest never comes and the socket stays open
}

/** Transfer-encoding chunked (no content-length), the body in three writes a loop turn apart, so three chunks. */
async function writeChunked(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer, signal: AbortSignal): Promise<void> {
  openResponse(res, status, headers);
  const third = Math.ceil(body.length / 3);
  for (let at = 0; at < body.length; at += third) {
    if (signal.aborted) throw signal.reason;
    res.write(body.subarray(at, at + third));
    await nextTurn(undefined, { signal });
  }
  res.end();
}

/** A small JSON answer for control calls and the simulator's own errors (not an imitation of any real service). */
export function sendJson(res: ServerResponse, status: number, value: unknown, extra: OutgoingHttpHeaders = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...extra });
  res.end(body);
}
