/** `npm run worker` (and the worker half of `npm start`): migrate, then run the probe worker until SIGINT/SIGTERM. */
import { buildChannelsOrExit, createCliLogger, exitWithHelpIfAsked, exitWithUsageError, loadConfigOrExit, openStoreOrExit, refuseUselessStartOrExit } from "@/lib/cli/common";
import { describeStartup } from "@/lib/cli/startup-summary";
import { ownNetworkOf } from "@/lib/measure/connectivity";
import { planProbes } from "@/lib/measure/targets";
import { Worker } from "@/lib/measure/worker";
import { describeWriteError } from "@/lib/keep/database-file";
import { acquireWriterLease, describeHolder, holdWriterLease, LEASE_STALE_MS } from "@/lib/keep/writer-lease";

exitWithHelpIfAsked(`
usage: npm run worker

The probe worker alone (npm start runs it beside the dashboard): migrates DATABASE_PATH, takes the one-writer lease,
then runs every enabled probe on its interval until SIGINT or SIGTERM. Configuration: WITNESS_CONFIG (default
./witness.config.yaml) and the environment variables in the README. Exit 2 with a one-line reason when it cannot start.
`);
const config = loadConfigOrExit();
refuseUselessStartOrExit(config);
const log = createCliLogger(config);
// Checked before the database is touched: a channel that cannot be built is a configuration error (exit 2).
const channels = buildChannelsOrExit(config);
// --checked: passed only by npm start (lib/cli/serve.ts), which checked and migrated this file a moment ago.
const store = openStoreOrExit(config, { checked: process.argv.includes("--checked") });
// Before any probe: a second worker on a held database sends nothing and says who holds it.
const lease = takeLeaseOrExit();
if (!lease.ok) {
  store.close();
  exitWithUsageError(`another worker holds ${config.databasePath}: ${describeHolder(lease.holder)}; stop it first (if it died, its lease is free ${Math.max(1, Math.ceil((LEASE_STALE_MS - (Date.now() - lease.holder.heartbeatAt.getTime())) / 1000))} s from now)`);
}
/** The lease is the worker's first write: one the disk refuses is said in one line, never as a stack trace. */
function takeLeaseOrExit(): ReturnType<typeof acquireWriterLease> {
  try {
    return acquireWriterLease(store.db);
  } catch (err) {
    store.close();
    exitWithUsageError(`database: ${describeWriteError(err, config.databasePath)}`);
  }
}
if (lease.tookOverFrom) log.warn(`took over the writer lease of a worker that ${lease.holderGone ? "is no longer running" : "stopped renewing it"}: ${describeHolder(lease.tookOverFrom)}`);
const held = holdWriterLease(store.db, lease.token, log, () => void shutdown("lease lost", 1), () => skippedTicks());
const plan = planProbes(config);
if (plan.skippedForKey.length > 0) log.warn(`ANTHROPIC_API_KEY is not set: skipping ${plan.skippedForKey.join(", ")} (the keyless probes still run)`);
log.info(describeStartup(config, plan.probes));
if (ownNetworkOf(config).origins.length < 2) {
  log.warn("every target is on one host: Witness cannot tell its own network failing from Claude's; set connectivityCheck.url to another host");
}
const worker = new Worker(config, store.db, log, undefined, channels);
function skippedTicks(): number {
  return Object.values(worker.getStats().skippedTicks).reduce((a, b) => a + b, 0);
}
if (channels.length > 0) log.info(`alerts: ${channels.map((c) => `${c.name} (${c.type})`).join(", ")}`);
worker.start(plan.probes);

let stopping = false;
async function shutdown(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: stopping`);
  await worker.stop();
  held.release();
  store.close();
  const { skippedTicks, stored } = worker.getStats();
  log.info(`stopped: ${stored} results stored, skipped ticks ${JSON.stringify(skippedTicks)}`);
  process.exit(code);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// The worker must outlive any bug in a single run: log it and keep probing.
process.on("unhandledRejection", (reason) => log.error(`unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`));
process.on("uncaughtException", (err) => log.error(`uncaught exception: ${err.message}`));
