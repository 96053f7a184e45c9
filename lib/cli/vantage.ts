/**
 * `npm run vantage`: Witness as one vantage point of a hub. Runs the probe worker on the hub's plan (no dashboard) and
 * ships every result to the hub, store and forward (lib/vantage/). Its own config holds only what is its own: its
 * database, base URLs (a gateway), its connectivity check; its own ANTHROPIC_API_KEY, which never leaves it.
 *
 * The worker runs as a child, started again at once when it exits because the hub's plan changed (PLAN_CHANGED_EXIT).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createCliLogger, exitWithHelpIfAsked, exitWithUsageError, loadConfigOrExit } from "@/lib/cli/common";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { hubLinkFromEnv } from "@/lib/vantage/env";
import { PLAN_CHANGED_EXIT } from "@/lib/vantage/plan";

exitWithHelpIfAsked(`
usage: npm run vantage

One vantage point of a Witness hub: probes what the hub's plan says from this machine, keeps every result in its own
DATABASE_PATH, and ships them to the hub (signed, in order, resent until the hub has them; unsent ones are kept 7 days).
Needs WITNESS_HUB_URL (the hub's address), WITNESS_VANTAGE_ID and WITNESS_VANTAGE_SECRET (as the hub lists this vantage
under vantages:), and its own ANTHROPIC_API_KEY for the keyed probes. Exit 2 with a one-line reason when it cannot start.
`);
const link = hubLinkFromEnv(process.env);
if ("problem" in link) exitWithUsageError(link.problem);
const config = loadConfigOrExit();
const log = createCliLogger(config);
if (!config.apiKey) log.warn("ANTHROPIC_API_KEY is not set: this vantage runs only the keyless probes of the hub's plan (the hub never sends a key)");
log.info(`vantage ${link.vantageId}: shipping to ${link.hubUrl}`);

let child: ReturnType<typeof spawn> | null = null;
let stopping = false;
const run = () => {
  // An IPC channel beside the output: if this process dies, even by SIGKILL, the worker sees it close and stops.
  child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "lib", "cli", "start.ts"), "--vantage"], { cwd: PROJECT_ROOT, env: process.env, stdio: ["inherit", "inherit", "inherit", "ipc"] });
  child.on("exit", (code, signal) => {
    child = null;
    if (!stopping && code === PLAN_CHANGED_EXIT) return run();
    process.exit(code ?? (signal ? 128 + (signal === "SIGINT" ? 2 : 15) : 1));
  });
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    if (child) child.kill(signal);
    else process.exit(0);
  });
}
run();
