/** `npm start`: migrate, then run the probe worker until SIGINT/SIGTERM. */
import { buildChannels } from "@/lib/alerts/channels";
import { createCliLogger, exitWithUsageError, loadConfigOrExit, openStoreOrExit } from "@/lib/cli/common";
import { ConfigError } from "@/lib/config";
import { ownNetworkOf } from "@/lib/connectivity";
import { planProbes } from "@/lib/targets";
import { Worker } from "@/lib/worker";

const config = loadConfigOrExit();
const log = createCliLogger(config);
// Checked before the database is touched: a channel that cannot be built is a configuration error (exit 2).
let channels;
try {
  channels = buildChannels(config.alerts.channels);
} catch (err) {
  if (err instanceof ConfigError) exitWithUsageError(`configuration: ${err.message}`);
  throw err;
}
const store = openStoreOrExit(config);
const plan = planProbes(config);
if (plan.skippedForKey.length > 0) log.warn(`ANTHROPIC_API_KEY is not set: skipping ${plan.skippedForKey.join(", ")} (the keyless probes still run)`);
log.info(`witness: ${plan.probes.length} probes, database ${config.databasePath}${config.configPath ? `, config ${config.configPath}` : ""}`);
if (ownNetworkOf(config).origins.length < 2) {
  log.warn("every target is on one host: Witness cannot tell its own network failing from Claude's; set connectivityCheck.url to another host");
}
const worker = new Worker(config, store.db, log, undefined, channels);
if (channels.length > 0) log.info(`alerts: ${channels.map((c) => `${c.name} (${c.type})`).join(", ")}`);
worker.start(plan.probes);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: stopping`);
  await worker.stop();
  store.close();
  const { skippedTicks, stored } = worker.getStats();
  log.info(`stopped: ${stored} results stored, skipped ticks ${JSON.stringify(skippedTicks)}`);
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// The worker must outlive any bug in a single run: log it and keep probing.
process.on("unhandledRejection", (reason) => log.error(`unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`));
process.on("uncaughtException", (err) => log.error(`uncaught exception: ${err.message}`));
