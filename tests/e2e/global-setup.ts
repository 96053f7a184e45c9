/**
 * Before any spec: a temporary directory with a seeded database, a production build (made when missing or older than
 * the sources), and the web server npm start runs (lib/cli/web.ts) on a free loopback port. Its URL reaches the tests as WITNESS_E2E_BASE_URL.
 *
 * No warm-up: pages are rendered per request from data the server reads itself (lib/web/cache.ts), so the first visit
 * already shows the seeded database; the specs check that it does (fixtures.ts gotoFresh, stale-pages.spec.ts).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT, runNextBuild, webBuildState } from "@/lib/cli/serve";
import { PROBE_KINDS } from "@/probes/types";
import { seedDatabase } from "./seed";
import { E2E_ALERTS_YAML, E2E_MODELS_YAML, ENV_BASE_URL, ENV_REBUILD, ENV_SEEDED_AT, ENV_SERVER_PID, ENV_TMP_DIR, serverEnv, serverHandle, startServer } from "./server";

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "witness-e2e-"));
  process.env[ENV_TMP_DIR] = dir;
  const dbPath = join(dir, "witness.db");
  const env = serverEnv(dir, dbPath);
  // The seeded "now" (the open outage, the last results) must stay now for the whole run: a series reads as having
  // no recent data 2.5 intervals after its last result, 150 s at the default minute, and a slow machine runs the
  // specs for longer than that. With 5-minute intervals it lasts 12.5 minutes; the history itself is per minute.
  writeFileSync(env.WITNESS_CONFIG!, PROBE_KINDS.map((kind) => `  ${kind}: { intervalSeconds: 300 }`).join("\n").replace(/^/, "probes:\n") + `\n${E2E_MODELS_YAML}\n${E2E_ALERTS_YAML}\n`);
  // Specs that open the database or read the configuration themselves find the same ones.
  Object.assign(process.env, { DATABASE_PATH: dbPath, WITNESS_CONFIG: env.WITNESS_CONFIG });

  // A build is reused when it is newer than every source; WITNESS_E2E_REBUILD=1 forces one.
  const build = process.env[ENV_REBUILD] === "1" ? ({ state: "forced" } as const) : webBuildState();
  if (build.state !== "fresh") {
    const why = build.state === "missing" ? "no production build" : build.state === "forced" ? `${ENV_REBUILD}=1` : `build older than ${build.newer}`;
    process.stderr.write(`e2e: ${why}: running next build\n`);
    const code = await runNextBuild(PROJECT_ROOT, env);
    if (code !== 0) throw new Error(`next build failed (exit ${code})`);
  }

  // Seeded after any build: its "now" (the open incident, the last results) ages from here, and specs assert it.
  const seeded = await seedDatabase(dbPath);
  process.env[ENV_SEEDED_AT] = String(seeded.seededAt);

  const server = await startServer(env, join(dir, "server.log"));
  serverHandle.child = server.child;
  process.env[ENV_SERVER_PID] = String(server.child.pid);
  process.env[ENV_BASE_URL] = server.baseUrl;
}
