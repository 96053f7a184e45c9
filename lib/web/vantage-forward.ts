/**
 * The public door of a hub's vantage endpoints: the front server passes `/api/v1/vantages/{id}/results|plan` to the
 * worker's loopback listener (lib/vantage/hub-server.ts), where the one writer checks the signature and stores. The
 * body is capped here before a byte is forwarded; private mode does not apply (the signature is the credential).
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type Database from "better-sqlite3";
import { LEASE_STALE_MS } from "@/lib/keep/writer-lease";
import { MAX_REQUEST_BYTES } from "@/lib/vantage/hub-server";

/** What a vantage needs of a request, and nothing else of what a client sent (no cookie, no Authorization). */
const FORWARDED_REQUEST = ["content-type", "content-length", "webhook-id", "webhook-timestamp", "webhook-signature"];
const FORWARDED_ANSWER = ["content-type", "content-length", "retry-after", "allow", "cache-control"];
/** Told to a vantage when the worker is not there to take its batch: it keeps its rows and comes back. */
const UNAVAILABLE_RETRY_S = 10;

/** Forward `req` to the worker listening on `port` (null: no worker is taking batches now). */
export function forwardVantage(req: IncomingMessage, res: ServerResponse, port: number | null): void {
  if (port === null) return refuse(res, 503, "hub_unavailable");
  if (Number(req.headers["content-length"] ?? 0) > MAX_REQUEST_BYTES) return refuse(res, 413, "too_large");
  const headers = Object.fromEntries(FORWARDED_REQUEST.flatMap((name) => (req.headers[name] === undefined ? [] : [[name, req.headers[name]!]])));
  const out = httpRequest({ host: "127.0.0.1", port, path: req.url, method: req.method, headers, timeout: 60_000 }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, Object.fromEntries(FORWARDED_ANSWER.flatMap((name) => (answer.headers[name] === undefined ? [] : [[name, answer.headers[name]!]]))));
    answer.pipe(res);
  });
  out.on("timeout", () => out.destroy(new Error("the worker did not answer")));
  out.on("error", () => refuse(res, 503, "hub_unavailable"));
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) return void out.write(chunk);
    // Past the cap without a Content-Length that said so (chunked): nothing more is read or forwarded.
    req.removeAllListeners("data");
    out.destroy();
    refuse(res, 413, "too_large");
    req.resume();
  });
  req.on("end", () => out.end());
  req.on("error", () => out.destroy());
}

function refuse(res: ServerResponse, status: number, error: string): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ error });
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store", ...(status === 503 ? { "Retry-After": String(UNAVAILABLE_RETRY_S) } : { Connection: "close" }) });
  res.end(body);
}

/** The port the live worker takes batches on, from its lease row; null without a worker, a fresh lease or a port. */
export function readIngestPort(sqlite: Database.Database | null, now: number = Date.now()): number | null {
  if (!sqlite) return null;
  try {
    const row = sqlite.prepare("SELECT ingest_port AS port, heartbeat_at AS at FROM writer_leases WHERE id = 1").get() as { port: number | null; at: number } | undefined;
    return row && row.port !== null && now - row.at <= LEASE_STALE_MS ? row.port : null;
  } catch {
    // A database from before the vantages migration, or none yet: no worker is taking batches.
    return null;
  }
}
