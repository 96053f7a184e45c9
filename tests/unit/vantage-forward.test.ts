/**
 * The web front's door for vantages (lib/web/vantage-forward.ts): a vantage's batch and plan request reach the worker's
 * listener past private mode (the signature is their credential), with only the headers a vantage needs, the body
 * capped before a byte is forwarded; with no worker taking batches the vantage is told to come back.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { getDashboardAuth } from "@/lib/web/auth";
import { createFront, type Front } from "@/lib/web/front";
import { MAX_REQUEST_BYTES } from "@/lib/vantage/hub-server";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let front: Front | null = null;
let worker: Server | null = null;

afterEach(async () => {
  await front?.close();
  await new Promise<void>((r) => (worker ? worker.close(() => r()) : r()));
  front = null;
  worker = null;
});

/** A stand-in for the worker's listener: records what reached it and answers like the hub. */
async function standInWorker(seen: Seen[]): Promise<number> {
  worker = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { "content-type": "application/json", "set-cookie": "x=1" });
      res.end('{"accepted":1,"duplicates":0,"rejected":[]}');
    });
  });
  await new Promise<void>((r) => worker!.listen(0, "127.0.0.1", () => r()));
  return (worker.address() as AddressInfo).port;
}

async function startFront(ingestPort: () => number | null): Promise<number> {
  const next = async (_req: IncomingMessage, res: import("node:http").ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  };
  front = createFront({ handle: next, readVersion: () => "v1", auth: getDashboardAuth("s3cret-pass"), ingestPort });
  return (await front.listen(0, "127.0.0.1")).port;
}

function send(port: number, method: string, path: string, body: string | Buffer = "", headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingMessage["headers"]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { ...headers, ...(body.length ? { "content-length": String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the front's vantage door", () => {
  it("forwards a batch and a plan request past private mode, with only what a vantage sends", async () => {
    const seen: Seen[] = [];
    const workerPort = await standInWorker(seen);
    const port = await startFront(() => workerPort);
    const body = '{"batchId":"b-1-1","backlog":0,"results":[]}';
    const posted = await send(port, "POST", "/api/v1/vantages/fra/results", body, { "content-type": "application/json", "webhook-id": "b-1-1", "webhook-timestamp": "1", "webhook-signature": "v1,x", cookie: "session=abc", authorization: "Basic eDp5" });
    expect(posted.status).toBe(200);
    expect(JSON.parse(posted.body)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    // Only the headers the hub needs go either way.
    expect(posted.headers["set-cookie"]).toBeUndefined();
    expect(seen[0]).toMatchObject({ method: "POST", url: "/api/v1/vantages/fra/results", body });
    expect(seen[0]!.headers["webhook-id"]).toBe("b-1-1");
    expect(seen[0]!.headers.cookie).toBeUndefined();
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect((await send(port, "GET", "/api/v1/vantages/fra/plan")).status).toBe(200);
    // Everything else stays behind the password, the vantages' listing included.
    expect((await send(port, "GET", "/api/v1/vantages")).status).toBe(401);
    expect((await send(port, "GET", "/metrics")).status).toBe(401);
  });

  it("refuses a body past the cap before forwarding a byte, declared or chunked", async () => {
    const seen: Seen[] = [];
    const workerPort = await standInWorker(seen);
    const port = await startFront(() => workerPort);
    const big = Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20);
    const declared = await send(port, "POST", "/api/v1/vantages/fra/results", big);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ error: "too_large" });
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/api/v1/vantages/fra/results", headers: { "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let sent = 0; sent <= MAX_REQUEST_BYTES; sent += 64 * 1024) req.write(Buffer.alloc(64 * 1024, 0x20));
      req.end();
    });
    expect(chunked).toBe(413);
    expect(seen.filter((s) => s.body.length > MAX_REQUEST_BYTES)).toEqual([]);
  });

  it("tells a vantage to come back when no worker takes batches", async () => {
    const port = await startFront(() => null);
    const answer = await send(port, "POST", "/api/v1/vantages/fra/results", "{}");
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toBe("10");
    expect(JSON.parse(answer.body)).toEqual({ error: "hub_unavailable" });
  });
});
