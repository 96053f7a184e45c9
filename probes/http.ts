/**
 * One HTTP request with its timing phases read off the real socket (node:http events), shared by every probe.
 * A fresh connection per request (no agent, no keep-alive): a monitor must pay DNS, TCP and TLS every time or its
 * phases measure a pool, not the service.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";

// Reading bodies (decoding, the size cap, telling an end from a cut) lives beside this, in body.ts.
export { MAX_BODY_BYTES, readText } from "@/probes/body";

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

/** A clock that starts when the request starts; everything a probe records is measured from it. */
export class Clock {
  readonly startedAt = new Date();
  private readonly t0 = performance.now();
  /** Milliseconds since start, rounded to 0.1 ms. */
  elapsed(): number {
    return roundMs(performance.now() - this.t0);
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
    // identity: compressing a few hundred bytes saves nothing, and a probe should time the service, not a codec.
    // A proxy may compress anyway; the body reader decodes it.
    const headers = { "accept-encoding": "identity", ...init.headers };
    const req = lib.request(url, { method: init.method, headers, agent: false, signal: init.signal });
    req.once("socket", (socket) => {
      socket.once("lookup", () => {
        tLookup = clock.elapsed();
        phases.dnsMs = tLookup;
      });
      socket.once("connect", () => {
        tConnect = clock.elapsed();
        phases.connectMs = roundMs(tConnect - (tLookup ?? 0));
      });
      socket.once("secureConnect", () => {
        phases.tlsMs = roundMs(clock.elapsed() - (tConnect ?? 0));
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

export function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** Milliseconds to a tenth, as every timing field is stored. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
