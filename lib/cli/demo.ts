/**
 * `npm run demo`: the whole product (worker and dashboard) against the built-in simulator, no key and no network
 * needed. The first run backfills two weeks of generated history so the bars and charts have a past; then it replays
 * a small outage on a loop: Claude fails while the official page says operational, then the page admits it, then
 * both recover; then claude.ai's app fails behind a healthy front page, which only the browser probe sees.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { exitWithHelpIfAsked, exitWithUsageError } from "@/lib/cli/common";
import { actSecondsScale, DEMO_ACTS as ACTS, demoConfigYaml } from "@/lib/cli/demo-plan";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { generateHistory, SURFACE_SERIES } from "@/lib/simulator/history";
import { startSimulator } from "@/lib/simulator";
import { freePort, waitForDashboard } from "@/lib/cli/demo-wait";

exitWithHelpIfAsked(`
usage: npm run demo

The whole product (worker and dashboard) against the built-in simulator: no key, no network. Backfills two weeks of
generated history into DATABASE_PATH (default ./data/demo.db) on the first run, then replays a small outage on a loop:
healthy; every other API request overloaded (elevated errors) while the official page says operational; streams
cut while the page posts a fresh incident; recovered, the incident still up until the next loop resolves it; then
claude.ai's app fails behind a front page that answers 200, which only the browser probe (Chromium) sees.
Four surfaces: claude.ai (web, browser), the Claude Console, the Claude API and Claude Code.
The config it runs with (probes every 10 s; console, browser and code every 30 s) is written beside the database
(./data/demo.config.yaml), so the report reads the same database the same way:
  DATABASE_PATH=./data/demo.db WITNESS_CONFIG=./data/demo.config.yaml npm run -s report -- --json
SIMULATOR_PORT picks the simulator's port (default: any free one); PORT the dashboard's (0: any free one, printed).
Ctrl-C stops it.

npm run demo -- --vantages: a hub and two vantages instead (London and Frankfurt, each a process of its own with its
own simulator; DATABASE_PATH default ./data/demo-vantages.db). One vantage's route fails (regional: likely a network
path, not Claude; no page), then a real outage from all three (global, paged, the official page lags), then recovery.
Every alert the hub sends is printed and kept in ./data/demo-vantages.alerts.jsonl.
DEMO_ACT_SECONDS_SCALE=0.5 plays every act, and the probe intervals, at half their length (a number from 0.5 to 1);
with it no history is generated: give it a fresh DATABASE_PATH.
`);
// The vantages' story runs on its own (lib/cli/demo-vantages.ts) and never returns.
if (process.argv.includes("--vantages")) await (await import("@/lib/cli/demo-vantages")).runVantagesDemo();
let scale: number;
try {
  scale = actSecondsScale(process.env);
} catch (err) {
  exitWithUsageError((err as Error).message);
}
const log = createLogger({ secrets: [] });
const sim = await startSimulator({ port: Number(process.env.SIMULATOR_PORT ?? 0) });
const databasePath = resolve(process.env.DATABASE_PATH ?? "./data/demo.db");
const configPath = `${databasePath.replace(/\.db$/, "")}.config.yaml`;
mkdirSync(dirname(databasePath), { recursive: true });
writeFileSync(configPath, demoConfigYaml(scale));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ANTHROPIC_API_KEY: "sk-demo-not-a-real-key",
  ANTHROPIC_BASE_URL: sim.url,
  CLAUDE_WEB_URL: sim.url,
  CLAUDE_CONSOLE_URL: `${sim.url}/console`,
  STATUS_PAGE_URL: sim.url,
  DATABASE_PATH: databasePath,
  WITNESS_CONFIG: configPath,
  // Every page then carries the banner saying this is the simulator and generated history, not Claude.
  WITNESS_DEMO: "1",
};

// PORT=0: any free port, chosen here so the demo knows where the dashboard will answer and can say so.
if (env.PORT === "0") env.PORT = String(await freePort());

if (!existsSync(databasePath)) {
  const store = openDatabase(databasePath);
  migrateDatabase(store.db);
  // Generated with the config the worker then runs with: a result every probe interval, a component row every
  // official heartbeat, so the detector, coverage and the official reading take the past as they take the present.
  if (scale === 1) {
    const history = generateHistory(store, loadConfig(env), { days: 14, now: Date.now() - 60_000, seed: 14, series: SURFACE_SERIES });
    log.info(`demo: backfilled ${history.results} generated results and ${history.measuredIncidents} incidents over 14 days into ${databasePath} (generated, not measured)`);
  }
  store.close();
}
log.info(`demo: config ${configPath}; the report on this database: DATABASE_PATH=${databasePath} WITNESS_CONFIG=${configPath} npm run -s report -- --json`);

let act = 0;
let timer: NodeJS.Timeout | undefined;
function nextAct(): void {
  const current = ACTS[act % ACTS.length]!;
  log.info(`demo: ${current.say}`);
  current.apply(sim);
  act += 1;
  timer = setTimeout(nextAct, current.seconds * scale * 1000);
}
ACTS[0]!.apply(sim);

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
if (await waitForDashboard(dashboard, () => serveExited, log)) {
  log.info("demo: the dashboard answers; starting the acts");
  nextAct();
}
