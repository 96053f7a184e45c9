import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { createWebhookChannel } from "@/lib/alerts/channels/webhook";
import { Dispatcher } from "@/lib/alerts/dispatcher";
import { monitorOfflineEvent } from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import { alertSecrets, loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { startReceiver, type Receiver } from "@/tests/unit/alerts-receiver";
import { runCli } from "@/tests/unit/cli";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN = "T0KEN-abcdef0123456789-secret";
const dir = mkdtempSync(join(tmpdir(), "witness-alerts-cli-"));
let good: Receiver;
let bad: Receiver;
beforeAll(async () => {
  good = await startReceiver(() => ({ status: 200 }));
  // A hostile receiver: echoes its own URL (with the token) in the error body.
  bad = await startReceiver(() => ({ status: 500 }));
  bad.answer = (req) => ({ status: 500, body: `no such hook: http://127.0.0.1:${bad.port}${req.path}` });
});
afterAll(async () => {
  await good.close();
  await bad.close();
});

function writeConfig(name: string, channels: string): string {
  const path = join(dir, name);
  writeFileSync(path, `alerts:\n  channels:\n${channels}`);
  return path;
}
const hook = (name: string, urlVar: string) => `    - name: ${name}\n      type: webhook\n      url: \${${urlVar}}\n      secret: \${HOOK_SECRET}\n`;

describe("npm run alerts -- --test", () => {
  it("--help prints usage and exits 0", async () => {
    const run = await runCli("alerts", ["--help"], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--test [--channel NAME]");
  });

  it("sends one marked test event per channel; exit 1 when one was not accepted, with a reason that names no secret", async () => {
    const path = writeConfig("two.yaml", hook("ops", "GOOD_URL") + hook("broken", "BAD_URL"));
    const env = { WITNESS_CONFIG: path, GOOD_URL: good.url, BAD_URL: `${bad.url}/${TOKEN}`, HOOK_SECRET: SECRET, DATABASE_PATH: join(dir, "x.db") };
    const before = good.received.length;
    const run = await runCli("alerts", ["--test"], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("ops (webhook): accepted (HTTP 200)");
    expect(run.stdout).toMatch(/broken \(webhook\): not accepted: webhook via 127\.0\.0\.1:\d+: HTTP 500/);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    const req = good.received.at(-1)!;
    expect(good.received.length).toBe(before + 1);
    const payload = new Webhook(SECRET).verify(req.body, req.headers as Record<string, string>) as Record<string, unknown>;
    // Its own type: a receiver routing on `type` can never take a test for an outage.
    expect(payload).toMatchObject({ test: true, type: "test" });
    expect(String(payload.summary)).toMatch(/^TEST: /);
    expect(String(payload.id)).toMatch(/^test:/);
  });

  it("--channel NAME sends only through that one (exit 0); an unknown name is exit 2", async () => {
    const path = writeConfig("one.yaml", hook("ops", "GOOD_URL") + hook("broken", "BAD_URL"));
    const env = { WITNESS_CONFIG: path, GOOD_URL: good.url, BAD_URL: bad.url, HOOK_SECRET: SECRET };
    const run = await runCli("alerts", ["--test", "--channel", "ops"], env);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual(["ops (webhook): accepted (HTTP 200)"]);
    expect((await runCli("alerts", ["--test", "--channel", "nope"], env)).code).toBe(2);
  });

  it.each([
    ["a missing variable", hook("ops", "UNSET_URL"), "alerts.channels[0].url: UNSET_URL is not set"],
    ["an unknown type", "    - name: ops\n      type: pigeon\n      url: http://127.0.0.1:1/\n", "alerts.channels[0].type: unknown channel type"],
    ["a bad argument", hook("ops", "GOOD_URL"), "Unknown option"],
    ["a URL with user info", hook("ops", "CRED_URL"), "alerts.channels[0].url: must not carry a user name or password"],
  ])("%s is exit 2 naming it", async (label, channels, message) => {
    const path = writeConfig(`bad-${label.replace(/\W/g, "")}.yaml`, channels);
    const args = label === "a bad argument" ? ["--test", "--bogus"] : ["--test"];
    const credUrl = good.url.replace("http://", "http://hook-user:hook-password-123@");
    const run = await runCli("alerts", args, { WITNESS_CONFIG: path, GOOD_URL: good.url, CRED_URL: credUrl, HOOK_SECRET: SECRET });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain(SECRET);
    expect(run.stderr).not.toContain("hook-password-123");
  });
});

describe("channel secrets", () => {
  it("never reach the log, the database file or an error, even when the receiver echoes them", async () => {
    const path = writeConfig("secret.yaml", hook("broken", "BAD_URL"));
    const config = loadConfig({ WITNESS_CONFIG: path, BAD_URL: `${bad.url}/${TOKEN}?key=${TOKEN}`, HOOK_SECRET: SECRET });
    const dbPath = join(dir, "secrets.db");
    const store = openDatabase(dbPath);
    migrateDatabase(store.db);
    const lines: string[] = [];
    const log = createLogger({ secrets: alertSecrets(config), write: (l) => lines.push(l) });
    const dispatcher = new Dispatcher(config.alerts, store.db, log, [createWebhookChannel(config.alerts.channels[0] as never)], { pollMs: 20 });
    enqueueEvent(store.db, config.alerts.channels, monitorOfflineEvent(Date.now(), "x"), new Date());
    dispatcher.start();
    // Two retries take about a second of backoff; a loaded machine gets more time, the loop ends as soon as they are in.
    const end = Date.now() + 20_000;
    while (dispatcher.stats.retries < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await dispatcher.stop();
    store.close();
    expect(dispatcher.stats.retries).toBeGreaterThanOrEqual(2);
    const everything = [lines.join(""), readFileSync(dbPath).toString("latin1"), ...["-wal", "-shm"].map((s) => { try { return readFileSync(dbPath + s).toString("latin1"); } catch { return ""; } })].join("\n");
    expect(everything).toContain("HTTP 500");
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(SECRET.slice(6));
  });
});
