/**
 * The whole alert path as a team runs it: `npm start` probing the simulator every 5 s, an outage (every API request
 * answered 529) and a recovery, told to a Standard Webhooks receiver and to a real SMTP server, each exactly once.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDuration } from "@/lib/dashboard/format";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { startReceiver, type Receiver } from "@/tests/unit/alerts-receiver";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MAIL_PASSWORD = "e2eSmtpPassw0rd";
const PUBLIC_URL = "https://witness.example";
const dir = mkdtempSync(join(tmpdir(), "witness-alerts-e2e-"));

let sim: Simulator;
let hook: Receiver;
const mails: ParsedMail[] = [];
const smtp = new SMTPServer({
  disabledCommands: ["STARTTLS"],
  allowInsecureAuth: true,
  authMethods: ["PLAIN", "LOGIN"],
  logger: false,
  onAuth: (auth, _session, done) => (auth.username === "witness" && auth.password === MAIL_PASSWORD ? done(null, { user: "witness" }) : done(new Error("bad login"))),
  onData: (stream, _session, done) =>
    void simpleParser(stream).then(
      (mail) => (mails.push(mail), done()),
      (err: Error) => done(err),
    ),
});

beforeAll(async () => {
  sim = await startSimulator();
  hook = await startReceiver(() => ({ status: 200 }));
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await sim.close();
  await hook.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (!alive()) throw new Error(`npm start exited while waiting for ${what}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

interface Payload {
  type: string;
  id: string;
  surface: string | null;
  summary: string;
  url: string | null;
  data: { durationMs?: number | null; incidentId?: string };
}

/** Every webhook delivery, verified with the Standard Webhooks verifier (throws on a bad signature). */
function verifiedPayloads(): Payload[] {
  const verifier = new Webhook(SECRET);
  return hook.received.map((r) => {
    const headers = { "webhook-id": String(r.headers["webhook-id"]), "webhook-timestamp": String(r.headers["webhook-timestamp"]), "webhook-signature": String(r.headers["webhook-signature"]) };
    return verifier.verify(r.body, headers) as Payload;
  });
}

const incidentTypes = (types: string[]) => types.filter((t) => t.startsWith("incident."));
/** The event id of each mail (the email channel names it in a header). */
const mailEvents = () => mails.map((m) => String(m.headers.get("x-witness-event") ?? ""));

describe("npm start with a webhook and an email channel", () => {
  it("an outage and a recovery reach both receivers as exactly one opened and one resolved", { timeout: 240_000 }, async () => {
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    const configPath = join(dir, "witness.config.yaml");
    const every5s = "{ intervalSeconds: 5, timeoutMs: 2000 }";
    writeFileSync(
      configPath,
      [
        "probes:",
        "  messages: { enabled: false }",
        "  stream: { enabled: false }",
        "  web: { enabled: false }",
        "  console: { enabled: false }",
        "  browser: { enabled: false }",
        "  code: { enabled: false }",
        `  edge: ${every5s}`,
        `  status: ${every5s}`,
        // Two failing results open an incident (the default also wants 4 in the window: 20 s at this interval).
        "incidents: { minWindowResults: 2 }",
        "alerts:",
        // The recovery is held 3 s before "resolved" is sent (default 5 min).
        "  resolveHoldMinutes: 0.05",
        "  retry: { firstDelayMs: 200, maxDelayMs: 1000 }",
        "  channels:",
        "    - name: ops",
        "      type: webhook",
        "      url: ${HOOK_URL}",
        "      secret: ${HOOK_SECRET}",
        "    - name: mail",
        "      type: email",
        "      url: ${MAIL_URL}",
        "      from: witness@example.com",
        "      to: [oncall@example.com]",
        "",
      ].join("\n"),
    );
    const env: NodeJS.ProcessEnv = {
      NODE_ENV: "test",
      PATH: process.env.PATH ?? "",
      NEXT_TELEMETRY_DISABLED: "1",
      ANTHROPIC_BASE_URL: sim.url,
      CLAUDE_WEB_URL: sim.url,
      CLAUDE_CONSOLE_URL: `${sim.url}/console`,
      STATUS_PAGE_URL: sim.url,
      DATABASE_PATH: join(dir, "witness.db"),
      WITNESS_CONFIG: configPath,
      WITNESS_PUBLIC_URL: PUBLIC_URL,
      PORT: String(await freePort()),
      HOOK_URL: hook.url,
      HOOK_SECRET: SECRET,
      MAIL_URL: `smtp://witness:${MAIL_PASSWORD}@127.0.0.1:${smtpPort}`,
    };
    // The outage is there from the first probe on.
    sim.setFault("api", "overloaded");
    const child = spawn("npm", ["start"], { cwd: process.cwd(), env });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const alive = () => child.exitCode === null && child.signalCode === null;
    let code: number | null = null;
    try {
      // On a fresh clone npm start first builds the dashboard; the clock of this test starts once the worker schedules.
      await until("the worker to schedule its probes", () => stderr.includes("scheduled edge"), 150_000, alive);
      const scheduledAt = Date.now();
      await until("incident.opened on both channels", () => verifiedPayloads().some((p) => p.type === "incident.opened") && mailEvents().some((id) => id.startsWith("incident.opened:")), 40_000, alive);
      sim.setFault("api", "none");
      await until("incident.resolved on both channels", () => verifiedPayloads().some((p) => p.type === "incident.resolved") && mailEvents().some((id) => id.startsWith("incident.resolved:")), 40_000, alive);
      // Three more probe intervals: nothing further may arrive for this incident (no second opened or resolved).
      await sleep(15_000);
      console.log(`alerts e2e: outage to resolution told on both channels in ${Math.round((Date.now() - scheduledAt - 15_000) / 1000)} s after the worker started`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- npm start said ---\n${stderr.slice(-3_000)}`);
    } finally {
      child.kill("SIGTERM");
      code = await exited;
    }
    expect(code).toBe(0);

    const payloads = verifiedPayloads();
    expect(incidentTypes(payloads.map((p) => p.type))).toEqual(["incident.opened", "incident.resolved"]);
    const opened = payloads.find((p) => p.type === "incident.opened")!;
    const resolved = payloads.find((p) => p.type === "incident.resolved")!;
    expect(opened).toMatchObject({ surface: "api", url: `${PUBLIC_URL}/incidents/${opened.data.incidentId}` });
    // The event id: type, this install's instance id, the thread's measured incident.
    expect(opened.id).toMatch(new RegExp(`^incident\\.opened:w[0-9a-f]{8}:${opened.data.incidentId}$`));
    expect(opened.summary).toMatch(/^Claude API is failing since \d\d:\d\d UTC: 100% of requests failing \(overloaded ×\d+\)/);
    expect(resolved.surface).toBe("api");
    expect(resolved.summary).toMatch(/^Claude API recovered at \d\d:\d\d UTC after \d+ min/);
    const durationMs = resolved.data.durationMs!;
    // At least the two failing results 5 s apart; at most the time the outage was on.
    expect(durationMs).toBeGreaterThanOrEqual(5_000);
    expect(durationMs).toBeLessThan(120_000);
    // Every webhook-id came once: no retry after a 2xx.
    expect(new Set(hook.received.map((r) => r.id)).size).toBe(hook.received.length);

    expect(mailEvents().filter((id) => id.startsWith("incident."))).toEqual([opened.id, resolved.id]);
    const [openedMail, resolvedMail] = [mails.find((m) => m.headers.get("x-witness-event") === opened.id), mails.find((m) => m.headers.get("x-witness-event") === resolved.id)];
    expect(openedMail?.subject).toBe("Claude API is failing");
    expect(openedMail?.text).toContain("Claude API");
    expect(openedMail?.text).toContain(opened.url!);
    expect(resolvedMail?.subject).toBe(`Claude API recovered after ${formatDuration(durationMs)}`);
    expect(resolvedMail?.text).toContain("Claude API");
    expect(resolvedMail?.text).toContain(formatDuration(durationMs));
    // Secrets of either channel never reach the logs.
    expect(stderr).not.toContain(MAIL_PASSWORD);
    expect(stderr).not.toContain(SECRET);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
