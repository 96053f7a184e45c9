/**
 * Before any spec: a temporary directory with a seeded database, a production build (made when missing or older than
 * the sources), and `next start` on a free loopback port. Its URL reaches the tests as WITNESS_E2E_BASE_URL.
 *
 * The pages are ISR (revalidate 30 s): a reused build serves what it prerendered from another database until its
 * first request regenerates them. So after start, each ISR page is requested until it was generated after seeding.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nextBin, nextEnv, PROJECT_ROOT, runNextBuild, webBuildState } from "@/lib/cli/serve";
import { seedDatabase } from "./seed";
import { E2E_API_KEY_CANARY, ENV_BASE_URL, ENV_REBUILD, ENV_SEEDED_AT, ENV_SERVER_PID, ENV_TMP_DIR, ISR_PATHS, serverHandle } from "./server";

const STARTUP_TIMEOUT_MS = 60_000;
/** A regeneration is due 30 s after the page was made: a build just made needs up to that long. */
const WARM_UP_TIMEOUT_MS = 60_000;

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "witness-e2e-"));
  process.env[ENV_TMP_DIR] = dir;
  const dbPath = join(dir, "witness.db");

  const env: NodeJS.ProcessEnv = nextEnv({
    ...process.env,
    DATABASE_PATH: dbPath,
    // The web app never probes, but nothing in a test run may reach a real host whatever it does.
    ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
    CLAUDE_WEB_URL: "http://127.0.0.1:9",
    STATUS_PAGE_URL: "http://127.0.0.1:9",
    NODE_ENV: "production",
  });
  // Never the developer's key: a canary the specs look for in every page (the web app never probes, so it is never sent).
  env.ANTHROPIC_API_KEY = E2E_API_KEY_CANARY;
  // The defaults, whatever WITNESS_CONFIG or ./witness.config.yaml a developer has: tests see a known configuration.
  const configPath = join(dir, "witness.config.yaml");
  writeFileSync(configPath, "{}\n");
  env.WITNESS_CONFIG = configPath;
  // Specs that open the database or read the configuration themselves find the same ones.
  Object.assign(process.env, { DATABASE_PATH: dbPath, WITNESS_CONFIG: configPath });

  const seeded = await seedDatabase(dbPath);
  process.env[ENV_SEEDED_AT] = String(seeded.seededAt);

  // A build is reused when it is newer than every source. Pages prerendered at build time would show the data of
  // whatever database that build read: WITNESS_E2E_REBUILD=1 forces a build against the seeded one.
  const build = process.env[ENV_REBUILD] === "1" ? ({ state: "forced" } as const) : webBuildState();
  if (build.state !== "fresh") {
    const why = build.state === "missing" ? "no production build" : build.state === "forced" ? `${ENV_REBUILD}=1` : `build older than ${build.newer}`;
    process.stderr.write(`e2e: ${why}: running next build\n`);
    const code = await runNextBuild(PROJECT_ROOT, env);
    if (code !== 0) throw new Error(`next build failed (exit ${code})`);
  }

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logPath = join(dir, "server.log");
  const log = openSync(logPath, "a");
  const child = spawn(process.execPath, [nextBin(), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ["ignore", log, log],
  });
  serverHandle.child = child;
  process.env[ENV_SERVER_PID] = String(child.pid);

  try {
    await waitUntilUp(baseUrl, child);
  } catch (err) {
    child.kill("SIGKILL");
    const output = readFileSync(logPath, "utf8").slice(-4_000);
    throw new Error(`${(err as Error).message}\n--- server.log ---\n${output}`);
  }
  process.env[ENV_BASE_URL] = baseUrl;
  await warmUp(baseUrl, seeded.seededAt);
}

/** Request each ISR page until the copy served was generated after seeding (its data-generated-at). */
async function warmUp(baseUrl: string, seededAt: number): Promise<void> {
  const deadline = Date.now() + WARM_UP_TIMEOUT_MS;
  for (const path of ISR_PATHS) {
    for (;;) {
      const res = await fetch(baseUrl + path, { signal: AbortSignal.timeout(10_000) });
      const html = await res.text();
      const generatedAt = Number(/data-generated-at="(\d+)"/.exec(html)?.[1] ?? 0);
      if (res.status === 200 && generatedAt >= seededAt) break;
      if (Date.now() > deadline) throw new Error(`${path} still serves a page generated before the seed (status ${res.status}, generated ${generatedAt})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

async function waitUntilUp(baseUrl: string, child: ChildProcess): Promise<void> {
  let exited: string | null = null;
  child.once("exit", (code, signal) => (exited = signal ? `signal ${signal}` : `code ${code}`));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`next start exited before answering (${exited})`);
    try {
      const res = await fetch(baseUrl, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`next start did not answer at ${baseUrl} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}
