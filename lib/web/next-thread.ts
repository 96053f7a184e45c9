/**
 * Next.js in a thread of its own, behind the front (lib/web/front.ts). Next, once loaded, enables its
 * AsyncLocalStorages, so every async resource its thread makes runs their `init` hook; it also replaces the global
 * `Date` and `process.nextTick` with versions that ask those stores first. In the front's thread that work was paid by
 * every snapshot answer, which Next never sees: about a fifth of a hot answer's CPU (profiled under a pinned load). In
 * a worker thread it is paid only by what Next does: the renders (lib/web/renderer.ts) and the requests the front
 * passes on, which this file proxies to Next's loopback listener.
 *
 * The thread is the same entry file as the web server (lib/cli/web.ts, bundled or not), told apart by `workerData`.
 * It runs at the process's priority. Niceness 10 was tried: it lowers the renders against everything else on the
 * machine too, not only against the front, the one CI run with it missed the home page's live update (15 s), and the
 * crowd bench showed no gain from it. If it dies after start-up, the front keeps serving its snapshots, logs one line, and starts a new one (1 s, doubling
 * to 30 s); requests passed on meanwhile wait for it.
 */
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { isStaleKeepAlive, listenLoopback, loopbackAgent, RENDER_ID_HEADER, ScopeReports, serveRenders, type RenderTarget, type RequestHandler } from "@/lib/web/renderer";
import { securityHeaders } from "@/lib/web/security-headers";

export interface NextThreadOptions {
  /** The file the thread runs: the web server's own entry, which calls runNextThread when isNextThread(). */
  file: string;
  /** The project root Next serves (.next inside). */
  dir: string;
  hostname?: string;
  port: number;
  /** Caps the thread's young generation (V8 resourceLimits): renders make short-lived garbage, not a working set. */
  maxYoungGenerationSizeMb?: number;
}

interface ThreadData {
  witnessNextThread: true;
  dir: string;
  hostname?: string;
  port: number;
}

type FromThread = { type: "ready"; port: number } | { type: "scope"; id: string; oldestReadAt: number | null };

const IDLE_GC_AFTER_MS = 1_000;
const IDLE_GC_SPACING_MS = 10_000;
const FIRST_RESTART_MS = 1_000;
const MAX_RESTART_MS = 30_000;
/** A thread that lived this long before dying starts again at the first delay. */
const STABLE_AFTER_MS = 60_000;
const PROXY_TIMEOUT_MS = 60_000;
/** How long a request that failed waits to learn whether the thread died (its `exit` may come after the refusal). */
const RETRY_WAIT_MS = 1_000;
// Hop-by-hop: per connection, never passed through.
/** Connection errors before any answer: the request never reached Next's handler, or its answer never began. */
const RESET_BEFORE_ANSWER = new Set(["ECONNRESET", "EPIPE", "ECONNREFUSED"]);
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", RENDER_ID_HEADER]);
const SECURITY = Object.fromEntries(securityHeaders().map((h) => [h.key, h.value]));

/** True in the thread startNextThread made. */
export function isNextThread(): boolean {
  return parentPort !== null && (workerData as Partial<ThreadData> | null)?.witnessNextThread === true;
}

/** The thread's side: Next on a loopback listener, serving renders and passed-on requests; tells the front its port. */
export async function runNextThread(): Promise<void> {
  const { dir, hostname, port } = workerData as ThreadData;
  const { default: next } = await import("next");
  const internal = createServer();
  // Given this listener, Next's `upgrade` listener lands here, where only the front's requests arrive.
  const app = next({ dev: false, dir, hostname, port, httpServer: internal });
  await app.prepare();
  serveRenders(internal, app.getRequestHandler(), (id, oldestReadAt) => parentPort!.postMessage({ type: "scope", id, oldestReadAt } satisfies FromThread));
  collectWhenIdle(internal);
  const own = await listenLoopback(internal);
  parentPort!.postMessage({ type: "ready", port: own } satisfies FromThread);
}

/**
 * A full collection once the thread has been idle a moment after work, at most every IDLE_GC_SPACING_MS. A render of
 * the 90-day charts leaves tens of MB of garbage that V8 would otherwise keep until the heap grows further: measured
 * on the crowd's floods, Next's heap stood at 100-113 MB around 60 MB live. The pause is Next's thread's alone; the
 * front keeps answering.
 */
function collectWhenIdle(server: ReturnType<typeof createServer>): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  let timer: NodeJS.Timeout | null = null;
  let lastAt = 0;
  const collect = () => {
    timer = null;
    lastAt = Date.now();
    gc();
  };
  server.on("request", (_req, res: ServerResponse) =>
    res.once("close", () => {
      if (timer) timer.refresh();
      else timer = setTimeout(collect, Math.max(IDLE_GC_AFTER_MS, lastAt + IDLE_GC_SPACING_MS - Date.now())).unref();
    }),
  );
}

export interface NextThread {
  /** Resolves once Next is ready for the first time; rejects when it cannot start (a missing build). */
  ready: Promise<void>;
  /** Passes a request to Next and its answer back. */
  handle: RequestHandler;
  /** Where the front renders its hot routes (createRenderer). */
  target: RenderTarget;
}

/** Start Next in its thread (see the file's comment). */
export function startNextThread(options: NextThreadOptions, log: (line: string) => void = (line) => console.error(line)): NextThread {
  const reports = new ScopeReports();
  const agent = loopbackAgent(64);
  let closing = false;
  let started = false;
  let worker: Worker;
  let port: Promise<number>;
  // Resolves when the current thread has exited: a request that failed on it is sent again to the next one.
  let stopped: Promise<void>;
  let restartMs = FIRST_RESTART_MS;
  let firstReady!: { resolve: () => void; reject: (err: Error) => void };
  const ready = new Promise<void>((resolve, reject) => (firstReady = { resolve, reject }));

  // Pending from a thread's exit until the next one is ready: requests passed on meanwhile wait for it.
  let setPort!: (port: number) => void;
  const awaitPort = () => (port = new Promise<number>((resolve) => (setPort = resolve)));
  awaitPort();
  const spawn = (): void => {
    const bornAt = Date.now();
    let setStopped!: () => void;
    stopped = new Promise<void>((resolve) => (setStopped = resolve));
    const data: ThreadData = { witnessNextThread: true, dir: options.dir, hostname: options.hostname, port: options.port };
    worker = new Worker(options.file, {
      workerData: data,
      resourceLimits: options.maxYoungGenerationSizeMb ? { maxYoungGenerationSizeMb: options.maxYoungGenerationSizeMb } : undefined,
    });
    let failure: Error | null = null;
    worker.on("message", (message: FromThread) => {
      if (message.type === "scope") reports.report(message.id, message.oldestReadAt);
      else if (message.type === "ready") {
        started = true;
        setPort(message.port);
        firstReady.resolve();
      }
    });
    worker.on("error", (err) => (failure = err));
    worker.on("exit", (code) => {
      awaitPort();
      setStopped();
      const why = failure ? failure.message : `exit ${code}`;
      reports.failAll(new Error(`the Next thread stopped (${why})`));
      if (closing) return;
      if (!started) return firstReady.reject(new Error(`Next could not start: ${why}`));
      const delay = Date.now() - bornAt > STABLE_AFTER_MS ? FIRST_RESTART_MS : restartMs;
      restartMs = Math.min(MAX_RESTART_MS, delay * 2);
      log(`witness web: the Next thread stopped (${why}); snapshots are still served; starting it again in ${Math.round(delay / 1000)} s`);
      setTimeout(spawn, delay).unref();
    });
  };
  spawn();

  const handle: RequestHandler = (req, res) => void send(req, res, true);
  const send = async (req: IncomingMessage, res: ServerResponse, mayRetry: boolean): Promise<void> => {
    const to = await port;
    const died = stopped;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    // The one retry goes on a connection of its own: the pool's other idle ones may have been closed in the same moment
    // (CI's 502 "socket hang up" for a static chunk came from a retry that took a second stale socket).
    const out = httpRequest({ host: "127.0.0.1", port: to, method: req.method, path: req.url, headers, agent: mayRetry ? agent : false, timeout: PROXY_TIMEOUT_MS }, (answer) => {
      const back: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
      res.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    out.on("timeout", () => out.destroy(new Error("Next did not answer in time")));
    out.on("error", async (err) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      // A GET or HEAD is sent once more when the kept connection it went on had just been closed by Next's side (the
      // race every keep-alive client has with the server's idle timeout), when the connection was reset or refused
      // before any answer (CI saw a 502 for a static chunk from a reset on a new socket: nothing was answered, so asking
      // again is safe), or when the thread died under it (then to the thread started next).
      const idempotent = req.method === "GET" || req.method === "HEAD";
      const reset = RESET_BEFORE_ANSWER.has((err as NodeJS.ErrnoException).code ?? "");
      if (mayRetry && idempotent && !closing && (isStaleKeepAlive(out, err) || (await Promise.race([died.then(() => true), sleep(RETRY_WAIT_MS).then(() => false)])) || reset)) {
        return void send(req, res, false);
      }
      const body = Buffer.from(`bad gateway: ${err.message}\n`);
      res.writeHead(502, { ...SECURITY, "Content-Type": "text/plain; charset=utf-8", "Content-Length": body.length, "Cache-Control": "no-store" });
      res.end(body);
    });
    res.once("close", () => {
      if (!res.writableFinished) out.destroy();
    });
    passBody(req, out);
  };

  return {
    ready,
    handle,
    target: {
      port: () => port,
      reports,
      close: async () => {
        closing = true;
        agent.destroy();
        await worker.terminate();
      },
    },
  };
}

/** GET and HEAD carry no body: end at once (the front admits no other method, but a body is still piped if sent). */
function passBody(req: IncomingMessage, out: ReturnType<typeof httpRequest>): void {
  if (req.method === "GET" || req.method === "HEAD") {
    req.resume();
    out.end();
  } else req.pipe(out);
}
