/**
 * Real hubs and vantages for the vantage e2e test and bench: a hub is the worker and the web server npm start runs
 * (each its own process, on its own database), a vantage is `npm run vantage` in a process group of its own, so a
 * `kill -9` reaches every process under it, as it would on a machine that loses power.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import Database from "better-sqlite3";
import { PROJECT_ROOT, spawnWeb } from "@/lib/cli/serve";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh whsec_ secret (32 random bytes). */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Wait until `check` holds, polling every 250 ms, failing after `timeoutMs` with what was awaited. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

/** A port nobody holds now, picked by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The environment every process of these tests starts from: no developer config, nothing but loopback upstreams. */
export function baseEnv(simUrl: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    NODE_ENV: "test",
    NEXT_TELEMETRY_DISABLED: "1",
    ANTHROPIC_BASE_URL: simUrl,
    CLAUDE_WEB_URL: simUrl,
    CLAUDE_CONSOLE_URL: `${simUrl}/console`,
    STATUS_PAGE_URL: simUrl,
    ...extra,
  };
}

export interface Hub {
  port: number;
  url: string;
  dbPath: string;
  /** SIGTERM both processes, and resolve once both have exited. */
  stop(): Promise<void>;
}

/**
 * A hub as npm start runs it (lib/cli/serve.ts): the worker (migrates, probes, takes batches on its loopback port),
 * then the web server on `port` (0: the OS picks; the same port again after a restart). Not npm start itself: that
 * rebuilds the dashboard whenever a source is newer than the build, minutes a test must not spend.
 */
export async function startHub(options: { env: NodeJS.ProcessEnv; dbPath: string; logPath: string; port?: number }): Promise<Hub> {
  const env = { ...options.env, DATABASE_PATH: options.dbPath };
  const out = openSync(options.logPath, "a");
  const from = readFileSync(options.logPath, "utf8").length;
  const log = () => readFileSync(options.logPath, "utf8").slice(from);
  const worker = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "lib", "cli", "start.ts")], { cwd: PROJECT_ROOT, env, stdio: ["ignore", out, out] });
  const children: ChildProcess[] = [worker];
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
  };
  try {
    await until("the hub's worker to take batches", () => alive(worker, "hub worker", log) && log().includes("hub: taking results"), 120_000);
    const web = await spawnWeb(["-p", String(options.port ?? 0), "-H", "127.0.0.1"], { ...env, NODE_ENV: "production" }, ["ignore", out, out]);
    children.push(web);
    let port = 0;
    await until("the hub's web server to listen", () => {
      alive(web, "hub web", log);
      const m = /listening on http:\/\/\S+?:(\d+)/.exec(log());
      if (m) port = Number(m[1]);
      return port > 0;
    }, 120_000);
    const url = `http://127.0.0.1:${port}`;
    await until("the hub to answer /api/v1/vantages", async () => (await fetch(`${url}/api/v1/vantages`).catch(() => null))?.ok === true, 120_000);
    return { port, url, dbPath: options.dbPath, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- ${options.logPath} ---\n${log().slice(-3_000)}`);
  } finally {
    closeSync(out);
  }
}

function alive(child: ChildProcess, name: string, log: () => string): true {
  if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode})\n${log().slice(-2_000)}`);
  return true;
}

/** SIGTERM, SIGKILL after 15 s; resolves once it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

export interface VantageProcess {
  id: string;
  dbPath: string;
  logPath: string;
  /** Start `npm run vantage` (again, on the same database). */
  start(): void;
  /** SIGKILL to its whole process group; resolves once no process of the group is left. */
  kill9(): Promise<void>;
  /** SIGTERM to the group; SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** `npm run vantage` with `env`, output appended to `logPath`, in a process group of its own. */
export function vantageProcess(id: string, env: NodeJS.ProcessEnv, dbPath: string, logPath: string): VantageProcess {
  let child: ChildProcess | null = null;
  const groupGone = (pid: number) => {
    try {
      process.kill(-pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  const signalGroup = async (signal: NodeJS.Signals, timeoutMs: number) => {
    const c = child;
    if (!c?.pid) return;
    child = null;
    try {
      process.kill(-c.pid, signal);
    } catch {
      return;
    }
    const end = Date.now() + timeoutMs;
    while (!groupGone(c.pid) && Date.now() < end) await sleep(50);
    if (!groupGone(c.pid)) {
      process.kill(-c.pid, "SIGKILL");
      await until(`vantage ${id}'s processes to die`, () => groupGone(c.pid!), 30_000);
    }
  };
  return {
    id,
    dbPath,
    logPath,
    start() {
      const out = openSync(logPath, "a");
      child = spawn("npm", ["run", "-s", "vantage"], { cwd: PROJECT_ROOT, env: { ...env, DATABASE_PATH: dbPath }, stdio: ["ignore", out, out], detached: true });
      closeSync(out);
    },
    kill9: () => signalGroup("SIGKILL", 30_000),
    stop: () => signalGroup("SIGTERM", 15_000),
  };
}

/**
 * A hub's config for these tests and benches: it only collects (and reads the official page), its plan is edge, web
 * and status every `intervalSeconds`, `extra` lines go in as they are, and each id is a vantage named as given whose
 * secret comes from WITNESS_VANTAGE_<ID>_SECRET (see secretEnv).
 */
export function writeHubConfig(path: string, opts: { ids: readonly string[]; names?: Record<string, string>; intervalSeconds?: number; statusSeconds?: number; extra?: readonly string[] }): string {
  const every = opts.intervalSeconds ?? 10;
  writeFileSync(
    path,
    [
      "vantage: { probe: false }",
      "probes:",
      `  edge: { intervalSeconds: ${every}, timeoutMs: ${Math.min(5000, every * 600)} }`,
      `  web: { intervalSeconds: ${every}, timeoutMs: ${Math.min(5000, every * 600)} }`,
      `  status: { intervalSeconds: ${opts.statusSeconds ?? every}, timeoutMs: 5000 }`,
      ...["messages", "stream", "code", "console", "browser"].map((k) => `  ${k}: { enabled: false }`),
      ...(opts.extra ?? []),
      "vantages:",
      ...opts.ids.map((id) => `  - { id: ${id}, name: ${opts.names?.[id] ?? id}, secret: "\${${secretEnvName(id)}}" }`),
      "",
    ].join("\n"),
  );
  return path;
}

/** The environment variable a hub config made by writeHubConfig reads a vantage's secret from. */
export const secretEnvName = (id: string) => `WITNESS_VANTAGE_${id.toUpperCase()}_SECRET`;

/** Those variables for every vantage: `{ WITNESS_VANTAGE_FRA_SECRET: "whsec_…", … }`. */
export function secretEnv(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).map(([id, secret]) => [secretEnvName(id), secret]));
}

/** A vantage's own config file: it holds only what is local (the plan comes from the hub). */
export function writeVantageConfig(path: string): string {
  writeFileSync(path, "connectivityCheck: { url: null }\n");
  return path;
}

export interface Row {
  series: string;
  startedAt: number;
}

/** The results of `vantage` in the database at `path`, in the order they were stored. */
export function readRows(path: string, vantage: string): Row[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    return db.prepare("SELECT series, started_at AS startedAt FROM probe_results WHERE vantage = ? ORDER BY id").all(vantage) as Row[];
  } finally {
    db.close();
  }
}

/** One query's rows against the database at `path`, opened read-only for it. */
export function query<T>(path: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 10000");
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export interface VantageListing {
  id: string;
  state: string;
  backlog: number;
  clockSkewMs: number | null;
  accepted: number;
  duplicates: number;
  rejected: number;
}

/** GET /api/v1/vantages from the hub's public port. */
export async function listing(hubUrl: string): Promise<VantageListing[]> {
  const res = await fetch(`${hubUrl}/api/v1/vantages`, { headers: { "cache-control": "no-cache" } });
  if (!res.ok) throw new Error(`/api/v1/vantages: HTTP ${res.status}`);
  return ((await res.json()) as { vantages: VantageListing[] }).vantages;
}
