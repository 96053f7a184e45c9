/**
 * How the front server (lib/web/front.ts) has Next render a hot answer: a GET through a loopback listener of its own,
 * a request Next cannot tell from a visitor's, so the page is exactly what a visitor would get. Each render runs in a
 * render scope (lib/web/cache.ts), found again by the id the request carries, so the snapshot knows how old its data
 * is. Next is handed this listener as its server (lib/cli/web.ts), so the `upgrade` listener Next adds lands here,
 * where only the front's own requests arrive, and never on the public server.
 */
import { Agent, createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inRenderScope, type RenderScope } from "@/lib/web/cache";
import type { Rendered } from "@/lib/web/snapshot";
import type { RequestHandler } from "@/lib/web/front";

const RENDER_TIMEOUT_MS = 30_000;
/** Sent only on the front's own loopback renders; names the render scope. */
const RENDER_ID_HEADER = "x-witness-render-id";
// Per connection or recomputed for each answer: never stored with a snapshot.
const UNSTORED_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date", "etag", "content-encoding"]);

export interface Renderer {
  /** Render `url` as a GET with Host `host`. A 200 that may be shared comes back with status 200; anything else is marked uncacheable. */
  render(url: string, host: string, scope: RenderScope): Promise<Rendered>;
  close(): Promise<void>;
}

/** The loopback renderer around Next's `handle`, listening on `internal` (a fresh server unless given). */
export function createRenderer(handle: RequestHandler, internal: Server = createServer()): Renderer {
  const scopes = new Map<string, RenderScope>();
  let renders = 0;
  internal.on("request", (req, res) => {
    const id = req.headers[RENDER_ID_HEADER];
    const scope = typeof id === "string" ? scopes.get(id) : undefined;
    if (scope) inRenderScope(scope, () => void handle(req, res));
    else void handle(req, res);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const ready = new Promise<number>((resolve, reject) => {
    internal.once("error", reject);
    internal.listen(0, "127.0.0.1", () => resolve((internal.address() as AddressInfo).port));
  });

  const render = async (url: string, host: string, scope: RenderScope): Promise<Rendered> => {
    const port = await ready;
    const id = String(++renders);
    scopes.set(id, scope);
    return new Promise<Rendered>((resolve, reject) => {
      const headers = { "accept-encoding": "identity", [RENDER_ID_HEADER]: id, host };
      const out = httpRequest({ host: "127.0.0.1", port, path: url, method: "GET", headers, agent, timeout: RENDER_TIMEOUT_MS }, (answer) => {
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
      out.on("error", reject);
      out.end();
    }).finally(() => scopes.delete(id));
  };

  return {
    render,
    close: async () => {
      const closed = new Promise<void>((r) => internal.close(() => r()));
      internal.closeIdleConnections();
      agent.destroy();
      await closed;
    },
  };
}
