/**
 * The web process `npm start` runs (and the tests and benchmarks start): Next's production server behind the front
 * server of lib/web/front.ts. `-p <port>` (default PORT, else 3000) and `-H <host>` (default every address), as
 * `next start` took them. SIGINT/SIGTERM: stop accepting, finish or cut open connections, exit 0. A port already in
 * use: one line naming it, exit 1. Next itself runs in a thread of its own started from this same file
 * (lib/web/next-thread.ts), so nothing it does per async resource is paid by the front's snapshot answers.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { exitWithHelpIfAsked, exitWithUsageError, loadConfigOrExit } from "@/lib/cli/common";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { dataVersion } from "@/lib/web/cache";
import { getDashboardAuth } from "@/lib/web/auth";
import { getWebContext, linksFollowHost } from "@/lib/web/context";
import { createFront } from "@/lib/web/front";
import { isNextThread, runNextThread, startNextThread } from "@/lib/web/next-thread";
import { createRenderer } from "@/lib/web/renderer";
import { buildHomeScript } from "@/lib/web/static-home";
import { readIngestPort } from "@/lib/web/vantage-forward";

/** Renders make short-lived garbage, not a working set: a smaller young generation is a smaller resident process. */
const NEXT_YOUNG_GENERATION_MB = 8;

async function main(): Promise<void> {
  exitWithHelpIfAsked(`
usage: node --import tsx lib/cli/web.ts [-p PORT] [-H HOST]

The dashboard's web server alone, on the existing build (npm run -s build:web), reading DATABASE_PATH read-only.
-p: the port (default PORT, else 3000); -H: the address to listen on (default every address).
npm start runs it beside the worker; run it alone behind a reverse proxy, or in tests.
`);
  let values: { port?: string; hostname?: string };
  try {
    ({ values } = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } } }));
  } catch (err) {
    exitWithUsageError(`${(err as Error).message} (usage: lib/cli/web.ts [-p PORT] [-H HOST])`);
  }
  const config = loadConfigOrExit();
  const port = values.port === undefined ? config.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`witness web: -p ${values.port}: must be an integer from 0 to 65535`);
    process.exit(2);
  }
  // Under a crowd (404 pages, renders) V8 lets the heap grow to 3-4 times what is live before a full collection, and keeps
  // it: 15,000 requests for unknown pages took the process to 460 MB resident around 75 MB of live objects. Growing by
  // half at most costs a few more collections of about 100 ms and kept it under 280 MB. Read at each collection, so it
  // applies although the heap already exists.
  setFlagsFromString("--heap-growing-percent=50");
  // Next reads NODE_ENV to pick its production code paths; `next start` forces it the same way.
  (process.env as Record<string, string>).NODE_ENV = "production";

  // Given its own thread, Next never sees the public server (so its `upgrade` listener never sits there, where it would
  // hold every `Connection: upgrade` request's socket for good, past the password check: Witness has no WebSocket).
  const thread = startNextThread({ file: process.argv[1]!, dir: PROJECT_ROOT, hostname: values.hostname, port, maxYoungGenerationSizeMb: NEXT_YOUNG_GENERATION_MB });
  try {
    await thread.ready;
  } catch (err) {
    console.error(`witness web: ${(err as Error).message}`);
    process.exit(1);
  }
  const front = createFront({
    handle: thread.handle,
    renderer: createRenderer(thread.target),
    readVersion: () => dataVersion(getWebContext()) ?? "no-database",
    databasePath: config.databasePath,
    homeScript: buildHomeScript(PROJECT_ROOT),
    auth: getDashboardAuth(config.dashboardPassword),
    linksFollowHost: linksFollowHost(config),
    staticDir: join(PROJECT_ROOT, ".next", "static"),
    ingestPort: config.vantages.length > 0 ? () => readIngestPort(getWebContext().store?.sqlite ?? null) : undefined,
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
    const code = (err as NodeJS.ErrnoException).code;
    const fix = values.port === undefined ? "set PORT=<another port>" : "pass another -p";
    console.error(code === "EADDRINUSE" ? `witness web: port ${port} is already in use: ${fix} (or stop what holds ${port})` : `witness web: cannot listen on port ${port}: ${(err as Error).message}; ${fix}`);
    process.exit(1);
  }
}

if (isNextThread()) await runNextThread();
else await main();
