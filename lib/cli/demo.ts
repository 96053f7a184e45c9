/**
 * `npm run demo`: the whole product against the built-in simulator, no key and no network needed. It replays a
 * small outage on a loop: Claude fails while the official page says operational, then the page admits it, then
 * both recover.
 */
import { loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { planProbes } from "@/lib/targets";
import { Worker } from "@/lib/worker";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { startSimulator, type Simulator } from "@/tests/simulator";

/** One step of the loop: how long it lasts and what the simulator does meanwhile. */
interface Act {
  seconds: number;
  say: string;
  apply(sim: Simulator): void;
}

const ACTS: Act[] = [
  // Loopback answers in a millisecond; a realistic wait makes the timings worth looking at.
  { seconds: 40, say: "healthy", apply: (sim) => sim.setFault("api", { fault: "none", ttfbMs: 250, gapMs: 30 }) },
  {
    seconds: 40,
    say: "API overloaded on every other request; the official page still says operational",
    apply: (sim) => {
      sim.setFault("api", { fault: "overloaded", every: 2 });
      sim.setStatus({ scenario: "operational" });
    },
  },
  {
    seconds: 40,
    say: "streams die mid-answer; the official page now admits an incident",
    apply: (sim) => {
      sim.setFault("api", { fault: "stream_truncated", mode: "stream" });
      sim.setStatus({ scenario: "incident" });
    },
  },
  {
    seconds: 40,
    say: "recovered; the page still shows the incident for a while",
    apply: (sim) => sim.setFault("api", { fault: "none", ttfbMs: 250, gapMs: 30 }),
  },
];

const sim = await startSimulator({ port: Number(process.env.SIMULATOR_PORT ?? 0) });
const demoEnv = {
  ...process.env,
  ANTHROPIC_API_KEY: "sk-demo-not-a-real-key",
  ANTHROPIC_BASE_URL: sim.url,
  CLAUDE_WEB_URL: sim.url,
  STATUS_PAGE_URL: sim.url,
  DATABASE_PATH: process.env.DATABASE_PATH ?? "./data/demo.db",
};
const base = loadConfig(demoEnv);
// Ten-second intervals so a minute of demo shows something; the real default is a minute.
const config = { ...base, probes: Object.fromEntries(Object.entries(base.probes).map(([k, v]) => [k, { ...v, intervalSeconds: 10 }])) as typeof base.probes };
const log = createLogger({ secrets: [] });
const store = openDatabase(config.databasePath);
migrateDatabase(store.db);
const worker = new Worker(config, store.db, log);
worker.start(planProbes(config).probes);
log.info(`demo: simulator at ${sim.url}, database ${config.databasePath}; Ctrl-C to stop`);

let act = 0;
let timer: NodeJS.Timeout;
function nextAct(): void {
  const current = ACTS[act % ACTS.length]!;
  log.info(`demo: ${current.say}`);
  current.apply(sim);
  act += 1;
  timer = setTimeout(nextAct, current.seconds * 1000);
}
nextAct();

async function shutdown(): Promise<void> {
  clearTimeout(timer);
  await worker.stop();
  store.close();
  await sim.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
