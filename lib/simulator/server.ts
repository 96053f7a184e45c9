/**
 * The loopback server: one node:http listener on 127.0.0.1 answering as the Messages API, claude.ai, the Console
 * (under /console) and the status page at once, routed by path. Fault choice, the TTFB wait and request recording happen here; targets do the rest.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { modelOf, wantsStream } from "./api-bodies";
import { handleConsole } from "./console";
import { handleControl } from "./control";
import { parsePathSpec, SpecError, type Fault, type FaultSpec, type Target } from "./faults";
import { APP_PATHS, challengeOutcome, handleApp } from "./app";
import { handleApi } from "./messages";
import { SimState, type RecordedRequest } from "./state";
import type { StatusChange } from "./status-page";
import { handleStatus } from "./status-routes";
import { handleWeb } from "./web";
import { toolStepOf } from "./tool-use";
import { perform, sendJson, wait, type Exchange, type ParsedBody } from "./wire";

export interface Simulator {
  url: string;
  port: number;
  requests: RecordedRequest[];
  setFault(target: Target, spec: FaultSpec | Fault): void;
  setStatus(change: StatusChange): void;
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
// Longer than any test's pause between requests, so a pooled client never races the server's idle close.
const KEEP_ALIVE_MS = 10_000;
const ignore = (): void => {};

class BodyTooLarge extends Error {}

/** Start a simulator on 127.0.0.1 (a random port unless one is given); resolves once it is listening. */
export async function startSimulator(opts: { port?: number } = {}): Promise<Simulator> {
  const state = new SimState();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => void serve(req, res, state));
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("error", ignore); // resets and vanished clients are routine here, not crashes
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Hung and stalled requests never finish on their own: cut them rather than wait.
    for (const socket of sockets) socket.destroy();
    server.closeAllConnections();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: state.requests,
    setFault: (target, spec) => state.setFault(target, spec),
    setStatus: (change) => state.setStatus(change),
    reset: () => state.reset(),
    close: () => (closing ??= shutdown()),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, state: SimState): Promise<void> {
  const lifetime = new AbortController();
  // 'close' comes when the answer is done or the connection dies; either way pending waits must stop.
  res.once("close", () => lifetime.abort());
  req.on("error", ignore);
  res.on("error", ignore);
  try {
    await dispatch(req, res, state, lifetime.signal);
  } catch (err) {
    if (lifetime.signal.aborted) return;
    if (res.headersSent) res.destroy();
    else if (err instanceof BodyTooLarge) sendJson(res, 413, { error: "request body too large" }, { connection: "close" });
    else sendJson(res, 500, { error: `simulator failure: ${err instanceof Error ? err.message : String(err)}` });
  }
}

async function dispatch(req: IncomingMessage, res: ServerResponse, state: SimState, signal: AbortSignal): Promise<void> {
  const url = req.url ?? "/";
  const method = req.method ?? "GET";
  const pathname = url.split("?", 1)[0] ?? "/";
  const control = /^\/__sim(?:\/([^/:]*))?\/?$/.exec(pathname);
  if (control) return handleControl(control[1] ?? "", method, await readBody(req), res, state);

  const record: RecordedRequest = { method, path: url, headers: { ...req.headers }, body: "", at: Date.now() };
  state.requests.push(record);
  record.body = await readBody(req);

  const stripped = stripPathSpec(pathname);
  if ("error" in stripped) return sendJson(res, 400, { error: stripped.error });
  const { target, path } = targetOf(stripped.path);
  const json = target === "api" ? parseJson(record.body) : { ok: false as const };
  const applied = state.faults.resolve(target, { model: modelOf(json), stream: wantsStream(json), step: toolStepOf(json), keyed: req.headers["x-api-key"] !== undefined }, stripped.pathSpec);
  // The app's ttfbMs delays its bootstrap alone, the call it waits on before it renders: "a slow app".
  if (target !== "app") await wait(applied.ttfbMs, signal);
  const ex: Exchange = { req, res, method, path, body: record.body, json, fault: applied.fault, gapMs: applied.gapMs, signal };
  if (target === "api") return handleApi(ex);
  if (target === "status") return handleStatus(ex, state.status);
  if (target === "console") return handleConsole(ex);
  if (target === "app") return handleApp(ex, applied.ttfbMs);
  // A challenge stands in front of the document only while no web fault is set, so the web faults keep their answers.
  const challenge = path === "/" && applied.fault === "none" ? challengeOutcome(state.faults.current("app"), req.headers.cookie) : null;
  if (challenge) return perform(res, challenge, signal);
  return handleWeb(ex);
}

type PathSpec = { segment: string; spec: FaultSpec };

/** Take a `/__sim/<spec>` prefix off a path: the rest is routed as usual and the spec overrides the control fault. */
function stripPathSpec(pathname: string): { path: string; pathSpec: PathSpec | null } | { error: string } {
  if (!pathname.startsWith("/__sim/")) return { path: pathname, pathSpec: null };
  const rest = pathname.slice("/__sim/".length);
  const slash = rest.indexOf("/");
  try {
    const segment = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    return { path: slash < 0 ? "/" : rest.slice(slash), pathSpec: { segment, spec: parsePathSpec(segment) } };
  } catch (err) {
    return { error: err instanceof SpecError ? err.message : "path spec is not valid percent-encoding" };
  }
}

/**
 * Which target owns a path, and the path as that target sees it. Anything before `/v1` or `/api/v2/` is a gateway's
 * own prefix (`/acct/anthropic/v1/messages`) and is dropped, as the real gateway would before forwarding.
 */
function targetOf(path: string): { target: Target; path: string } {
  // The Console lives under its own prefix (CLAUDE_CONSOLE_URL=<sim>/console), so one server can be both sites.
  const console = /^\/console(?=\/|$)/.exec(path);
  if (console) return { target: "console", path: path.slice(console[0].length) || "/" };
  const api = /\/v1(?:\/|$)/.exec(path);
  if (api) return { target: "api", path: path.slice(api.index) };
  const status = /\/api\/v2\/|\/history\./.exec(path);
  if (status) return { target: "status", path: path.slice(status.index) };
  if (APP_PATHS.test(path)) return { target: "app", path };
  return { target: "web", path };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(body: string): ParsedBody {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false };
  }
}
