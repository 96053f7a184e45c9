/**
 * The web process's front door, a plain node:http server ahead of Next's request handler. Guards first, each with the
 * security headers: a target that is not a plain path of ours (undecodable, dot segments: lib/web/target.ts) is a 400,
 * a method other than GET/HEAD/OPTIONS a 405 with `Allow`, OPTIONS a 204 here (no page is rendered for it), and a
 * router-state header Next could not parse a 400 (Next would log a 500 for each). The build's files come next, open
 * in private mode because they are the same for every Witness: /_witness/ only from the front's own memory,
 * /_next/static/ only when the file exists; any other path under them is the front's plain 404, never a page. Then
 * private mode (lib/web/auth.ts), then the hot routes (lib/web/hot-routes.ts) from snapshots (lib/web/snapshot.ts):
 * Next renders each once per data version through a listener of its own (lib/web/renderer.ts), and every visitor
 * meanwhile gets the same bytes, compressed ahead of time, or a 304. Everything else goes to Next.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DashboardAuth } from "@/lib/web/auth";
import { isNotModifiedBy } from "@/lib/web/http";
import { HostSlots, hotRequest, type HotRequest } from "@/lib/web/hot-routes";
import { isMalformedRouterState } from "@/lib/web/router-state";
import { createRenderer, inThreadTarget, type Renderer, type RequestHandler } from "@/lib/web/renderer";
import { securityHeaders } from "@/lib/web/security-headers";
import { wallClock } from "@/lib/web/clock";
import { chooseEncoding, freshness, makeSnapshot, SnapshotStore, withVary, type Rendered, type Snapshot } from "@/lib/web/snapshot";
import { createStaticFiles } from "@/lib/web/static-files";
import { withoutReactRuntime, type ClientScript } from "@/lib/web/static-home";
import { isMalformedTarget, pathOf } from "@/lib/web/target";
import { watchVersion } from "@/lib/web/version-watch";
import { VANTAGE_ROUTE } from "@/lib/vantage/hub-server";
import { forwardVantage } from "@/lib/web/vantage-forward";

export type { RequestHandler } from "@/lib/web/renderer";

export interface FrontOptions {
  /** Next's handler: everything the front does not answer itself (and, without `renderer`, the renders of the hot routes). */
  handle: RequestHandler;
  /** Where hot routes are rendered (lib/web/next-thread.ts: Next in a thread of its own); else `handle` on `internal`, in this thread. */
  renderer?: Renderer;
  /** The database's data version now (lib/web/cache.ts dataVersion); read every VERSION_POLL_MS, not per request. */
  readVersion: () => string;
  store?: SnapshotStore;
  /** The database file: its directory is watched, so a commit or a file moved over it is seen before the next poll. */
  databasePath?: string;
  /** The home page's own script (lib/web/static-home.ts): when given, `/` is kept without Next's runtime, with this. */
  homeScript?: ClientScript;
  /** Private mode (lib/web/auth.ts): checked before any snapshot, so nothing cached leaks. */
  auth?: DashboardAuth | null;
  /** Whether pages' and feeds' links follow the Host (no WITNESS_PUBLIC_URL): then they are kept per Host (HostSlots). */
  linksFollowHost?: boolean;
  /** The build's static directory (.next/static): only its files are served under /_next/static/. */
  staticDir?: string;
  /** Where the worker takes vantages' batches now (its loopback port), or null; absent: this server forwards none. */
  ingestPort?: () => number | null;
  /** Without `renderer`: the server Next was given as its own (next({ httpServer })); renders arrive there, and so does Next's `upgrade` listener. */
  internal?: Server;
}

export const ALLOWED_METHODS = ["GET", "HEAD", "OPTIONS"] as const;
const ALLOW = ALLOWED_METHODS.join(", ");
/**
 * Renders of one key are this far apart at least, however often the worker commits or clients ask, and further for a
 * costly render (RENDER_COST_FACTOR times what the last one took, up to MAX_RENDER_SPACING_MS): a render runs on the
 * event loop that serves everyone, so a 400 ms home page on a 90-day database re-rendered every 2 s took a fifth of
 * the process from the crowd. A render's time is wall time, so it grows, and renders thin out, when the machine is busy.
 */
export const MIN_RENDER_SPACING_MS = 2_000;
/** Half the shortest probe interval (10 s): a new result still shows within one. */
export const MAX_RENDER_SPACING_MS = 5_000;
const RENDER_COST_FACTOR = 10;
/**
 * Spacing per key is not enough when many keys are refreshed (four chart windows, the preview image, each forced by
 * no-cache): together they took the whole event loop (a normal visitor's / at 1 s p50). Renders that could wait (a
 * stale snapshot's refresh) also wait for this budget: each render's time times this factor, across all keys, so they
 * use at most a quarter of the process. A tenth was tried: on a loaded machine one slow chart render then held every
 * other key's refresh, /api/v1/status included, past the home page's 15 s live update (tests/e2e/home-live.spec.ts).
 * A render's share is booked when it is scheduled (at its key's last cost), not when it ends: four keys gone stale at
 * once would otherwise all start before the first had paid.
 */
const GLOBAL_RENDER_FACTOR = 4;
/**
 * A key whose last render took less than this (badges, feeds) does not wait for the budget: it pays into it, but its
 * refresh is never held behind a costly page's. A render's time is wall time, and on a loaded machine even a small
 * answer's passes this, so the key the home page's live view polls (LIVE_KEY) never waits for the budget, whatever its
 * last render took: its spacing alone bounds it to one render per MIN_RENDER_SPACING_MS to MAX_RENDER_SPACING_MS.
 */
export const CHEAP_RENDER_MS = 50;
const LIVE_KEY = "/api/v1/status";
/** Witness has no request body and small headers: a client slower than this is holding a socket, not sending. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 20_000;
/** A socket with nothing happening on it this long is closed (a render takes at most 30 s of it, then answers). */
export const SOCKET_IDLE_MS = 60_000;
/** The series API's many query values get a store of their own, so they can never push a page out. */
const TAIL_SNAPSHOTS = 32;
const TAIL_BYTES = 16 * 1024 * 1024;

const SECURITY = Object.fromEntries(securityHeaders().map((h) => [h.key, h.value]));
// What the API routes and feeds answer a CORS preflight with (lib/web/http.ts preflight), now given here.
const PREFLIGHT = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": ALLOW, "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since", "Access-Control-Max-Age": "86400" };
const CORS_PATHS = /^\/(?:api\/|feed\.(?:xml|atom|json)$)/;

/** The front's own short answers (400, 404, 405): plain text, never cached, with the security headers. */
function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, { ...SECURITY, ...extra, "Content-Type": "text/plain; charset=utf-8", "Content-Length": body.length, "Cache-Control": "no-store" });
  res.end(body);
}

export { isMalformedTarget } from "@/lib/web/target";
export { hotRequest } from "@/lib/web/hot-routes";

export interface Front {
  server: Server;
  store: SnapshotStore;
  /** Start listening; rejects with the listen error (EADDRINUSE) as Node gives it. */
  listen(port: number, hostname?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** The front server around `handle` (see the file's comment). Not listening until listen(). */
export function createFront(options: FrontOptions): Front {
  const { handle, renderer = createRenderer(inThreadTarget(options.handle, options.internal)), readVersion, store = new SnapshotStore(), databasePath, homeScript, auth = null, linksFollowHost = true, staticDir } = options;
  const tail = new SnapshotStore(TAIL_SNAPSHOTS, TAIL_BYTES);
  const statics = createStaticFiles(staticDir, homeScript ? [homeScript] : []);
  const hosts = linksFollowHost ? new HostSlots() : null;
  const version = watchVersion(readVersion, databasePath);
  const inflight = new Map<string, Promise<Snapshot | Rendered>>();
  // When the renders so far have paid for themselves (GLOBAL_RENDER_FACTOR): a refresh that may wait starts no earlier.
  let budgetFreeAt = 0;
  // Renders for no particular Host are sent with the front's own address, so nothing a visitor sent is in them.
  let ownHost = "localhost";

  /** One render per key at a time, begun `delayMs` from now; a 200 becomes the key's snapshot, anything else is passed on once. */
  const refresh = (hot: HotRequest, delayMs: number, estimateMs = 0): Promise<Snapshot | Rendered> => {
    const running = inflight.get(hot.key);
    if (running) return running;
    budgetFreeAt = Math.max(budgetFreeAt, Date.now() + delayMs) + GLOBAL_RENDER_FACTOR * estimateMs;
    const job = (async () => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const startedVersion = version.now();
      const startedAt = Date.now();
      const scope = { oldestReadAt: null as number | null };
      let rendered = await renderer.render(hot.url, hot.host ?? ownHost, scope);
      const renderMs = Date.now() - startedAt;
      budgetFreeAt += GLOBAL_RENDER_FACTOR * (renderMs - estimateMs);
      // The render read the database in Next's thread: a commit it saw is stale news to every other key too, at once,
      // not at the next poll (the status a page's live view just got must not be followed by a page from before it).
      version.reread();
      if (rendered.status !== 200 || rendered.headers["x-witness-uncacheable"]) return rendered;
      if (hot.url === "/" && homeScript) rendered = { ...rendered, body: Buffer.from(withoutReactRuntime(rendered.body.toString("utf8"), homeScript)) };
      if (hot.perHost) rendered = { ...rendered, headers: { ...rendered.headers, vary: withVary(rendered.headers.vary, "Host") } };
      // Served for FRESH_FOR_MS from the oldest data it shows: a page must never say it read data more than that ago.
      const renderedAt = Math.min(startedAt, scope.oldestReadAt ?? startedAt);
      const snapshot = await makeSnapshot(rendered, startedVersion, renderedAt, { madeAt: startedAt, renderMs, effort: hot.tail ? "fast" : "max" });
      (hot.tail ? tail : store).set(hot.key, snapshot);
      return snapshot;
    })().finally(() => inflight.delete(hot.key));
    inflight.set(hot.key, job);
    return job;
  };

  /** Answer from the key's snapshot: at once when there is a usable one (the crowd's case, no promise made), else after its render. */
  const serveHot = (hot: HotRequest, req: IncomingMessage, res: ServerResponse): void => {
    const now = wallClock();
    const hit = (hot.tail ? tail : store).get(hot.key);
    const state = hit ? freshness(hit, version.now(), now) : "expired";
    let wait: Promise<Snapshot | Rendered> | null = null;
    if (hit && state === "stale") {
      const budgetWait = hit.renderMs < CHEAP_RENDER_MS || hot.url === LIVE_KEY ? 0 : budgetFreeAt - now;
      const delay = Math.max(0, hit.madeAt + renderSpacing(hit) - now, budgetWait);
      // A client that asks for no-cache (a reload, the home page's live refresh) is not given a copy from before the
      // data changed when the next render is near: it waits for it, shared by every such client. When the render
      // budget puts it further off, it gets the stale copy (never older than FRESH_FOR_MS), like everyone else: no-cache
      // is honoured at most once per spacing and never at the crowd's expense.
      const noCache = /no-cache/i.test(String(req.headers["cache-control"] ?? ""));
      if (noCache && delay <= MAX_RENDER_SPACING_MS) wait = refresh(hot, delay, hit.renderMs);
      else if (delay === 0) void refresh(hot, 0, hit.renderMs).catch(() => undefined);
    }
    if (!hit || state === "expired") wait = refresh(hot, 0);
    if (!wait) return sendSnapshot(hit!, req, res);
    wait.then(
      (result) => ("bodies" in result ? sendSnapshot(result, req, res) : sendRendered(result, req, res)),
      (err: Error) => {
        console.error(`witness web: render of ${JSON.stringify(hot.url)} failed: ${err.message}`);
        if (!res.headersSent) void handle(req, res);
        else res.destroy();
      },
    );
  };

  const server = createServer((req, res) => {
    const target = req.url ?? "/";
    if (isMalformedTarget(target)) return plain(res, 400, "bad request: malformed URL");
    // A vantage's signed batch or plan request: the worker answers it (lib/web/vantage-forward.ts), POST included.
    if (options.ingestPort && VANTAGE_ROUTE.test(pathOf(target))) return forwardVantage(req, res, options.ingestPort());
    if (!(ALLOWED_METHODS as readonly string[]).includes(req.method ?? "")) return plain(res, 405, `method not allowed: ${ALLOW} only`, { Allow: ALLOW });
    const path = pathOf(target);
    if (req.method === "OPTIONS") return options204(res, path);
    if (isMalformedRouterState(req.headers["next-router-state-tree"])) return plain(res, 400, "bad request: malformed Next-Router-State-Tree");
    const file = statics.lookup(path);
    if (file === "missing") return plain(res, 404, "not found");
    if (file === "next") return void handle(req, res);
    if (file) return void file.then((snapshot) => sendSnapshot(snapshot, req, res));
    if (auth && !auth.admit(req, res)) return;
    const hot = hotRequest(req, hosts, wallClock());
    if (hot === null) return void handle(req, res);
    serveHot(hot, req, res);
  });
  // Explicit, not Node's defaults (60 s for headers, 5 min for a request): a client that trickles bytes holds a socket.
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.setTimeout(SOCKET_IDLE_MS, (socket) => socket.destroy());

  return {
    server,
    store,
    listen: (port, hostname) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        const done = () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          ownHost = `localhost:${address.port}`;
          resolve(address);
        };
        if (hostname) server.listen(port, hostname, done);
        else server.listen(port, done);
      }),
    close: async () => {
      version.stop();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      // Keep-alive clients get a moment to finish what they asked for, then their connections are cut.
      const cut = setTimeout(() => server.closeAllConnections(), 2_000);
      cut.unref();
      await Promise.all([closed, renderer.close()]);
      clearTimeout(cut);
    },
  };
}

/** How long after `snapshot`'s render began the next render of its key may begin. */
export function renderSpacing(snapshot: Pick<Snapshot, "renderMs">): number {
  return Math.min(MAX_RENDER_SPACING_MS, Math.max(MIN_RENDER_SPACING_MS, RENDER_COST_FACTOR * snapshot.renderMs));
}

/** OPTIONS: what may be asked here, and for the API and feeds the CORS preflight; never a page. */
function options204(res: ServerResponse, path: string): void {
  res.writeHead(204, { ...SECURITY, Allow: ALLOW, ...(CORS_PATHS.test(path) ? PREFLIGHT : {}), "Cache-Control": "no-store" });
  res.end();
}

/** A render that is not kept (a 404, a 400, an answer with a cookie), passed on to the one client that asked. */
function sendRendered(result: Rendered, req: IncomingMessage, res: ServerResponse): void {
  const { "x-witness-uncacheable": _, ...headers } = result.headers;
  res.writeHead(result.status, { ...headers, "content-length": result.body.length });
  res.end(req.method === "HEAD" ? undefined : result.body);
}

/** 304 when the client has this representation, else its bytes in the encoding it accepts; HEAD gets the headers. */
export function sendSnapshot(snapshot: Snapshot, req: IncomingMessage, res: ServerResponse): void {
  const encoding = chooseEncoding(req.headers["accept-encoding"]);
  const answer = snapshot.answers[encoding];
  const ifNoneMatch = req.headers["if-none-match"];
  const ifModifiedSince = req.headers["if-modified-since"];
  if ((ifNoneMatch !== undefined || ifModifiedSince !== undefined) && isNotModifiedBy(ifNoneMatch, ifModifiedSince, snapshot.etagList, snapshot.lastModified)) {
    res.writeHead(304, answer.notModified);
    res.end();
    return;
  }
  res.writeHead(snapshot.status, answer.ok);
  res.end(req.method === "HEAD" ? undefined : snapshot.bodies[encoding]);
}
