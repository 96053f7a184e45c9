/**
 * Shared by global setup, teardown and the specs that run servers of their own: the environment variables that carry
 * the test server between them, and how a production server is started on a database and stopped.
 */
import type { ChildProcess } from "node:child_process";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnWeb, nextEnv, PROJECT_ROOT } from "@/lib/cli/serve";

export const ENV_BASE_URL = "WITNESS_E2E_BASE_URL";
export const ENV_SERVER_PID = "WITNESS_E2E_SERVER_PID";
export const ENV_TMP_DIR = "WITNESS_E2E_TMP_DIR";
/** Set to 1 to run next build even when the existing build is newer than the sources. */
export const ENV_REBUILD = "WITNESS_E2E_REBUILD";
/** Set to 1 to keep the temporary directory (database, server.log) after the run. */
export const ENV_KEEP = "WITNESS_E2E_KEEP";

/** Setup and teardown run in the same runner process: the handle lets teardown wait for the real exit. */
export const serverHandle: { child: ChildProcess | null } = ((globalThis as { __witnessE2eServer?: { child: ChildProcess | null } }).__witnessE2eServer ??= {
  child: null,
});

/** When the database was seeded (epoch ms): a page generated before it would show another database's data. */
export const ENV_SEEDED_AT = "WITNESS_E2E_SEEDED_AT";

/**
 * The ANTHROPIC_API_KEY the test server runs with: never a real key, and a string no page may ever contain. Specs
 * assert it appears in no HTML or RSC payload.
 */
export const E2E_API_KEY_CANARY = "sk-ant-e2e-CANARY-0d9f3b7e-must-never-be-rendered";

/**
 * Alert channels global setup configures (the web app only lists them; nothing is sent). Their URL, signing secret and
 * bot token are canaries too: /methodology names each channel by type and name, and no page may contain these.
 */
export const E2E_ALERT_CANARIES = ["https://hooks.example.com/CANARY-hook-token", "whsec_CANARYsigningSecret0000", "123456:CANARY-bot-token"] as const;
/** The models the generated history measured (lib/simulator/history.ts): the home page lists only configured series. */
export const E2E_MODELS_YAML = "models: [claude-haiku-4-5, claude-sonnet-4-5, claude-opus-4-5]";

export const E2E_ALERTS_YAML = [
  "alerts:",
  "  channels:",
  `    - { name: ops, type: webhook, url: "${E2E_ALERT_CANARIES[0]}", secret: ${E2E_ALERT_CANARIES[1]} }`,
  `    - { name: pager, type: telegram, botToken: "${E2E_ALERT_CANARIES[2]}", chatId: 42, events: [incident.opened, incident.resolved], surfaces: [api], minIncidentMinutes: 5 }`,
].join("\n");

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * The environment of a test server on `dbPath`: a known configuration (the defaults with the history's models, whatever
 * WITNESS_CONFIG or ./witness.config.yaml a developer has), no reachable upstream, and the canary for a key. Writes the config file.
 */
export function serverEnv(dir: string, dbPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const configPath = join(dir, "witness.config.yaml");
  writeFileSync(configPath, `${E2E_MODELS_YAML}\n`);
  return nextEnv({
    ...process.env,
    DATABASE_PATH: dbPath,
    WITNESS_CONFIG: configPath,
    // The web app never probes, but nothing in a test run may reach a real host whatever it does.
    ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
    CLAUDE_WEB_URL: "http://127.0.0.1:9",
    CLAUDE_CONSOLE_URL: "http://127.0.0.1:9",
    STATUS_PAGE_URL: "http://127.0.0.1:9",
    NODE_ENV: "production",
    // Never the developer's key: a canary the specs look for in every page (the web app never probes, so it is never sent).
    ANTHROPIC_API_KEY: E2E_API_KEY_CANARY,
    ...extra,
  });
}

export interface TestServer {
  baseUrl: string;
  child: ChildProcess;
  /** Everything the server printed so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

/** The web server npm start runs (lib/cli/web.ts) on the existing build, a free loopback port and `env`, once it answers; output to `logPath`. */
export async function startServer(env: NodeJS.ProcessEnv, logPath: string): Promise<TestServer> {
  const out = openSync(logPath, "a");
  const logged = readFileSync(logPath, "utf8").length;
  // -p 0: the OS picks the port (no window in which another process can take a port we chose); it is read off the
  // server's "listening on" line.
  const child = await spawnWeb(["-p", "0", "-H", "127.0.0.1"], env, ["ignore", out, out]);
  const server: TestServer = { baseUrl: "", child, log: () => readFileSync(logPath, "utf8"), stop: () => stopChild(child) };
  try {
    const port = await waitForPort(() => server.log().slice(logged), child);
    server.baseUrl = `http://127.0.0.1:${port}`;
    await waitUntilUp(server.baseUrl, child);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n--- ${logPath} ---\n${server.log().slice(-4_000)}`);
  }
  return server;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** The port the server printed in its "listening on" line (lib/cli/web.ts), once it has. */
async function waitForPort(log: () => string, child: ChildProcess): Promise<number> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const m = /listening on http:\/\/\S+?:(\d+)/.exec(log());
    if (m) return Number(m[1]);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the web server exited before listening (code ${child.exitCode}, signal ${child.signalCode})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the web server did not say where it listens within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

async function waitUntilUp(baseUrl: string, child: ChildProcess): Promise<void> {
  let exited: string | null = null;
  child.once("exit", (code, signal) => (exited = signal ? `signal ${signal}` : `code ${code}`));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the web server exited before answering (${exited})`);
    try {
      // The health route reads no page: probing "/" here would itself be the first visit a spec means to check.
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status < 500 || res.status === 503) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the web server did not answer at ${baseUrl} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}
