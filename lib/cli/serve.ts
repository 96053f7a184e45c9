/**
 * `npm start`: the whole product in one command. Applies migrations once (so the web app, which opens the database
 * read-only, never finds it missing), builds the web app when there is no build or it is older than the sources, then
 * runs two children until SIGINT/SIGTERM:
 *
 *   web     lib/cli/web.ts -p $PORT: Next behind the front server of lib/web/front.ts (the dashboard, reading the database)
 *   worker  lib/cli/start.ts (the probes, writing it)
 *
 * A signal is forwarded to both; exit 0 once both have stopped cleanly. If either exits on its own, the other is
 * stopped and the exit is non-zero, so a supervisor (systemd, Docker) restarts the pair instead of running half of it.
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createServer } from "node:net";
import { buildChannelsOrExit, createCliLogger, exitWithHelpIfAsked, exitWithUsageError, loadConfigOrExit, openStoreOrExit, refuseUselessStartOrExit } from "@/lib/cli/common";

/** The project root: where package.json, next.config.ts and .next live. */
export const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What the production build is made from; a file here newer than .next/BUILD_ID means the build is stale. */
const BUILD_INPUTS = ["app", "lib", "db", "probes", "public", "instrumentation.ts", "next.config.ts", "tsconfig.json", "package.json", "package-lock.json"];

export type BuildState = { state: "fresh" } | { state: "missing" } | { state: "stale"; newer: string };

/** Is there a production build of the web app, and is it at least as new as every source it is made from? */
export function webBuildState(root: string = PROJECT_ROOT): BuildState {
  const buildId = join(root, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return { state: "missing" };
  const builtAt = statSync(buildId).mtimeMs;
  for (const input of BUILD_INPUTS) {
    const newer = findNewer(join(root, input), builtAt);
    if (newer) return { state: "stale", newer: newer.slice(root.length).replace(/^[/\\]/, "") };
  }
  return { state: "fresh" };
}

function findNewer(path: string, than: number): string | null {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return null;
  }
  if (!stat.isDirectory()) return stat.mtimeMs > than ? path : null;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const found = findNewer(join(path, entry), than);
    if (found) return found;
  }
  return null;
}

/** next's CLI entry, run with this Node (no npx or shell in between, so signals reach the server itself). */
export function nextBin(root: string = PROJECT_ROOT): string {
  return createRequire(join(root, "package.json")).resolve("next/dist/bin/next");
}

/** The environment every next command gets. */
export function nextEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, NEXT_TELEMETRY_DISABLED: "1" };
}

/**
 * How the web server runs: Node's flags and environment that keep it small. The front's thread makes only short-lived
 * garbage (answers, headers), so a 2 MB semi-space (V8's default: 16 MB, three of them) is collected often and cheaply;
 * Next's thread has its young generation capped by its own resourceLimits (lib/cli/web.ts). glibc gives each busy
 * thread (the front, Next's, libuv's pool compressing snapshots) a malloc arena of its own and seldom returns their
 * pages: two arenas are plenty. On the crowd's floods (npm run bench -- crowd) the two took the web server from 358 to
 * 249 MB resident after them. Every caller that starts the web server (npm start, the tests, the benchmarks) uses these.
 */
export function webCommand(entry: string[], args: string[], env: NodeJS.ProcessEnv = process.env): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: ["--max-semi-space-size=2", ...entry, ...args], env: { MALLOC_ARENA_MAX: "2", ...nextEnv(env) } };
}

/** Run `next build` in `root`, output inherited. Resolves with its exit code (a signal counts as failure). */
export function runNextBuild(root: string = PROJECT_ROOT, env: NodeJS.ProcessEnv = process.env, onSpawn?: (child: ChildProcess) => void): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [nextBin(root), "build"], { cwd: root, env: nextEnv(env), stdio: "inherit" });
    onSpawn?.(child);
    child.on("error", () => done(1));
    child.on("exit", (code) => done(code ?? 1));
  });
}

/**
 * An entry point (lib/cli/start.ts: the worker; lib/cli/web.ts: the web server) as one ESM bundle in .next/
 * (packages stay external). Run as plain JavaScript it is about 40 MB smaller resident than TypeScript compiled on the
 * fly by tsx. Takes tens of milliseconds, so it is redone at every start. `outfile` elsewhere is for tests, which must
 * not rewrite the bundle a running npm start loads; it must stay inside the project so the packages still resolve.
 */
export async function bundleEntry(name: "start" | "web" | "browser-child", root: string = PROJECT_ROOT, outfile = join(root, ".next", BUNDLE_FILES[name])): Promise<string> {
  const { build } = await import("esbuild");
  await build({
    entryPoints: [name === "browser-child" ? join(root, "probes", "browser-child.ts") : join(root, "lib", "cli", `${name}.ts`)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile,
    logLevel: "warning",
    // The worker's import.meta.url is db/migrate.ts's, which finds the migrations beside it; the web server's is
    // PROJECT_ROOT above (it never migrates): keep each pointing where its source is. probes/browser.ts finds the project
    // root as the folder above its own, which db/migrate.ts's URL also gives. The browser child uses none.
    define: { "import.meta.url": JSON.stringify(pathToFileURL(name === "web" ? join(root, "lib", "cli", "serve.ts") : join(root, "db", "migrate.ts")).href) },
  });
  return outfile;
}

const BUNDLE_FILES = { start: "witness-worker.mjs", web: "witness-web.mjs", "browser-child": "witness-browser-child.mjs" } as const;

/** The worker's bundle (bundleEntry). */
export function bundleWorker(root: string = PROJECT_ROOT): Promise<string> {
  return bundleEntry("start", root);
}

/** The web server from its bundle, as npm start runs it (webCommand), with `args` (-p, -H): for the tests and benchmarks. */
export async function spawnWeb(args: string[], env: NodeJS.ProcessEnv, stdio: StdioOptions): Promise<ChildProcess> {
  const web = webCommand([await bundleWeb()], args, env);
  return spawn(process.execPath, web.args, { cwd: PROJECT_ROOT, env: web.env, stdio });
}

/** The web server's bundle (bundleEntry), run as `node <bundle> -p <port> [-H <host>]`. */
export function bundleWeb(root: string = PROJECT_ROOT): Promise<string> {
  return bundleEntry("web", root);
}

// ---------------------------------------------------------------------------------------------------------------

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

interface Managed {
  name: string;
  child: ChildProcess;
  exited: boolean;
}

const USAGE = `
usage: npm start

Witness in one command: migrates DATABASE_PATH, builds the dashboard when needed, then runs the probe worker and the
dashboard on PORT (default 3000) until SIGINT or SIGTERM. Configuration: WITNESS_CONFIG (default
./witness.config.yaml) and the environment variables in the README. Other commands: npm run -s probe -- --help,
npm run -s report -- --help, npm run -s backup -- --help.
`;

/** Resolves with the listen error's code (EADDRINUSE, EACCES) or null once `port` could be bound and was let go. */
function tryPort(port: number): Promise<string | null> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => done(err.code ?? "error"));
    probe.listen(port, () => probe.close(() => done(null)));
  });
}

async function main(): Promise<void> {
  exitWithHelpIfAsked(USAGE);
  const config = loadConfigOrExit();
  refuseUselessStartOrExit(config);
  // Before a build that can take minutes: a port clash is said at once, with the fix.
  const portProblem = await tryPort(config.port);
  if (portProblem === "EADDRINUSE") exitWithUsageError(`port ${config.port} is already in use: set PORT=<another port> (or stop what holds ${config.port})`);
  if (portProblem) exitWithUsageError(`cannot listen on port ${config.port} (${portProblem}): set PORT=<another port>`);
  const log = createCliLogger(config);
  // An alert channel that cannot be built is a configuration error: exit 2 before building or starting anything.
  buildChannelsOrExit(config);

  // Migrate once, before either child starts: the web app opens the file read-only and must find the schema there.
  openStoreOrExit(config).close();

  // Relative paths are resolved here, once, so both children (run from the project root) open the same files.
  const childEnv = nextEnv(process.env);
  if (config.databasePath !== ":memory:") childEnv.DATABASE_PATH = resolve(config.databasePath);
  if (config.configPath) childEnv.WITNESS_CONFIG = resolve(config.configPath);

  let stopSignal: NodeJS.Signals | null = null;
  let building: ChildProcess | null = null;
  const managed: Managed[] = [];

  let hardStop: NodeJS.Timeout | null = null;
  // The worker gives in-flight probes shutdownGraceMs; anything still running well after that is killed.
  const armHardStop = () => {
    if (hardStop) return;
    hardStop = setTimeout(() => {
      for (const m of managed) {
        if (m.exited) continue;
        log.error(`${m.name} did not stop in time: killing it`);
        m.child.kill("SIGKILL");
      }
    }, config.shutdownGraceMs + 10_000);
    hardStop.unref();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopSignal) log.info(`${signal}: stopping the web server and the worker`);
    stopSignal ??= signal;
    // A terminal's Ctrl-C reaches the children too; both ignore a repeated signal, so forwarding is harmless.
    building?.kill(signal);
    for (const m of managed) if (!m.exited) m.child.kill(signal);
    armHardStop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const build = webBuildState();
  if (build.state !== "fresh") {
    log.info(build.state === "missing" ? "no production build of the web app: running next build" : `web app build is older than ${build.newer}: running next build`);
    const code = await runNextBuild(PROJECT_ROOT, childEnv, (child) => (building = child));
    building = null;
    if (stopSignal) process.exit(0);
    if (code !== 0) {
      log.error(`next build failed (exit ${code})`);
      process.exit(1);
    }
  }
  if (stopSignal) process.exit(0);

  const start = (name: string, args: string[], env = childEnv): Managed => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: "inherit" });
    const m: Managed = { name, child, exited: false };
    child.on("error", (err) => {
      log.error(`${name}: cannot start: ${err.message}`);
      if (!m.exited) onExit(m, 1, null);
    });
    child.on("exit", (code, signal) => onExit(m, code, signal));
    managed.push(m);
    return m;
  };

  let exitCode = 0;
  const onExit = (m: Managed, code: number | null, signal: NodeJS.Signals | null) => {
    if (m.exited) return;
    m.exited = true;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopSignal) {
      // Next exits 128+signal after a graceful stop (130, 143); the worker exits 0.
      const signo = SIGNAL_NUMBERS[stopSignal];
      const clean = code === 0 || signal === stopSignal || (signo !== undefined && code === 128 + signo);
      if (!clean) {
        log.error(`${m.name} stopped badly (${how})`);
        exitCode = 1;
      }
    } else {
      log.error(`${m.name} exited unexpectedly (${how}): stopping the rest`);
      exitCode = code && code > 0 ? code : 1;
      stopSignal = "SIGTERM";
      for (const other of managed) if (!other.exited) other.child.kill("SIGTERM");
      armHardStop();
    }
    if (managed.every((x) => x.exited)) {
      if (exitCode === 0) log.info("stopped");
      process.exit(exitCode);
    }
  };

  // Plain Node on a bundle (or `--import tsx` if bundling failed), never the tsx CLI: one process, so the signal
  // reaches the server or worker itself.
  const bundled = async (name: "start" | "web") =>
    bundleEntry(name)
      .then((file) => [file])
      .catch((err: Error) => {
        log.warn(`${name} bundle failed (${err.message.split("\n")[0]}): running it through tsx`);
        return ["--import", "tsx", join(PROJECT_ROOT, "lib", "cli", `${name}.ts`)];
      });
  // The browser probe's child, bundled like the worker; when that fails the worker runs its source through tsx.
  await bundleEntry("browser-child")
    .then((file) => (childEnv.WITNESS_BROWSER_CHILD = file))
    .catch((err: Error) => log.warn(`browser-child bundle failed (${err.message.split("\n")[0]}): the browser probe runs it through tsx`));
  const web = webCommand(await bundled("web"), ["-p", String(config.port)], childEnv);
  start("web", web.args, web.env);
  // The database was checked and migrated above: the worker need not read it through again.
  start("worker", [...(await bundled("start")), "--checked"]);
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) await main();
