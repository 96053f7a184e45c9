/**
 * `npm run demo -- --vantages`: a hub (npm start, probing as "Hub (Amsterdam)") and two vantages (`npm run vantage`:
 * London and Frankfurt), each against a simulator of its own, so a fault is one place's. No setup: the secrets are
 * made for the run, the configs written beside the database, and a Standard Webhooks receiver in this process prints
 * every alert the hub sends (and keeps them in <database>.alerts.jsonl). The story, on a loop:
 *
 * 1. healthy from all three;
 * 2. London's route to the API fails (connections reset) while London's own network works: regional, not Claude,
 *    no page (the chat channel that lists `regional` hears it);
 * 3. recovered;
 * 4. the API overloaded (529) from everywhere: a global outage from 3 of 3 vantages, paged; the official page lags,
 *    still operational;
 * 5. still failing, and the official page now posts an incident;
 * 6. recovered; the page keeps its incident until the next loop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { Webhook } from "standardwebhooks";
import { loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { freePort, waitForDashboard } from "@/lib/cli/demo-wait";

interface Act {
  seconds: number;
  say: string;
  apply(sims: { hub: Simulator; lon: Simulator; fra: Simulator }): void;
}

const HEALTHY = { fault: "none", ttfbMs: 250, gapMs: 30 } as const;

export const VANTAGE_ACTS: readonly Act[] = [
  {
    seconds: 60,
    say: "healthy from the hub, London and Frankfurt; the official page says operational",
    apply: (s) => {
      for (const sim of [s.hub, s.lon, s.fra]) sim.setFault("api", HEALTHY);
      s.hub.setStatus({ scenario: "operational" });
    },
  },
  {
    seconds: 90,
    say: "London's route to the API fails (connections reset) while its own network works: regional, likely a network path, not Claude; no page",
    apply: (s) => s.lon.setFault("api", "reset_before_headers"),
  },
  { seconds: 60, say: "London recovered", apply: (s) => s.lon.setFault("api", HEALTHY) },
  {
    seconds: 60,
    say: "the API overloaded (529) from everywhere: a global outage, paged; the official page still says operational",
    apply: (s) => {
      for (const sim of [s.hub, s.lon, s.fra]) sim.setFault("api", "overloaded");
    },
  },
  { seconds: 60, say: "still failing; the official page now posts an incident", apply: (s) => s.hub.setStatus({ scenario: "incident" }) },
  {
    seconds: 90,
    say: "recovered everywhere; the official page keeps its incident until the next loop",
    apply: (s) => {
      for (const sim of [s.hub, s.lon, s.fra]) sim.setFault("api", HEALTHY);
    },
  },
];

const VANTAGES = [
  { id: "lon", name: "London" },
  { id: "fra", name: "Frankfurt" },
] as const;

/** The hub's config: every probe but the slow ones every 10 s, the two vantages, and the demo's receiver for every scope. */
export function hubConfigYaml(receiverUrl: string, hookSecret: string): string {
  return [
    'vantage: { id: local, name: "Hub (Amsterdam)", probe: true }',
    "probes:",
    ...["messages", "stream", "edge", "web", "status"].map((k) => `  ${k}: { intervalSeconds: 10 }`),
    ...["console", "browser", "code"].map((k) => `  ${k}: { enabled: false }`),
    "official: { heartbeatMinutes: 1, historyIntervalMinutes: 1 }",
    "incidents: { matchGraceMinutes: 0 }",
    "feed: { minIncidentMinutes: 1 }",
    "alerts:",
    "  resolveHoldMinutes: 1",
    "  channels:",
    `    - { name: demo, type: webhook, url: "${receiverUrl}", secret: "${hookSecret}", scopes: [global, regional, unconfirmed] }`,
    "vantages:",
    ...VANTAGES.map((v) => `  - { id: ${v.id}, name: ${v.name}, secret: "\${WITNESS_VANTAGE_${v.id.toUpperCase()}_SECRET}" }`),
    "",
  ].join("\n");
}

export async function runVantagesDemo(): Promise<never> {
  const log = createLogger({ secrets: [] });
  const databasePath = resolve(process.env.DATABASE_PATH ?? "./data/demo-vantages.db");
  const base = databasePath.replace(/\.db$/, "");
  mkdirSync(dirname(databasePath), { recursive: true });
  const sims = { hub: await startSimulator(), lon: await startSimulator(), fra: await startSimulator() };
  const secrets = Object.fromEntries(VANTAGES.map((v) => [v.id, `whsec_${randomBytes(32).toString("base64")}`]));
  const hookSecret = `whsec_${randomBytes(32).toString("base64")}`;
  const alertsPath = `${base}.alerts.jsonl`;
  const receiver = await startAlertReceiver(hookSecret, (event) => {
    appendFileSync(alertsPath, `${JSON.stringify(event)}\n`);
    log.info(`demo: alert received: ${event.type}${event.data?.scope ? ` [${event.data.scope}]` : ""}: ${event.summary}`);
  });
  const configPath = `${base}.config.yaml`;
  writeFileSync(configPath, hubConfigYaml(receiver.url, hookSecret));
  const common = { ...process.env, ANTHROPIC_API_KEY: "sk-demo-not-a-real-key", WITNESS_DEMO: "1" };
  const env: NodeJS.ProcessEnv = {
    ...common,
    ...simEnv(sims.hub.url),
    DATABASE_PATH: databasePath,
    WITNESS_CONFIG: configPath,
    ...Object.fromEntries(VANTAGES.map((v) => [`WITNESS_VANTAGE_${v.id.toUpperCase()}_SECRET`, secrets[v.id]!])),
  };
  if (!env.PORT || env.PORT === "0") env.PORT = String(await freePort());
  const dashboard = `http://127.0.0.1:${loadConfig(env).port}`;
  const children: ChildProcess[] = [];
  const serve = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "lib", "cli", "serve.ts")], { cwd: PROJECT_ROOT, env, stdio: "inherit" });
  children.push(serve);
  log.info(`demo: a hub and two vantages, each with its own simulator; dashboard at ${dashboard} once built; alerts kept in ${alertsPath}; Ctrl-C to stop`);
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
    await Promise.all([...Object.values(sims).map((s) => s.close()), receiver.close()]);
    process.exit(code);
  };
  serve.once("exit", (code) => void stop(code ?? 0));
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop(0));
  VANTAGE_ACTS[0]!.apply(sims);
  if (!(await waitForDashboard(dashboard, () => serve.exitCode !== null, log))) return new Promise<never>(() => {});
  for (const v of VANTAGES) {
    const sim = sims[v.id];
    const vantageConfig = `${base}.${v.id}.config.yaml`;
    // Its connectivity check is its own simulator under another host name: its own network works while its API path fails.
    writeFileSync(vantageConfig, `connectivityCheck: { url: "${sim.url.replace("127.0.0.1", "localhost")}/" }\n`);
    const vantageEnv = { ...common, ...simEnv(sim.url), DATABASE_PATH: `${base}.${v.id}.db`, WITNESS_CONFIG: vantageConfig, WITNESS_HUB_URL: dashboard, WITNESS_VANTAGE_ID: v.id, WITNESS_VANTAGE_SECRET: secrets[v.id]! };
    children.push(spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "lib", "cli", "vantage.ts")], { cwd: PROJECT_ROOT, env: vantageEnv, stdio: "inherit" }));
    log.info(`demo: vantage ${v.name} (${v.id}) probing its own simulator at ${sim.url}, shipping to the hub`);
  }
  let act = 0;
  const next = () => {
    const current = VANTAGE_ACTS[act % VANTAGE_ACTS.length]!;
    log.info(`demo: ${current.say}`);
    current.apply(sims);
    act += 1;
    timer = setTimeout(next, current.seconds * 1000);
  };
  log.info("demo: the dashboard answers; starting the acts");
  next();
  return new Promise<never>(() => {});
}

function simEnv(url: string) {
  return { ANTHROPIC_BASE_URL: url, CLAUDE_WEB_URL: url, CLAUDE_CONSOLE_URL: `${url}/console`, STATUS_PAGE_URL: url };
}

interface DemoAlert {
  type: string;
  summary: string;
  data?: { scope?: string };
}

/** A Standard Webhooks receiver on 127.0.0.1: each verified event to `onEvent`; a bad signature is answered 401. */
async function startAlertReceiver(secret: string, onEvent: (event: DemoAlert) => void): Promise<{ url: string; close(): Promise<void> }> {
  const hook = new Webhook(secret);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1 << 20) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", () => {
      try {
        onEvent(hook.verify(Buffer.concat(chunks).toString("utf8"), req.headers as Record<string, string>) as DemoAlert);
        res.writeHead(204).end();
      } catch {
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}
