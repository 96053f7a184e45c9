/**
 * One HTTP request with its timing phases read off the real socket (node:http events), shared by every probe.
 * A fresh connection per request (no agent, no keep-alive): a monitor must pay DNS, TCP and TLS every time or its
 * phases measure a pool, not the service.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";

export interface Phases {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
}

export interface TimedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  phases: Phases;
}

export interface RequestInit {
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** Largest body a probe reads: an upstream gone wrong must not make the worker buffer without bound. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A clock that starts when the request starts; everything a probe records is measured from it. */
export class Clock {
  readonly startedAt = new Date();
  private readonly t0 = performance.now();
  /** Milliseconds since start, rounded to 0.1 ms. */
  elapsed(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }
}

/** Append `/v1/messages` (or any path) to a base URL that may carry its own path prefix. */
export function joinUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, "") + path;
  return url;
}

/**
 * Send one request and resolve when the response headers arrive. Rejects on network errors and aborts; the phases
 * reached before a failure are attached to the error as `phases`.
 */
export function timedRequest(url: URL, init: RequestInit, clock: Clock): Promise<TimedResponse> {
  const phases: Phases = { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null };
  let tLookup: number | null = null;
  let tConnect: number | null = null;
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => {
      if (err && typeof err === "object") Object.assign(err, { phases });
      reject(err);
    };
    const req = lib.request(url, { method: init.method, headers: init.headers, agent: false, signal: init.signal });
    req.once("socket", (socket) => {
      socket.once("lookup", () => {
        tLookup = clock.elapsed();
        phases.dnsMs = tLookup;
      });
      socket.once("connect", () => {
        tConnect = clock.elapsed();
        phases.connectMs = round(tConnect - (tLookup ?? 0));
      });
      socket.once("secureConnect", () => {
        phases.tlsMs = round(clock.elapsed() - (tConnect ?? 0));
      });
    });
    req.once("response", (res) => {
      phases.ttfbMs = clock.elapsed();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, phases });
    });
    req.once("error", fail);
    req.end(init.body);
  });
}

/** Read a whole body as text, up to MAX_BODY_BYTES. Rejects when the connection dies or the signal aborts. */
export async function readText(body: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw Object.assign(new Error(`body larger than ${MAX_BODY_BYTES} bytes`), { code: "WITNESS_BODY_TOO_LARGE" });
    }
    chunks.push(chunk as Buffer);
  }
  // A body cut short ends the iteration without an error on some Node versions: check completeness ourselves.
  if (!body.complete) throw Object.assign(new Error("connection closed before the body was complete"), { code: "ECONNRESET" });
  return Buffer.concat(chunks).toString("utf8");
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
