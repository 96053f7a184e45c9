/**
 * How the front server (lib/web/front.ts) has Next render a hot answer: a GET through a loopback listener of Next's
 * own, a request Next cannot tell from a visitor's, so the page is exactly what a visitor would get. Next may run in
 * the front's thread (the unit tests) or in a thread of its own (lib/web/next-thread.ts, what `npm start` runs): either
 * way its side is serveRenders, and the front's side is createRenderer. Each render runs in a render scope
 * (lib/web/cache.ts), named by the id its request carries; when its answer is done, Next's side reports how old the
 * data it showed was, so the snapshot knows how long it may be served. Next is handed the loopback listener as its
 * server (lib/cli/web.ts), so the `upgrade` listener Next adds lands there, where only the front's own requests
 * arrive, and never on the public server.
 */
import { Agent, createServer, type ClientRequest, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inRenderScope, type RenderScope } from "@/lib/web/cache";
import type { Rendered } from "@/lib/web/snapshot";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

const RENDER_TIMEOUT_MS = 30_000;
/** After a render's answer has ended, how long its scope's report may take to arrive (it is sent as the answer ends). */
const REPORT_TIMEOUT_MS = 5_000;
/** Sent only on the front's own loopback renders; names the render scope. A visitor's copy is dropped (lib/web/next-thread.ts). */
export const RENDER_ID_HEADER = "x-witness-render-id";
// Per connection or recomputed for each answer: never stored with a snapshot.
const UNSTORED_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date", "etag", "content-encoding"]);

/** What a render's scope found, by render id: reported by Next's side, awaited by the front's. */
export class ScopeReports {
  private readonly waiting = new Map<string, { resolve: (oldestReadAt: number | null) => void; reject: (err: Error) => void }>();
  private readonly early = new Map<string, number | null>();

  /** A promise for render `id`'s report; call it before the render's request is sent. */
  expect(id: string): Promise<number | null> {
    return new Promise((resolve, reject) => {
      if (this.early.has(id)) {
        resolve(this.early.get(id)!);
        this.early.delete(id);
      } else this.waiting.set(id, { resolve, reject });
    });
  }

  report = (id: string, oldestReadAt: number | null): void => {
    const waiter = this.waiting.get(id);
    this.waiting.delete(id);
    waiter?.resolve(oldestReadAt);
  };

  /** Stop waiting for `id` (its render failed or timed out). */
  forget(id: string): void {
    this.waiting.delete(id);
  }

  /** Next's side is gone: no report will come for the renders in flight. */
  failAll(err: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}

/** Next's side: answer on `server` with `handle`, each front render in a render scope reported to `report` once its answer is done. */
export function serveRenders(server: Server, handle: RequestHandler, report: (id: string, oldestReadAt: number | null) => void): void {
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const id = req.headers[RENDER_ID_HEADER];
    if (typeof id !== "string") return void handle(req, res);
    const scope: RenderScope = { oldestReadAt: null };
    res.once("close", () => report(id, scope.oldestReadAt));
    inRenderScope(scope, () => void handle(req, res));
  });
}

/** The request went on a kept connection that the other side had closed as it was sent: safe to send again once. */
export function isStaleKeepAlive(out: ClientRequest, err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return out.reusedSocket && (code === "ECONNRESET" || code === "EPIPE");
}

/**
 * Kept connections between the front and Next's listener: the front's side lets an idle one go after
 * LOOPBACK_IDLE_MS, the listener only after LOOPBACK_KEEP_ALIVE_MS, so the client always closes first and never sends
 * on a connection the server has just closed (the race every keep-alive client has with a server's idle timeout,
 * which CI met as "socket hang up" 502s for static chunks).
 */
const LOOPBACK_IDLE_MS = 30_000;
const LOOPBACK_KEEP_ALIVE_MS = 10 * 60_000;

/** The front's pool of kept connections to a loopback listener (see LOOPBACK_IDLE_MS). */
export function loopbackAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, timeout: LOOPBACK_IDLE_MS });
}

/** Listen on a free loopback port (keeping idle connections longer than loopbackAgent does); resolves with it. */
export function listenLoopback(server: Server): Promise<number> {
  server.keepAliveTimeout = LOOPBACK_KEEP_ALIVE_MS;
  return new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export interface Renderer {
  /** Render `url` as a GET with Host `host`. A 200 that may be shared comes back with status 200; anything else is marked uncacheable. */
  render(url: string, host: string, scope: RenderScope): Promise<Rendered>;
  close(): Promise<void>;
}

/** Where renders go: the port of Next's loopback listener (awaited per render, so a restarted Next is found) and its reports. */
export interface RenderTarget {
  port(): Promise<number>;
  reports: ScopeReports;
  close(): Promise<void>;
}

/** Next's `handle` in this thread, on `internal` (a fresh server unless given), as a render target. */
export function inThreadTarget(handle: RequestHandler, internal: Server = createServer()): RenderTarget {
  const reports = new ScopeReports();
  serveRenders(internal, handle, reports.report);
  const port = listenLoopback(internal);
  return {
    port: () => port,
    reports,
    close: async () => {
      const closed = new Promise<void>((r) => internal.close(() => r()));
      internal.closeIdleConnections();
      await closed;
    },
  };
}

/** The front's side: renders sent to `target` over loopback HTTP. */
export function createRenderer(target: RenderTarget): Renderer {
  let renders = 0;
  const agent = loopbackAgent(8);

  const render = async (url: string, host: string, scope: RenderScope): Promise<Rendered> => {
    const port = await target.port();
    const id = String(++renders);
    const reported = target.reports.expect(id);
    reported.catch(() => undefined);
    const send = (mayRetry: boolean): Promise<Rendered> => new Promise<Rendered>((resolve, reject) => {
      const headers = { "accept-encoding": "identity", [RENDER_ID_HEADER]: id, host };
      // The retry on a connection of its own, never another idle one from the pool (it may have been closed too).
      const out = httpRequest({ host: "127.0.0.1", port, path: url, method: "GET", headers, agent: mayRetry ? agent : false, timeout: RENDER_TIMEOUT_MS }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("error", reject);
        answer.on("end", () => {
          const kept: Record<string, string> = {};
          let cacheable = answer.statusCode === 200;
          for (const [name, value] of Object.entries(answer.headers)) {
            if (value === undefined || UNSTORED_HEADERS.has(name)) continue;
            if (name === "set-cookie") cacheable = false;
            kept[name] = Array.isArray(value) ? value.join(", ") : value;
          }
          // A page Next marks private/no-store is, to the front, the same bytes for everyone: let browsers revalidate.
          if (cacheable && /private|no-store/.test(kept["cache-control"] ?? "")) kept["cache-control"] = "public, no-cache";
          resolve({ status: cacheable ? 200 : (answer.statusCode ?? 502), headers: cacheable ? kept : { ...kept, "x-witness-uncacheable": "1" }, body: Buffer.concat(chunks) });
        });
      });
      out.on("timeout", () => out.destroy(new Error("render timed out")));
      // A kept connection Next's side had just closed: the render is sent once more, on a new one.
      out.on("error", (err) => (mayRetry && isStaleKeepAlive(out, err) ? send(false).then(resolve, reject) : reject(err)));
      out.end();
    });
    const rendered = await send(true).catch((err: Error) => {
      target.reports.forget(id);
      throw err;
    });
    if (rendered.status !== 200) {
      target.reports.forget(id);
      return rendered;
    }
    // Without its report the snapshot cannot know how old its data is: it goes to the one client, and is not kept.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), REPORT_TIMEOUT_MS)));
    const oldestReadAt = await Promise.race([reported, late]).catch(() => "late" as const);
    clearTimeout(timer);
    if (oldestReadAt === "late") {
      target.reports.forget(id);
      return { ...rendered, headers: { ...rendered.headers, "x-witness-uncacheable": "1" } };
    }
    scope.oldestReadAt = oldestReadAt;
    return rendered;
  };

  return {
    render,
    close: async () => {
      agent.destroy();
      await target.close();
    },
  };
}
