import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { incidentOpenedEvent } from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import type { AlertEvent } from "@/lib/alerts/types";
import { ConfigError, loadConfig, type Config } from "@/lib/config";
import { MONITOR_OFFLINE_PREFIX } from "@/lib/measure/connectivity";
import { createLogger } from "@/lib/log";
import { failureShare } from "@/lib/judge/share";
import { readInstanceId } from "@/db/queries/instance";
import { Recorder } from "@/lib/measure/recorder";
import { getOutboxRows } from "@/db/queries/alerts";
import type { StatusSummary } from "@/probes/statuspage";
import type { ProbeResult } from "@/probes/types";
import { openMigratedMemory, sampleResult } from "@/tests/unit/support";

const dir = mkdtempSync(join(tmpdir(), "witness-alert-rules-"));
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
let n = 0;

/** A config whose alerts: block is `yaml` (indented under alerts:). */
function configWith(alertsYaml: string, env: Record<string, string> = {}): Config {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, `alerts:\n${alertsYaml}`);
  return loadConfig({ WITNESS_CONFIG: path, DATABASE_PATH: ":memory:", ...env });
}

const channel = (name: string, extra = "") => `    - name: ${name}\n      type: webhook\n      url: http://127.0.0.1:9/${name}\n      secret: ${SECRET}\n${extra}`;
const quiet = createLogger({ secrets: [], write: () => {} });
const T0 = Date.parse("2026-04-13T10:00:00.000Z");
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
const down = (minute: number, extra: Partial<ProbeResult> = {}) => sampleResult(at(minute), { outcome: "down", errorClass: "overloaded", httpStatus: 529, ...extra });
const up = (minute: number) => sampleResult(at(minute));

function setup(alertsYaml: string) {
  const store = openMigratedMemory();
  const config = configWith(alertsYaml);
  const recorder = new Recorder(config, store.db, quiet);
  const feed = (rec: Recorder, results: ProbeResult[]) => results.forEach((result) => rec.record({ result }));
  const rows = () => getOutboxRows(store.db).map((r) => ({ channel: r.channel, id: r.eventId, event: r.event as unknown as AlertEvent }));
  const ids = (name: string) => rows().filter((r) => r.channel === name).map((r) => r.id);
  return { store, config, recorder, feed, rows, ids };
}

/**
 * An outage from minute `from` (two downs confirm it) lasting `minutes`, then three ups resolve it and six more hold
 * the recovery past RESOLVE_HOLD_MS, so its "resolved" is written.
 */
function outage(from: number, minutes: number): ProbeResult[] {
  const out: ProbeResult[] = [];
  for (let m = from; m < from + minutes; m++) out.push(down(m));
  for (let m = from + minutes; m < from + minutes + 9; m++) out.push(up(m));
  return out;
}

/** An event id: its type, this database's instance id, then the fact ("incident.opened:w1a2b3c4d:m-1"). */
const ID = (type: string, rest = ".+") => new RegExp(`^${type.replace(".", "\\.")}:w[0-9a-f]{8}:${rest}$`);

describe("alert events from the recorder", () => {
  it("an outage writes one opened and one resolved per channel, with what a person needs", () => {
    const { feed, recorder, rows, ids } = setup(`  channels:\n${channel("ops")}${channel("chat")}`);
    feed(recorder, [up(0), ...outage(1, 4)]);
    expect(ids("ops")).toEqual([expect.stringMatching(ID("incident.opened", "m-\\d+")), expect.stringMatching(ID("incident.resolved", "m-\\d+"))]);
    // One incident id for both, so a receiver pairs them (PagerDuty's dedup_key, a chat thread).
    expect(ids("ops")[0]!.split(":").slice(1)).toEqual(ids("ops")[1]!.split(":").slice(1));
    expect(ids("chat")).toEqual(ids("ops"));
    const [opened, resolved] = rows().filter((r) => r.channel === "ops").map((r) => r.event);
    expect(opened).toMatchObject({ type: "incident.opened", surface: "api", severity: "critical", occurredAt: at(1), test: false });
    // The share of every request of the surface from the start to the confirmation: what the page says at that minute.
    expect(opened!.summary).toContain("Claude API is failing since 10:01 UTC: 100% of requests failing (overloaded ×2); official page: not read");
    expect(opened!.data.errorMix).toEqual([{ errorClass: "overloaded", count: 2 }]);
    expect(resolved).toMatchObject({ type: "incident.resolved", occurredAt: at(5), severity: "resolved" });
    expect(resolved!.summary).toContain("recovered at 10:05 UTC after 4 min");
    expect(resolved!.summary).toContain("never acknowledged");
    expect(resolved!.data.durationMs).toBe(4 * 60_000);
  });

  it("links to the incident page when WITNESS_PUBLIC_URL is set", () => {
    const store = openMigratedMemory();
    const config = configWith(`  channels:\n${channel("ops")}`, { WITNESS_PUBLIC_URL: "https://status.example.com" });
    const recorder = new Recorder(config, store.db, quiet);
    for (const r of outage(0, 2)) recorder.record({ result: r });
    const [opened] = getOutboxRows(store.db);
    expect((opened!.event as unknown as AlertEvent).url).toMatch(/^https:\/\/status\.example\.com\/incidents\/m-\d+$/);
  });

  it("a transaction that rolls back leaves no outbox row (the event commits with its fact or not at all)", () => {
    const { store, feed, recorder, rows } = setup(`  channels:\n${channel("ops")}`);
    feed(recorder, [up(0), down(1)]);
    // The detector state is written last in the transaction, after the incident and its alert.
    store.sqlite.exec("CREATE TRIGGER boom BEFORE UPDATE ON detector_states BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;");
    expect(() => recorder.record({ result: down(2) })).toThrow(/disk on fire/);
    expect(rows()).toEqual([]);
    expect(store.sqlite.prepare("select count(*) as n from measured_incidents").get()).toEqual({ n: 0 });
    store.sqlite.exec("DROP TRIGGER boom");
    recorder.record({ result: down(3) });
    expect(rows().map((r) => r.id)).toEqual([expect.stringMatching(/^incident\.opened:/)]);
  });

  it("a restart during an open incident sends no second opened, and ids are the same when rebuilt", () => {
    const { store, config, feed, recorder, ids } = setup(`  channels:\n${channel("ops")}`);
    feed(recorder, [up(0), down(1), down(2), down(3)]);
    const before = ids("ops");
    // A new Recorder on the same database is what a restart is.
    const restarted = new Recorder(config, store.db, quiet);
    feed(restarted, [down(4), down(5), up(6), up(7), up(8), up(9), up(10), up(11)]);
    expect(ids("ops")).toEqual([before[0], expect.stringMatching(/^incident\.resolved:/)]);
    // Writing the same fact again (a replay) adds nothing: the id comes from the fact.
    const row = getOutboxRows(store.db)[0]!;
    const again = incidentOpenedEvent({ id: Number(row.eventId.split("m-")[1]), surface: { id: "api", name: "Claude API" }, series: "stream:claude-haiku-4-5", model: "claude-haiku-4-5", severity: "down", startedAt: T0 + 60_000, peakFailureRatio: 1, errorClassCounts: {} }, { componentState: null, incident: null }, failureShare([], []), { publicUrl: null, instance: readInstanceId(store.db) });
    expect(again.id).toBe(row.eventId);
    expect(enqueueEvent(store.db, config.alerts.channels, again, new Date())).toEqual([]);
    expect(getOutboxRows(store.db)).toHaveLength(2);
  });

  it("filters by events and surfaces per channel", () => {
    const { feed, recorder, ids } = setup(`  channels:\n${channel("resolved-only", "      events: [incident.resolved]\n")}${channel("web-only", "      surfaces: [claude-ai]\n")}${channel("all")}`);
    feed(recorder, [up(0), ...outage(1, 3)]);
    expect(ids("resolved-only")).toEqual([expect.stringMatching(/^incident\.resolved:/)]);
    expect(ids("web-only")).toEqual([]);
    expect(ids("all")).toHaveLength(2);
  });

  it("minIncidentMinutes: a blip shorter sends that channel neither opened nor resolved; a longer one opens once it lasted that long", () => {
    const { feed, recorder, ids, rows } = setup(`  channels:\n${channel("patient", "      minIncidentMinutes: 10\n")}${channel("eager")}`);
    feed(recorder, [up(0), ...outage(1, 4)]);
    expect(ids("patient")).toEqual([]);
    expect(ids("eager")).toHaveLength(2);
    // 60 min later, so not a flap: a 15-minute outage.
    feed(recorder, [up(60), ...outage(61, 4)]);
    const long: ProbeResult[] = [];
    for (let m = 120; m < 135; m++) long.push(down(m));
    feed(recorder, long.slice(0, 10));
    expect(ids("patient")).toEqual([]);
    feed(recorder, long.slice(10, 11)); // minute 130: lasted 10 minutes
    expect(ids("patient")).toEqual([expect.stringMatching(/^incident\.opened:/)]);
    feed(recorder, [...long.slice(11), ...[135, 136, 137, 138, 139, 140].map(up)]);
    expect(ids("patient")).toEqual([expect.stringMatching(/^incident\.opened:/), expect.stringMatching(/^incident\.resolved:/)]);
    const opened = rows().find((r) => r.channel === "patient")!.event;
    expect(opened.occurredAt).toBe(at(120));
  });

  it("a failure within the resolution hold folds into the thread (it flapped); once resolved was sent, the next one pages again", () => {
    const { feed, recorder, ids, rows } = setup(`  channels:\n${channel("ops")}`);
    // 529s from 10:01; recovered 10:04; empty answers again at 10:07 (within the 5-minute hold): one thread.
    const empty = (m: number) => down(m, { errorClass: "empty_response", httpStatus: 200 });
    feed(recorder, [up(0), down(1), down(2), down(3), up(4), up(5), up(6), empty(7), empty(8), ...[9, 10, 11, 12, 13, 14, 15].map(up)]);
    expect(ids("ops").map((id) => id.split(":")[0])).toEqual(["incident.opened", "incident.resolved"]);
    const resolved = rows().at(-1)!.event;
    expect(resolved.data.flapped).toEqual({ reopenings: 1, firstStartedAt: at(1) });
    expect(resolved.summary).toContain("flapped: re-opened 1 time since 10:01 UTC");
    expect(resolved.data.incidentId).toBe(rows()[0]!.event.data.incidentId);
    // Cut streams 17 minutes later: a new outage, told as one, with its own id.
    feed(recorder, outage(32, 3));
    const types = ids("ops").map((id) => id.split(":")[0]);
    expect(types).toEqual(["incident.opened", "incident.resolved", "incident.opened", "incident.resolved"]);
    expect(new Set(rows().map((r) => r.event.data.incidentId)).size).toBe(2);
  });

  it("two series of one surface failing together are one thread: one opened, one resolved when both recovered", () => {
    const { feed, recorder, ids } = setup(`  channels:\n${channel("ops")}`);
    const edge = (r: ProbeResult) => ({ ...r, probe: "edge", kind: "edge" as const, model: null });
    feed(recorder, [up(0), down(1), edge(down(1)), down(2), edge(down(2)), up(3), up(4), up(5), edge(down(5)), edge(up(6)), edge(up(7)), edge(up(8)), ...[9, 10, 11, 12, 13, 14].map((m) => edge(up(m)))]);
    expect(ids("ops").map((id) => id.split(":")[0])).toEqual(["incident.opened", "incident.resolved"]);
  });

  it("monitor offline is its own event, once, then online; never an incident", () => {
    const { feed, recorder, ids, rows } = setup(`  channels:\n${channel("ops")}`);
    const offline = (m: number) => sampleResult(at(m), { outcome: "inconclusive", errorClass: "connection_error", httpStatus: null, message: `${MONITOR_OFFLINE_PREFIX} every host failed` });
    feed(recorder, [up(0), offline(1), offline(2), offline(3), offline(4), up(5), up(6)]);
    expect(ids("ops")).toEqual([expect.stringMatching(ID("monitor.offline", `${T0 + 60_000}`)), expect.stringMatching(ID("monitor.online", `${T0 + 60_000}`))]);
    const [off] = rows().map((r) => r.event);
    expect(off).toMatchObject({ surface: null, severity: "warning" });
    expect(off!.summary).toContain("not Claude");
  });

  it("a disagreement is announced after disagreementMinutes and ends once", () => {
    const { feed, recorder, ids, rows } = setup(`  disagreementMinutes: 3\n  channels:\n${channel("ops", "      events: [disagreement.started, disagreement.ended]\n")}`);
    const summary = (status: string): StatusSummary => ({
      page: { id: "p", name: "Claude" },
      components: [{ id: "k8w3r06qmzrp", name: "Claude API", status }],
      incidents: [],
      scheduled_maintenances: [],
      status: { indicator: "none", description: "ok" },
    }) as unknown as StatusSummary;
    const status = (m: number, s: string) => recorder.record({ result: sampleResult(at(m), { probe: "status", kind: "status", model: null }), status: { result: sampleResult(at(m)), summary: summary(s), raw: null } });
    status(0, "operational");
    feed(recorder, [down(1), down(2)]); // measured down from minute 2 (confirmed)
    status(3, "operational");
    expect(ids("ops")).toEqual([]);
    feed(recorder, [down(4)]);
    status(5, "operational");
    expect(ids("ops")).toEqual([expect.stringMatching(ID("disagreement.started", "api:\\d+"))]);
    expect(rows()[0]!.event.summary).toContain("official page says operational while Witness measures it failing");
    feed(recorder, [down(6), up(7), up(8), up(9)]);
    status(10, "operational");
    status(11, "operational");
    expect(ids("ops").map((id) => id.split(":")[0])).toEqual(["disagreement.started", "disagreement.ended"]);
  });
});

describe("alerts: config", () => {
  it("substitutes ${NAME} from the environment and names the key path of an unset one, never a value", () => {
    const path = join(dir, "env.yaml");
    writeFileSync(path, "alerts:\n  channels:\n    - name: ops\n      type: webhook\n      url: ${WITNESS_WEBHOOK_URL}\n      secret: ${WITNESS_WEBHOOK_SECRET}\n");
    const config = loadConfig({ WITNESS_CONFIG: path, WITNESS_WEBHOOK_URL: "http://127.0.0.1:1/hook?token=abc", WITNESS_WEBHOOK_SECRET: SECRET });
    expect(config.alerts.channels[0]).toMatchObject({ url: "http://127.0.0.1:1/hook?token=abc", secret: SECRET });
    expect(() => loadConfig({ WITNESS_CONFIG: path, WITNESS_WEBHOOK_SECRET: SECRET })).toThrow("alerts.channels[0].url: WITNESS_WEBHOOK_URL is not set");
  });

  it.each([
    ["    - name: ops\n      type: carrier-pigeon\n      url: http://x\n", "alerts.channels[0].type: unknown channel type"],
    ["    - name: ops\n      type: webhook\n      url: not a url sk-secret-value\n      secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "alerts.channels[0].url: must be an http(s) URL"],
    ["    - name: ops\n      type: webhook\n      url: http://127.0.0.1/\n      secret: plain-secret-value\n", "alerts.channels[0].secret: must be a Standard Webhooks secret"],
    // fetch refuses a URL with credentials: without this check every delivery failed for a day, then gave up.
    ["    - name: ops\n      type: webhook\n      url: http://u:plain-secret-value@127.0.0.1/hook\n      secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "alerts.channels[0].url: must not carry a user name or password"],
    ["    - name: chat\n      type: slack\n      url: https://plain-secret-value@hooks.slack.example/T1\n", "alerts.channels[0].url: must not carry a user name or password"],
    ["    - name: phone\n      type: ntfy\n      url: https://:plain-secret-value@ntfy.example/topic\n", "alerts.channels[0].url: must not carry a user name or password"],
    ["    - name: pd\n      type: pagerduty\n      routingKey: rk\n      url: https://me:plain-secret-value@events.example/v2/enqueue\n", "alerts.channels[0].url: must not carry a user name or password"],
  ])("rejects a bad channel naming its key path and not its value (%#)", (yaml, message) => {
    const path = join(dir, `bad${n++}.yaml`);
    writeFileSync(path, `alerts:\n  channels:\n${yaml}`);
    const attempt = () => loadConfig({ WITNESS_CONFIG: path });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).not.toThrow(/sk-secret-value|plain-secret-value/);
  });

  it("a heartbeat URL with user info is refused too, without its password", () => {
    const path = join(dir, `bad${n++}.yaml`);
    writeFileSync(path, "alerts:\n  heartbeatUrl: https://hc:plain-secret-value@hc.example/ping/1\n");
    expect(() => loadConfig({ WITNESS_CONFIG: path })).toThrow("alerts.heartbeatUrl: must not carry a user name or password");
    expect(() => loadConfig({ WITNESS_CONFIG: path })).not.toThrow(/plain-secret-value/);
  });

  it("an email channel's smtps:// URL keeps its user:password (SMTP needs them)", () => {
    const path = join(dir, `good${n++}.yaml`);
    writeFileSync(path, "alerts:\n  channels:\n    - name: mail\n      type: email\n      url: smtps://user:pass-word@smtp.example.com:465\n      from: w@example.com\n      to: [ops@example.com]\n");
    expect(loadConfig({ WITNESS_CONFIG: path }).alerts.channels[0]).toMatchObject({ type: "email", url: "smtps://user:pass-word@smtp.example.com:465" });
  });
});
