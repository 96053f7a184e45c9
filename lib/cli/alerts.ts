/**
 * `npm run -s alerts -- --test [--channel NAME]`: one clearly marked test event through each configured channel (or
 * the one named), sent now and not through the outbox, so it proves the URL, the secret and the receiver today.
 * Prints per channel "accepted" or the redacted reason. Exit 0 when every one accepted, 1 otherwise, 2 for bad
 * arguments or configuration.
 */
import { parseArgs } from "node:util";
import { testEvent } from "@/lib/alerts/events";
import { buildChannelsOrExit, createCliLogger, exitWithUsageError, loadConfigOrExit } from "@/lib/cli/common";
import { alertSecrets } from "@/lib/config";
import { sanitizeMessage } from "@/probes/sanitize";

const USAGE = `Usage: npm run -s alerts -- --test [--channel NAME]

Send one test alert (marked as a test) through every channel under alerts: in the config, or only NAME,
and print per channel whether it was accepted.
Exit 0: all accepted; 1: at least one was not; 2: bad arguments or configuration.
`;

let args;
try {
  args = parseArgs({ options: { test: { type: "boolean" }, channel: { type: "string" }, help: { type: "boolean" } }, strict: true, allowPositionals: false }).values;
} catch (err) {
  exitWithUsageError(`${(err as Error).message}\n`);
}
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!args.test) exitWithUsageError("nothing to do: pass --test (see --help)");

const config = loadConfigOrExit();
createCliLogger(config);
let channels = buildChannelsOrExit(config);
if (args.channel !== undefined) channels = channels.filter((c) => c.name === args.channel);
if (channels.length === 0) exitWithUsageError(args.channel !== undefined ? `no channel named ${JSON.stringify(args.channel.slice(0, 64))} under alerts.channels` : "no channels configured under alerts.channels");

const secrets = alertSecrets(config);
const event = testEvent(Date.now(), config);
let allAccepted = true;
const results = await Promise.all(
  channels.map(async (channel) => {
    const timeoutMs = config.alerts.channels.find((c) => c.name === channel.name)?.timeoutMs ?? 10_000;
    try {
      return { channel, outcome: await channel.send(event, AbortSignal.timeout(timeoutMs)) };
    } catch (err) {
      return { channel, outcome: { ok: false as const, retryable: false, status: null, retryAfterMs: null, error: (err as Error).message } };
    }
  }),
);
for (const { channel, outcome } of results) {
  const line = outcome.ok ? `accepted (HTTP ${outcome.status})` : `not accepted: ${outcome.error}`;
  if (!outcome.ok) allAccepted = false;
  process.stdout.write(`${channel.name} (${channel.type}): ${sanitizeMessage(line, secrets, 300)}\n`);
}
process.exit(allAccepted ? 0 : 1);
