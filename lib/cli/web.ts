/**
 * The web process `npm start` runs (and the tests and benchmarks start): Next's production server behind the front
 * server of lib/web/front.ts. `-p <port>` (default PORT, else 3000) and `-H <host>` (default every address), as
 * `next start` took them. SIGINT/SIGTERM: stop accepting, finish or cut open connections, exit 0. A port already in
 * use: one line naming it, exit 1.
 */
import { parseArgs } from "node:util";
import { loadConfigOrExit } from "@/lib/cli/common";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { dataVersion } from "@/lib/web/cache";
import { getDashboardAuth } from "@/lib/web/auth";
import { getWebContext } from "@/lib/web/context";
import { createFront } from "@/lib/web/front";
import { buildHomeScript } from "@/lib/web/static-home";

const { values } = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } } });
const config = loadConfigOrExit();
const port = values.port === undefined ? config.port : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`witness web: -p ${values.port}: must be an integer from 0 to 65535`);
  process.exit(2);
}
// Next reads NODE_ENV to pick its production code paths; `next start` forces it the same way.
(process.env as Record<string, string>).NODE_ENV = "production";

const { default: next } = await import("next");
const app = next({ dev: false, dir: PROJECT_ROOT, hostname: values.hostname, port });
await app.prepare();
const front = createFront({ handle: app.getRequestHandler(), readVersion: () => dataVersion(getWebContext()) ?? "no-database",
  databasePath: config.databasePath,
  homeScript: buildHomeScript(PROJECT_ROOT),
  auth: getDashboardAuth(config.dashboardPassword),
});

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.error(`witness web: ${signal}: closing`);
  void front.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

try {
  const address = await front.listen(port, values.hostname);
  const shown = values.hostname ?? "localhost";
  const mode = config.dashboardPassword ? " (private: WITNESS_DASHBOARD_PASSWORD is set; feed and badge tokens on /methodology)" : "";
  console.error(`witness web: listening on http://${shown.includes(":") ? `[${shown}]` : shown}:${address.port}${mode}`);
} catch (err) {
  console.error(`witness web: cannot listen on port ${port}: ${(err as Error).message}`);
  process.exit(1);
}
