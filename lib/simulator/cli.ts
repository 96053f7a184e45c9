/**
 * Run the simulator by hand: `npm run simulator -- [--port 4010]`. Prints the environment to point the
 * monitor at it and the curl lines that switch faults; Ctrl-C stops it.
 */
import { parseArgs } from "node:util";
import { FAULTS, startSimulator } from "./index";

const USAGE = "usage: npm run simulator -- [--port 4010]";

/** --help: the usage and every fault a target can be switched to, so nobody has to read the source to inject one. */
function help(): string {
  const lines: string[] = [];
  for (const fault of FAULTS) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + fault.length < 100) lines[lines.length - 1] = `${last}, ${fault}`;
    else lines.push(`  ${fault}`);
  }
  const faults = lines.join(",\n");
  return `${USAGE}

The simulator alone: a real HTTP server on 127.0.0.1 speaking the Messages API, claude.ai, the Console and the
official status page, faithful to recorded answers, with faults on demand. --port 0 picks a free port.

Faults (POST /__sim/fault {"target":"api"|"web"|"status"|..., "fault":NAME}, or a base URL /__sim/fault:NAME):
${faults}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: "string", short: "p", default: "4010" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(help());
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port ${JSON.stringify(values.port)}\n${USAGE}`);
    process.exit(2);
  }
  const sim = await startSimulator({ port });
  const { url } = sim;
  console.log(`Claude simulator listening on ${url}

Point the monitor at it:
  ANTHROPIC_BASE_URL=${url} CLAUDE_WEB_URL=${url} CLAUDE_CONSOLE_URL=${url}/console STATUS_PAGE_URL=${url}

Switch faults (target: api, web, console or status; for api also "step":"call"|"result", one step of a tool round trip):
  curl -sS -X POST ${url}/__sim/fault -H 'content-type: application/json' -d '{"target":"api","fault":"overloaded"}'
  curl -sS -X POST ${url}/__sim/fault -H 'content-type: application/json' -d '{"target":"api","fault":"none","ttfbMs":300,"gapMs":50}'
  curl -sS -X POST ${url}/__sim/status -H 'content-type: application/json' -d '{"scenario":"incident"}'     (a new incident, posted now)
  curl -sS -X POST ${url}/__sim/status -H 'content-type: application/json' -d '{"scenario":"operational"}'  (resolves it)
  curl -sS -X POST ${url}/__sim/reset
  curl -sS ${url}/__sim/requests

Or per request, as a base URL with a path:
  ANTHROPIC_BASE_URL=${url}/__sim/fault:overloaded,ttfb:300

Faults: ${FAULTS.join(", ")}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
