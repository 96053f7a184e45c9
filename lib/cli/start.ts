/** `npm run worker` (and the worker half of `npm start`): migrate, then run the probe worker until SIGINT/SIGTERM. */
import { resolve } from "node:path";
import { buildChannelsOrExit, createCliLogger, exitWithHelpIfAsked, exitWithUsageError, loadConfigOrExit, openStoreOrExit, refuseUselessStartOrExit } from "@/lib/cli/common";
import { describeStartup } from "@/lib/cli/startup-summary";
import { ownNetworkOf } from "@/lib/measure/connectivity";
import { planProbes } from "@/lib/measure/targets";
import { Worker } from "@/lib/measure/worker";
import { describeWriteError, detectFileChange, isOwnWal, type FileChange } from "@/lib/keep/database-file";
import { WalKeeper } from "@/lib/keep/wal";
import { acquireWriterLease, describeHolder, holdWriterLease, LEASE_STALE_MS } from "@/lib/keep/writer-lease";
import { hubLinkFromEnv } from "@/lib/vantage/env";
import { startHubServer } from "@/lib/vantage/hub-server";
import { Ingest } from "@/lib/vantage/ingest";
import { applyPlan, PLAN_CHANGED_EXIT, samePlan } from "@/lib/vantage/plan";
import { fetchPlan, obtainPlan, type HubLink } from "@/lib/vantage/plan-client";
import { SqliteShipStore } from "@/lib/vantage/ship-store";
import { Shipper } from "@/lib/vantage/shipper";
import { Verdicts } from "@/lib/vantage/verdict";
import { VantageWatch } from "@/lib/vantage/watch";
import { setIngestPort } from "@/db/queries/writer-leases";

/** How often a hub looks for vantages gone silent or back. */
const VANTAGE_WATCH_MS = 10_000;
/** How often a vantage asks its hub for the plan again. */
const PLAN_REFRESH_MS = 10 * 60_000;

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
const opened = store.opened;
const wal = new WalKeeper(store.sqlite, config.databasePath, log);
const held = holdWriterLease(store.db, lease.token, log, {
  onLost: (loss) => void (loss.cause === "taken_over" ? shutdown("lease lost", 1) : abandon(loss.change)),
  skippedTicks: () => skippedTicks(),
  fileChange: () => (opened ? detectFileChange(config.databasePath, opened.main) : null),
  storageWarning: () => wal.beat(),
});
// A vantage (`npm run vantage`) probes the hub's plan and ships every result there; a hub takes its vantages' batches.
const role = await roleOf();
const plan = planProbes(role.config);
// A hub with `vantage.probe: false` only collects: of its own probes it keeps the official page's, which is the hub's.
if (!config.vantage.probe) plan.probes = plan.probes.filter((p) => p.kind === "status");
if (plan.skippedForKey.length > 0) log.warn(`ANTHROPIC_API_KEY is not set: skipping ${plan.skippedForKey.join(", ")} (the keyless probes still run)`);
if (plan.skippedForBrowser) log.warn(plan.skippedForBrowser);
log.info(describeStartup(role.config, plan.probes));
if (ownNetworkOf(config).origins.length < 2) {
  log.warn("every target is on one host: Witness cannot tell its own network failing from Claude's; set connectivityCheck.url to another host");
}
const leaseToken = lease.token;
// A hub decides across its vantages (its own results are one vantage's evidence); a single install decides alone.
const verdicts = config.vantages.length > 0 ? new Verdicts(config, store.db, log) : null;
const worker = new Worker(role.config, store.db, log, () => (role.shipper?.nudge(), decide()), channels);
/** The hub's verdict now: after each result of its own, each batch and every VANTAGE_WATCH_MS. */
function decide(): void {
  // It never throws: a refused write is logged at most once a minute and decided again at the next call.
  if (verdicts?.evaluate(Date.now())) worker.dispatcher.nudge();
}
const hub = config.vantages.length > 0 ? await startHub() : null;
/** A hub's loopback listener for its vantages, its port in the lease row where the web process finds it. */
async function startHub() {
  try {
    const server = await startHubServer({ config, ingest: new Ingest(config, store.db, log, verdicts), log });
    setIngestPort(store.db, leaseToken, server.port);
    log.info(`hub: taking results from ${config.vantages.map((v) => `${v.name} (${v.id})`).join(", ")}`);
    // vantage.silent and vantage.back: the watch writes them to the outbox, the dispatcher delivers them.
    const watch = new VantageWatch(config, store.db, log);
    const timer = setInterval(() => {
      try {
        watch.tick(Date.now());
        worker.dispatcher.nudge();
        decide();
      } catch (err) {
        log.error(`hub: vantage watch: ${describeWriteError(err, config.databasePath)}`);
      }
    }, VANTAGE_WATCH_MS);
    return {
      close: async () => {
        clearInterval(timer);
        await server.close();
      },
    };
  } catch (err) {
    log.error(`hub: cannot take vantages' results: ${(err as Error).message}`);
    return null;
  }
}
/** This process's role: a vantage runs the hub's plan (kept, so it probes on while the hub is away) and ships; else as configured. */
async function roleOf(): Promise<{ config: typeof config; shipper: Shipper | null; link: HubLink | null; shipStore: SqliteShipStore | null }> {
  if (!process.argv.includes("--vantage")) return { config, shipper: null, link: null, shipStore: null };
  const link = hubLinkFromEnv(process.env);
  if ("problem" in link) exitWithUsageError(link.problem);
  const shipStore = new SqliteShipStore(store.db);
  // Until the first plan, SIGINT/SIGTERM stop the process as they do by default: nothing is being written.
  try {
    const ran = await obtainPlan(link, shipStore, log, (plan) => applyPlan(config, plan));
    return { config: ran, shipper: new Shipper({ hubUrl: link.hubUrl, vantageId: link.vantageId, secret: link.secret, store: shipStore, log }), link, shipStore };
  } catch (err) {
    // Only a kept plan this vantage cannot run gets here (a fresh one it cannot run is passed over for the kept one).
    exitWithUsageError(`vantage ${link.vantageId}: ${(err as Error).message}`);
  }
}
function skippedTicks(): number {
  return Object.values(worker.getStats().skippedTicks).reduce((a, b) => a + b, 0);
}
if (channels.length > 0) log.info(`alerts: ${channels.map((c) => `${c.name} (${c.type})`).join(", ")}`);
worker.start(plan.probes);
role.shipper?.start();
const planCheck = role.link ? setInterval(() => void checkPlan(), PLAN_REFRESH_MS) : null;
/** Every 10 minutes a vantage asks for the plan again: a changed one is kept, and the worker restarts to run it (exit 75). */
async function checkPlan(): Promise<void> {
  if (!role.link || !role.shipStore || stopping) return;
  try {
    const fresh = await fetchPlan(role.link);
    if (samePlan(fresh, role.shipStore.savedPlan())) return;
    // Kept only if this vantage can run it: one it cannot (a newer hub's) is said, and the plan kept goes on.
    applyPlan(config, fresh);
    role.shipStore.savePlan(fresh, new Date());
    log.info(`vantage ${role.link.vantageId}: the hub's plan changed: restarting to run it`);
    void shutdown("plan changed", PLAN_CHANGED_EXIT);
  } catch (err) {
    log.warn(`vantage ${role.link.vantageId}: ${(err as Error).message}; probing on with the plan kept`);
  }
}

let stopping = false;
async function shutdown(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: stopping`);
  if (planCheck) clearInterval(planCheck);
  await worker.stop();
  await role.shipper?.stop();
  await hub?.close();
  held.release();
  store.close();
  const { skippedTicks, stored } = worker.getStats();
  log.info(`stopped: ${stored} results stored, skipped ticks ${JSON.stringify(skippedTicks)}`);
  process.exit(code);
}
/**
 * DATABASE_PATH no longer names the file this worker writes: stop, touching only our own file. Our -wal is checkpointed
 * into it and emptied through our own descriptors, so the -wal beside the path, when still ours, pairs none of our
 * frames with the new file (SQLite reads any valid frame in a -wal, whichever file it was written for). SQLite's close
 * does not do it for us: for a database that has moved it skips the checkpoint and leaves the -wal and -shm alone (by
 * name they may be the new file's now), which is also why closing is safe.
 */
async function abandon(change: FileChange): Promise<void> {
  if (stopping) return;
  stopping = true;
  await worker.stop(0);
  let emptied = false;
  try {
    emptied = (store.sqlite.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[])[0]?.busy === 0;
  } catch {
    emptied = false;
  }
  const path = resolve(config.databasePath);
  const what = change === "deleted" ? "was deleted" : "was replaced by another file";
  const after = change === "deleted" ? "start Witness again for a new database, or restore a backup" : "start Witness again to use the new file";
  const stale = !emptied && isOwnWal(path, opened?.wal ?? null) ? `; ${path}-wal still holds the old file's last writes: move it and ${path}-shm aside first` : "";
  log.error(`database ${path} ${what} while the worker was writing it: stopped without touching what is there now; ${after}${stale}`);
  store.close();
  process.exit(1);
}
// A vantage's worker runs under `npm run vantage` with an IPC channel: when that supervisor is gone, so is its worker.
if (role.link && process.connected) process.on("disconnect", () => void shutdown("supervisor gone"));
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// The worker must outlive any bug in a single run: log it and keep probing.
process.on("unhandledRejection", (reason) => log.error(`unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`));
process.on("uncaughtException", (err) => log.error(`uncaught exception: ${err.message}`));
