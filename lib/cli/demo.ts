/**
 * `npm run demo`: the whole product (worker and dashboard) against the built-in simulator, no key and no network
 * needed. The first run backfills two weeks of generated history so the bars and charts have a past; then it replays
 * a small outage on a loop: Claude fails while the official page says operational, then the page admits it, then
 * both recover.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { exitWithHelpIfAsked } from "@/lib/cli/common";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { generateHistory } from "@/lib/simulator/history";
import { startSimulator, type Simulator } from "@/lib/simulator";

/** One step of the loop: how long it lasts and what the simulator does meanwhile. */
interface Act {
  seconds: number;
  say: string;
  apply(sim: Simulator): void;
}

// Loopback answers in a millisecond; a realistic wait makes the timings worth looking at.
const HEALTHY = { fault: "none", ttfbMs: 250, gapMs: 30 } as const;
const ACTS: Act[] = [
  { seconds: 60, say: "healthy", apply: (sim) => sim.setFault("api", HEALTHY) },
  {
    seconds: 90,
    say: "API overloaded on every other request; the official page still says operational",
    apply: (sim) => {
      sim.setFault("api", { fault: "overloaded", every: 2 });
      sim.setStatus({ scenario: "operational", incidents: [] });
    },
  },
  {
    seconds: 60,
    say: "streams die mid-answer; the official page now admits an incident",
    apply: (sim) => {
      sim.setFault("api", { fault: "stream_truncated", mode: "stream" });
      sim.setStatus({ scenario: "incident" });
    },
  },
  { seconds: 60, say: "recovered; the page still shows the incident for a while", apply: (sim) => sim.setFault("api", HEALTHY) },
];

exitWithHelpIfAsked(`
usage: npm run demo

The whole product (worker and dashboard) against the built-in simulator: no key, no network. Backfills two weeks of
generated history into DATABASE_PATH (default ./data/demo.db) on the first run, then replays a small outage on a loop.
SIMULATOR_PORT picks the simulator's port (default: any free one); PORT the dashboard's. Ctrl-C stops it.
`);
const log = createLogger({ secrets: [] });
const sim = await startSimulator({ port: Number(process.env.SIMULATOR_PORT ?? 0) });
const databasePath = resolve(process.env.DATABASE_PATH ?? "./data/demo.db");
// Ten-second intervals so a minute of demo shows something; the real default is a minute. The feed's 5-minute floor
// would hide every demo incident (the outage acts last 90 + 60 s): at 1 minute the incident the truncated streams open reaches
// /feed.xml about a minute after it opens.
const DEMO_FEED = "feed: { minIncidentMinutes: 1 }\n";
const configPath = join(mkdtempSync(join(tmpdir(), "witness-demo-")), "witness.config.yaml");
writeFileSync(configPath, `probes:\n${["messages", "stream", "edge", "web", "status"].map((k) => `  ${k}: { intervalSeconds: 10 }`).join("\n")}\nofficial: { heartbeatMinutes: 1, historyIntervalMinutes: 1 }\n${DEMO_FEED}`);
const env = {
  ...process.env,
  ANTHROPIC_API_KEY: "sk-demo-not-a-real-key",
  ANTHROPIC_BASE_URL: sim.url,
  CLAUDE_WEB_URL: sim.url,
  STATUS_PAGE_URL: sim.url,
  DATABASE_PATH: databasePath,
  WITNESS_CONFIG: configPath,
  // Every page then carries the banner saying this is the simulator and generated history, not Claude.
  WITNESS_DEMO: "1",
};

if (!existsSync(databasePath)) {
  const store = openDatabase(databasePath);
  migrateDatabase(store.db);
  // The history has one result a minute: read it with minute intervals, or the detector and the coverage rule would
  // take every minute for a gap (2.5 × 10 s) and the backfill would show no measured incident at all.
  const demoConfig = loadConfig(env);
  const minutely = Object.fromEntries(Object.entries(demoConfig.probes).map(([kind, p]) => [kind, { ...p, intervalSeconds: 60 }])) as typeof demoConfig.probes;
  const history = generateHistory(store, { ...demoConfig, probes: minutely }, { days: 14, now: Date.now() - 60_000, seed: 14 });
  store.close();
  log.info(`demo: backfilled ${history.results} generated results and ${history.measuredIncidents} incidents over 14 days into ${databasePath} (generated, not measured)`);
}

let act = 0;
let timer: NodeJS.Timeout | undefined;
function nextAct(): void {
  const current = ACTS[act % ACTS.length]!;
  log.info(`demo: ${current.say}`);
  current.apply(sim);
  act += 1;
  timer = setTimeout(nextAct, current.seconds * 1000);
}
sim.setStatus({ scenario: "operational", incidents: [] });
sim.setFault("api", HEALTHY);

// The real `npm start` (worker and dashboard), pointed at the simulator.
const serve = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "lib", "cli", "serve.ts")], { cwd: PROJECT_ROOT, env, stdio: "inherit" });
const dashboard = `http://127.0.0.1:${loadConfig(env).port}`;
log.info(`demo: simulator at ${sim.url}; dashboard at ${dashboard} once built; Ctrl-C to stop`);
let serveExited = false;
serve.once("exit", () => (serveExited = true));
const forward = (signal: NodeJS.Signals) => serve.kill(signal);
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
serve.on("exit", async (code) => {
  clearTimeout(timer);
  await sim.close();
  process.exit(code ?? 0);
});

// The acts start once the dashboard answers: a first build can take minutes, and an act played to nobody is lost.
if (await waitForDashboard(dashboard, () => serveExited)) {
  log.info("demo: the dashboard answers; starting the acts");
  nextAct();
}

/** Poll `base`/api/health until it answers at all (503 while the worker warms up counts); false if serve exits or 15 min pass. */
async function waitForDashboard(base: string, hasExited: () => boolean, timeoutMs = 15 * 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !hasExited()) {
    try {
      await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2_000) });
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  if (!hasExited()) log.info("demo: the dashboard did not answer within 15 minutes; the acts do not start");
  return false;
}
