/** A webhook receiver on 127.0.0.1 for alert tests: records every request, answers as `answer` says. */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  id: string;
  body: string;
  headers: IncomingMessage["headers"];
  at: number;
  status: number;
  /** The request path and query, as sent. */
  path: string;
  /** When the answer was written (0: never). */
  answeredAt: number;
}

export type Answer = (req: Received, count: number) => { status: number; headers?: Record<string, string>; delayMs?: number; body?: string };

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Ids answered 2xx, and how often a 2xx'd id came again (must stay 0). */
  accepted: Set<string>;
  duplicatesAfter2xx: number;
  answer: Answer;
  close(): Promise<void>;
  /** Stop accepting connections (connection refused) until `reopen`. */
  down(): Promise<void>;
  reopen(): Promise<void>;
}

export async function startReceiver(answer: Answer = () => ({ status: 204 }), port = 0): Promise<Receiver> {
  let server: Server;
  const r: Receiver = {
    url: "",
    port: 0,
    received: [],
    accepted: new Set(),
    duplicatesAfter2xx: 0,
    answer,
    close: () => new Promise((done) => server.close(() => done())),
    down: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
    reopen: () => listen(r.port),
  };
  const listen = (p: number) =>
    new Promise<void>((done) => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const entry: Received = { id: String(req.headers["webhook-id"] ?? ""), body: Buffer.concat(chunks).toString("utf8"), headers: req.headers, at: Date.now(), status: 0, answeredAt: 0, path: req.url ?? "" };
          const reply = r.answer(entry, r.received.length);
          entry.status = reply.status;
          r.received.push(entry);
          const send = () => {
            // The sender died while we held the answer: it never got it, so this was no acknowledgement.
            // A killed sender's kernel sends FIN: the socket has ended (half-open), not necessarily destroyed.
            if (req.socket.destroyed || req.socket.readableEnded) {
              entry.status = -1;
              return;
            }
            if (reply.status >= 200 && reply.status < 300) {
              if (r.accepted.has(entry.id)) r.duplicatesAfter2xx += 1;
              r.accepted.add(entry.id);
            }
            entry.answeredAt = Date.now();
            res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? (reply.status >= 400 ? "nope" : ""));
          };
          if (reply.delayMs) setTimeout(send, reply.delayMs);
          else send();
        });
      });
      server.keepAliveTimeout = 1_000;
      server.listen(p, "127.0.0.1", () => {
        r.port = (server.address() as AddressInfo).port;
        r.url = `http://127.0.0.1:${r.port}/hook`;
        done();
      });
    });
  await listen(port);
  return r;
}
