/**
 * The web process's front door, a plain node:http server ahead of Next's request handler. Every request passes two
 * guards: a URL that does not decode is a 400, a method other than GET/HEAD/OPTIONS a 405 with `Allow`, both with the
 * security headers. The hot routes (the home page, /api/v1/status, badges, feeds, /charts windows) are answered from
 * snapshots (lib/web/snapshot.ts): Next renders each once per data version through a loopback listener of its own,
 * and every visitor meanwhile gets the same bytes, compressed ahead of time, or a 304. Everything else goes to Next.
 * In private mode (lib/web/auth.ts) a request is admitted after the two guards and before anything else.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { watch, type FSWatcher } from "node:fs";
import type { AddressInfo } from "node:net";
import { basename, dirname, resolve } from "node:path";
import type { ChartWindow } from "@/lib/dashboard/types";
import type { DashboardAuth } from "@/lib/web/auth";
import { BADGE_METRICS } from "@/lib/web/badges";
import { isNotModifiedBy } from "@/lib/web/http";
import { inRenderScope, type RenderScope } from "@/lib/web/cache";
import { securityHeaders } from "@/lib/web/security-headers";
import { chooseEncoding, freshness, makeSnapshot, SnapshotStore, type Rendered, type Snapshot } from "@/lib/web/snapshot";
import { withoutReactRuntime, type ClientScript } from "@/lib/web/static-home";

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface FrontOptions {
  /** Next's handler: everything the front does not answer itself, and the renders of the hot routes. */
  handle: RequestHandler;
  /** The database's data version now (lib/web/cache.ts dataVersion); read every VERSION_POLL_MS, not per request. */
  readVersion: () => string;
  store?: SnapshotStore;
  /**
   * The database file: its directory is watched, so a commit or a file moved over it is seen at once rather than at
   * the next poll (a restore followed by a visit within 250 ms must not get the old database's page).
   */
  databasePath?: string;
  /** The home page's own script (lib/web/static-home.ts): when given, `/` is kept without Next's runtime, with this. */
  homeScript?: ClientScript;
  /** Private mode (lib/web/auth.ts): checked before any snapshot or static file, so nothing cached leaks. */
  auth?: DashboardAuth | null;
}

export const ALLOWED_METHODS = ["GET", "HEAD", "OPTIONS"] as const;
const ALLOW = ALLOWED_METHODS.join(", ");
/** How often the data version is read: far below a probe interval, far above a request rate. */
export const VERSION_POLL_MS = 250;
const RENDER_TIMEOUT_MS = 30_000;
/** Sent only on the front's own loopback renders; names the render scope (see createFront). */
const RENDER_ID_HEADER = "x-witness-render-id";
/** Far below any probe interval (10 s at least), so a new result still shows within one; caps render CPU per key. */
export const MIN_RENDER_SPACING_MS = 2_000;

const FEED_PATHS = new Set(["/feed.xml", "/feed.atom", "/feed.json"]);
const HOT_PATHS = new Set(["/", "/api/v1/status", "/charts", ...FEED_PATHS]);
const BADGE_PATH = /^\/api\/v1\/badges\/[A-Za-z0-9._-]{1,64}$/;
const CHART_WINDOWS: readonly ChartWindow[] = ["24h", "7d", "30d", "90d"];
// Requests the App Router makes for itself (client navigation, prefetch, server actions) get another body than the HTML.
const NEXT_ROUTER_HEADERS = ["rsc", "next-router-state-tree", "next-router-prefetch", "next-router-segment-prefetch", "next-action", "next-url"];
// Per connection or recomputed for each answer: never stored with a snapshot.
const UNSTORED_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date", "etag", "content-encoding"]);

const SECURITY = Object.fromEntries(securityHeaders().map((h) => [h.key, h.value]));

/** The front's own short answers (400, 405): plain text, never cached, with the security headers. */
function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, { ...SECURITY, ...extra, "Content-Type": "text/plain; charset=utf-8", "Content-Length": body.length, "Cache-Control": "no-store" });
  res.end(body);
}

/** A request target that cannot be a path of ours: not origin-form, or a percent-escape that does not decode. */
export function isMalformedTarget(target: string): boolean {
  if (target.charCodeAt(0) !== 47 /* "/" */) return true;
  // The common case, checked without a parse: nothing escaped, not "//host" (which URL would take for an authority).
  if (!target.includes("%") && target.charCodeAt(1) !== 47 && !target.includes("\\")) return false;
  try {
    decodeURIComponent(target);
    return !URL.canParse(target, "http://x");
  } catch {
    return true;
  }
}

export interface HotRequest {
  /** What the snapshot is filed under: Host, path and the query values the route knows. */
  key: string;
  /** The URL Next renders for it. */
  url: string;
}

/**
 * The snapshot of a hot request, or null when Next should answer it: only known paths, only query values the route
 * knows (anything else would let each visitor mint a key), never the router's own requests. /charts with a window it
 * does not know shows 24 hours (app/charts/page.tsx), so it is the snapshot of plain /charts, not a render of its own.
 */
export function hotRequest(req: IncomingMessage): HotRequest | null {
  if (req.method !== "GET" && req.method !== "HEAD") return null;
  if (NEXT_ROUTER_HEADERS.some((h) => req.headers[h] !== undefined)) return null;
  const target = req.url ?? "/";
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  if (q < 0) return HOT_PATHS.has(path) || BADGE_PATH.test(path) ? { key: keyOf(req, path), url: path } : null;
  const params = new URLSearchParams(target.slice(q + 1));
  let url = path;
  if (path === "/charts") {
    const windows = params.getAll("window");
    const window = windows.length === 1 ? windows[0]! : null;
    if (window !== null && (CHART_WINDOWS as readonly string[]).includes(window)) url = `/charts?window=${window}`;
  } else if (BADGE_PATH.test(path)) {
    const keys = [...params.keys()];
    const metric = params.get("metric");
    if (keys.some((k) => k !== "metric") || keys.length > 1 || (metric !== null && !(BADGE_METRICS as readonly string[]).includes(metric))) return null;
    if (metric !== null) url = `${path}?metric=${metric}`;
  } else if (!HOT_PATHS.has(path) || q >= 0) {
    return null;
  }
  return { key: keyOf(req, url), url };
}

/**
 * Feeds' links follow the Host header (lib/web/feeds.ts, without WITNESS_PUBLIC_URL), so a feed's Host is part of
 * what was rendered; nothing else reads it, and keying the rest by a header any client sets would let each visitor
 * force a render of the home page.
 */
function keyOf(req: IncomingMessage, url: string): string {
  const path = url.split("?", 1)[0]!;
  return FEED_PATHS.has(path) ? `${req.headers.host ?? ""}${url}` : url;
}

export interface Front {
  server: Server;
  store: SnapshotStore;
  /** Start listening; rejects with the listen error (EADDRINUSE) as Node gives it. */
  listen(port: number, hostname?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** The front server around `handle` (see the file's comment). Not listening until listen(). */
export function createFront({ handle, readVersion, store = new SnapshotStore(), databasePath, homeScript, auth = null }: FrontOptions): Front {
  // Files the front serves itself from memory: their paths name their content, so they are cacheable for ever.
  const statics = new Map<string, Promise<Snapshot>>();
  if (homeScript) statics.set(homeScript.path, staticSnapshot(homeScript.code, "text/javascript; charset=utf-8"));
  let version = safeVersion(readVersion);
  const poll = setInterval(() => (version = safeVersion(readVersion)), VERSION_POLL_MS);
  poll.unref();
  const watcher = watchDatabase(databasePath, () => (version = safeVersion(readVersion)));

  // Renders reach Next through a loopback listener of their own, as a request Next cannot tell from a visitor's. Each
  // runs in a render scope, found again by the id the render sent, so the snapshot knows how old its data is.
  const scopes = new Map<string, RenderScope>();
  let renders = 0;
  const internal = createServer((req, res) => {
    const id = req.headers[RENDER_ID_HEADER];
    const scope = typeof id === "string" ? scopes.get(id) : undefined;
    if (scope) inRenderScope(scope, () => void handle(req, res));
    else void handle(req, res);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const internalReady = new Promise<number>((resolve, reject) => {
    internal.once("error", reject);
    internal.listen(0, "127.0.0.1", () => resolve((internal.address() as AddressInfo).port));
  });
  const inflight = new Map<string, Promise<Snapshot | Rendered>>();

  const render = async (req: IncomingMessage, url: string, scope: RenderScope): Promise<Rendered> => {
    const port = await internalReady;
    const id = String(++renders);
    scopes.set(id, scope);
    return new Promise<Rendered>((resolve, reject) => {
      const headers: Record<string, string> = { "accept-encoding": "identity", [RENDER_ID_HEADER]: id };
      if (req.headers.host) headers.host = req.headers.host;
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

  /** One render per key at a time; a 200 becomes the key's snapshot, anything else is passed on once. */
  const refresh = ({ key, url }: HotRequest, req: IncomingMessage): Promise<Snapshot | Rendered> => {
    const running = inflight.get(key);
    if (running) return running;
    const startedVersion = version;
    const startedAt = Date.now();
    const scope: RenderScope = { oldestReadAt: null };
    const job = (async () => {
      let rendered = await render(req, url, scope);
      if (rendered.status !== 200 || rendered.headers["x-witness-uncacheable"]) return rendered;
      if (url === "/" && homeScript) rendered = { ...rendered, body: Buffer.from(withoutReactRuntime(rendered.body.toString("utf8"), homeScript)) };
      // Served for FRESH_FOR_MS from the oldest data it shows: a page must never say it read data more than that ago.
      const snapshot = await makeSnapshot(rendered, startedVersion, Math.min(startedAt, scope.oldestReadAt ?? startedAt));
      store.set(key, snapshot);
      return snapshot;
    })().finally(() => inflight.delete(key));
    inflight.set(key, job);
    return job;
  };

  const serveHot = async (hot: HotRequest, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let hit = store.get(hot.key);
    const state = hit ? freshness(hit, version, Date.now()) : "expired";
    // A client that asks for no-cache (a reload, the home page's live refresh) is never given a copy from before the
    // data changed: it waits for the one render of the new data, which every such client shares.
    const mustRevalidate = state === "stale" && /no-cache/i.test(String(req.headers["cache-control"] ?? ""));
    // Otherwise a render runs on this event loop at most once per key every MIN_RENDER_SPACING_MS, however often the
    // worker commits, while the stale copy is served.
    if (state === "stale" && !mustRevalidate && Date.now() - hit!.renderedAt >= MIN_RENDER_SPACING_MS) void refresh(hot, req).catch(() => undefined);
    if (!hit || state === "expired" || mustRevalidate) {
      const result = await refresh(hot, req);
      if (!("bodies" in result)) {
        const { "x-witness-uncacheable": _, ...headers } = result.headers;
        res.writeHead(result.status, { ...headers, "content-length": result.body.length });
        res.end(req.method === "HEAD" ? undefined : result.body);
        return;
      }
      hit = result;
    }
    sendSnapshot(hit, req, res);
  };

  const server = createServer((req, res) => {
    const target = req.url ?? "/";
    if (isMalformedTarget(target)) return plain(res, 400, "bad request: malformed URL");
    if (!(ALLOWED_METHODS as readonly string[]).includes(req.method ?? "")) {
      return plain(res, 405, `method not allowed: ${ALLOW} only`, { Allow: ALLOW });
    }
    if (auth && !auth.admit(req, res)) return;
    const file = statics.get(req.url ?? target);
    if (file && (req.method === "GET" || req.method === "HEAD")) {
      return void file.then((snapshot) => sendSnapshot(snapshot, req, res));
    }
    const hot = hotRequest(req);
    if (hot === null) return void handle(req, res);
    serveHot(hot, req, res).catch((err: Error) => {
      console.error(`witness web: render of ${JSON.stringify(hot.url)} failed: ${err.message}`);
      if (!res.headersSent) void handle(req, res);
      else res.destroy();
    });
  });

  return {
    server,
    store,
    listen: (port, hostname) =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        const done = () => {
          server.off("error", reject);
          resolve(server.address() as AddressInfo);
        };
        if (hostname) server.listen(port, hostname, done);
        else server.listen(port, done);
      }),
    close: async () => {
      clearInterval(poll);
      watcher?.close();
      const closed = Promise.all([new Promise<void>((r) => server.close(() => r())), new Promise<void>((r) => internal.close(() => r()))]);
      server.closeIdleConnections();
      internal.closeIdleConnections();
      agent.destroy();
      // Keep-alive clients get a moment to finish what they asked for, then their connections are cut.
      const cut = setTimeout(() => server.closeAllConnections(), 2_000);
      cut.unref();
      await closed;
      clearTimeout(cut);
    },
  };
}

/** Call `onChange` when anything named after the database file (itself, -wal, -journal) changes in its directory. */
function watchDatabase(path: string | undefined, onChange: () => void): FSWatcher | null {
  if (!path || path === ":memory:") return null;
  // Not -shm: reading the version itself touches it, and reacting to it would loop.
  const names = new Set(["", "-wal", "-journal"].map((suffix) => basename(path) + suffix));
  let queued = false;
  try {
    const watcher = watch(dirname(resolve(path)), { persistent: false }, (_event, file) => {
      if (queued || (file !== null && !names.has(String(file)))) return;
      // One re-read per burst of events (a commit is several writes).
      queued = true;
      setTimeout(() => {
        queued = false;
        onChange();
      }, 20).unref();
    });
    watcher.on("error", () => watcher.close());
    return watcher;
  } catch {
    // No directory yet or no inotify: the poll alone keeps the version.
    return null;
  }
}

function safeVersion(readVersion: () => string): string {
  try {
    return readVersion();
  } catch {
    // Unreadable now (file being replaced): a version no snapshot has, so nothing stale is reused.
    return `unreadable@${Date.now()}`;
  }
}

/** A file of the front's own, compressed once, with the security headers and a year's immutable caching. */
function staticSnapshot(body: Buffer, contentType: string): Promise<Snapshot> {
  const headers = { ...Object.fromEntries(Object.entries(SECURITY).map(([k, v]) => [k.toLowerCase(), v])), "content-type": contentType, "cache-control": "public, max-age=31536000, immutable" };
  return makeSnapshot({ status: 200, headers, body }, "static", Date.now());
}

/** 304 when the client has this representation, else its bytes in the encoding it accepts; HEAD gets the headers. */
function sendSnapshot(snapshot: Snapshot, req: IncomingMessage, res: ServerResponse): void {
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
