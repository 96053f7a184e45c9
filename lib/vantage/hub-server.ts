/**
 * Where a hub's worker takes its vantages' requests: a loopback listener (the port goes into the writer lease row, so
 * the web process, which forwards the public requests here, finds it), since only the worker writes the database.
 *
 *   POST /api/v1/vantages/{id}/results  a signed batch (lib/vantage/ingest.ts)
 *   GET  /api/v1/vantages/{id}/plan     the probe plan, to a signed request with an empty body
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "@/lib/config";
import type { Logger } from "@/lib/log";
import type { Ingest, IngestAnswer } from "@/lib/vantage/ingest";
import { planOf } from "@/lib/vantage/plan";
import { MAX_BATCH_BYTES } from "@/lib/vantage/wire";

/** The public paths the front forwards here; the id is checked against the config, this only bounds it. */
export const VANTAGE_ROUTE = /^\/api\/v1\/vantages\/([A-Za-z0-9._-]{1,64})\/(results|plan)$/;
/** A batch is at most MAX_BATCH_BYTES; the envelope's few fields get this much beside it. */
export const MAX_REQUEST_BYTES = MAX_BATCH_BYTES + 64 * 1024;

export interface HubServer {
  port: number;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 (an ephemeral port) for vantages' requests as the front forwards them. */
export async function startHubServer(options: { config: Config; ingest: Ingest; log: Logger }): Promise<HubServer> {
  const { config, ingest, log } = options;
  const server = createServer((req, res) => {
    const route = VANTAGE_ROUTE.exec(new URL(req.url ?? "/", "http://hub").pathname);
    if (!route) return answer(res, { status: 404, body: { error: "not_found" } });
    const [, id, what] = route as unknown as [string, string, "results" | "plan"];
    if (what === "plan") {
      if (req.method !== "GET") return answer(res, { status: 405, body: { error: "method_not_allowed" } }, { Allow: "GET" });
      const auth = ingest.authenticate(id, req.headers, "", Date.now());
      return answer(res, auth.ok ? { status: 200, body: { plan: planOf(config) } } : auth.answer);
    }
    if (req.method !== "POST") return answer(res, { status: 405, body: { error: "method_not_allowed" } }, { Allow: "POST" });
    void readBody(req, MAX_REQUEST_BYTES).then(
      (body) => {
        if (body === null) return answer(res, { status: 413, body: { error: "too_large" } }, { Connection: "close" });
        try {
          answer(res, ingest.receive(id, req.headers, body, Date.now()));
        } catch (err) {
          log.error(`vantage ${JSON.stringify(id)}: batch not taken: ${(err as Error).message}`);
          answer(res, { status: 500, body: { error: "internal" } });
        }
      },
      () => res.destroy(),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body as text, or null once it passes `max` bytes (the rest is not read). */
export function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > max) return resolve(null);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(size > max ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function answer(res: ServerResponse, a: IngestAnswer, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(a.body);
  const headers: Record<string, string | number> = { ...extra, "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" };
  if (a.retryAfterSeconds !== undefined) headers["Retry-After"] = a.retryAfterSeconds;
  res.writeHead(a.status, headers);
  res.end(body);
}
