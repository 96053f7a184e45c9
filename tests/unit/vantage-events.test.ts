/**
 * vantage.silent and vantage.back: the hub's watch writes each once per silent spell, in the outbox, keeps its spell in
 * alert_states so a restart neither repeats nor misses one, and the channels tell them as a vantage's trouble, never
 * as Claude's.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { pagerdutyPayload } from "@/lib/alerts/channels/pagerduty";
import { vantageBackEvent, vantageSilentEvent } from "@/lib/alerts/events";
import { listAlerts } from "@/lib/alerts/listing";
import { buildMessage } from "@/lib/alerts/message";
import { ALERT_EVENT_TYPES, type AlertEvent } from "@/lib/alerts/types";
import { loadConfig, type Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { silentAfterMs } from "@/lib/vantage/state";
import { VantageWatch } from "@/lib/vantage/watch";
import { deleteAlertState, getAlertState, getOutboxRows } from "@/db/queries/alerts";
import { vantages } from "@/db/schema";
import { openMigratedMemory } from "@/tests/unit/support";

const dir = mkdtempSync(join(tmpdir(), "witness-vantage-events-"));
const HOOK = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const FRA = "whsec_FRAfraFRAfraFRAfraFRAfra0123456789";
const T0 = Date.parse("2026-05-04T14:02:00.000Z");
let n = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A hub with vantage fra, and three channels: every event (default), incident.opened only, and surface api only. */
function hubConfig(): Config {
  const path = join(dir, `c${n++}.yaml`);
  const hook = (name: string, extra = "") => `    - { name: ${name}, type: webhook, url: "http://127.0.0.1:9/${name}", secret: ${HOOK}${extra} }`;
  writeFileSync(
    path,
    [
      "vantages:",
      '  - { id: fra, name: Frankfurt, secret: "${WITNESS_VANTAGE_FRA_SECRET}" }',
      "alerts:",
      "  channels:",
      hook("ops"),
      hook("pick", ", events: [incident.opened]"),
      hook("api-only", ", surfaces: [api]"),
      "",
    ].join("\n"),
  );
  return loadConfig({ WITNESS_CONFIG: path, DATABASE_PATH: ":memory:", WITNESS_VANTAGE_FRA_SECRET: FRA });
}

function setup() {
  const store = openMigratedMemory();
  const config = hubConfig();
  const lines: string[] = [];
  const log = createLogger({ secrets: [], write: (line) => lines.push(line) });
  const watch = () => new VantageWatch(config, store.db, log);
  const rows = () => getOutboxRows(store.db).map((r) => ({ channel: r.channel, id: r.eventId, event: r.event as unknown as AlertEvent }));
  const types = (channel = "ops") => rows().filter((r) => r.channel === channel).map((r) => r.event.type);
  const batch = (at: number, extra: Partial<typeof vantages.$inferInsert> = {}) =>
    store.db
      .insert(vantages)
      .values({ id: "fra", lastBatchAt: new Date(at), newestResultAt: new Date(at - 5_000), ...extra })
      .onConflictDoUpdate({ target: vantages.id, set: { lastBatchAt: new Date(at), newestResultAt: new Date(at - 5_000), ...extra } })
      .run();
  return { store, config, lines, watch, rows, types, batch, window: silentAfterMs(config) };
}

describe("VantageWatch", () => {
  it("writes one vantage.silent when a live vantage stops, and one vantage.back when its batches return", () => {
    const { watch, rows, types, batch, window, lines } = setup();
    const w = watch();
    batch(T0);
    w.tick(T0);
    w.tick(T0 + window);
    expect(rows()).toEqual([]);
    w.tick(T0 + window + 1);
    w.tick(T0 + window + 10_000);
    expect(types()).toEqual(["vantage.silent"]);
    const silent = rows()[0]!.event;
    expect(silent.id).toMatch(new RegExp(`^vantage\\.silent:w[0-9a-f]{8}:fra:${T0}$`));
    expect(silent).toMatchObject({ severity: "warning", surface: null, data: { vantage: { id: "fra", name: "Frankfurt", since: new Date(T0).toISOString() } } });
    expect(silent.summary).toBe("Vantage Frankfurt (fra) is silent: no results since 14:02 UTC (its own host or network, not Claude)");
    const back = T0 + 20 * 60_000;
    batch(back);
    w.tick(back + 3_000);
    w.tick(back + 13_000);
    expect(types()).toEqual(["vantage.silent", "vantage.back"]);
    const backEvent = rows().at(-1)!.event;
    expect(backEvent.id).toMatch(new RegExp(`^vantage\\.back:w[0-9a-f]{8}:fra:${T0}$`));
    expect(backEvent).toMatchObject({ severity: "resolved", occurredAt: new Date(back).toISOString(), data: { durationMs: 20 * 60_000 } });
    expect(backEvent.summary).toBe("Vantage Frankfurt (fra) is back: results again since 14:22 UTC (none for 20 min)");
    expect(lines.join("")).toMatch(/vantage fra: silent[\s\S]*vantage fra: back/);
    expect(lines.join("")).not.toContain(FRA);
  });

  it("keeps its spell across a restart: a new watch neither repeats the silence nor misses the return", () => {
    const { store, watch, types, batch, window } = setup();
    batch(T0);
    const first = watch();
    first.tick(T0);
    first.tick(T0 + window + 1);
    expect(types()).toEqual(["vantage.silent"]);
    expect(getAlertState(store.db, "vantage:fra")).toEqual({ state: "silent", silent: { lastBatchAt: T0 } });
    // The hub restarts while the vantage is still silent, then the vantage comes back.
    const second = watch();
    second.tick(T0 + 2 * window);
    second.tick(T0 + 4 * window);
    expect(types()).toEqual(["vantage.silent"]);
    batch(T0 + 4 * window + 1_000);
    const third = watch();
    third.tick(T0 + 4 * window + 2_000);
    expect(types()).toEqual(["vantage.silent", "vantage.back"]);
    expect(getAlertState(store.db, "vantage:fra")).toEqual({ state: "live", silent: null });
  });

  it("a replay of the same facts adds nothing to the outbox", () => {
    const { store, watch, rows, batch, window } = setup();
    batch(T0);
    const w = watch();
    w.tick(T0);
    w.tick(T0 + window + 1);
    const before = rows().map((r) => r.id);
    // The state is lost (a restore of an older database, say): the same silence is built again with the same id.
    deleteAlertState(store.db, "vantage:fra");
    const replay = watch();
    replay.tick(T0 + window + 1);
    replay.tick(T0 + 3 * window);
    expect(rows().map((r) => r.id)).toEqual(before);
  });

  it("says nothing after a hub restart while the vantages catch up, however old their last batch", () => {
    const { watch, rows, batch, window } = setup();
    batch(T0);
    const restarted = watch();
    const up = T0 + 3 * 3_600_000;
    restarted.tick(up);
    restarted.tick(up + window / 2);
    batch(up + window / 2 + 1_000, { backlog: 400 });
    restarted.tick(up + window);
    batch(up + 1.5 * window, { backlog: 0 });
    restarted.tick(up + 2 * window);
    expect(rows()).toEqual([]);
  });

  it("announces a vantage never heard from once the watch has listened for the silence window", () => {
    const { watch, rows, types, window } = setup();
    const w = watch();
    w.tick(T0);
    w.tick(T0 + window - 1);
    expect(rows()).toEqual([]);
    w.tick(T0 + window);
    w.tick(T0 + 2 * window);
    expect(types()).toEqual(["vantage.silent"]);
    expect(rows()[0]!.id).toMatch(/:fra:never$/);
    expect(rows()[0]!.event.summary).toBe("Vantage Frankfurt (fra) is silent: the hub has never received results from it (its own host or network, not Claude)");
  });

  it("a refused vantage (auth_failing) neither starts a silence nor ends one", () => {
    const { store, watch, types, batch, window } = setup();
    batch(T0);
    const w = watch();
    w.tick(T0);
    // Refused from just after its last batch, every few seconds: it is trying.
    for (let at = T0 + 10_000; at <= T0 + 2 * window; at += 10_000) {
      store.db.update(vantages).set({ lastAuthFailureAt: new Date(at), lastAuthFailure: "bad_signature" }).where(eq(vantages.id, "fra")).run();
      w.tick(at + 1);
    }
    expect(types()).toEqual([]);
    // Its refusals stop too: now it is silent; refused again afterwards, the silence holds until a batch is accepted.
    w.tick(T0 + 4 * window);
    store.db.update(vantages).set({ lastAuthFailureAt: new Date(T0 + 4 * window + 1) }).run();
    w.tick(T0 + 4 * window + 2);
    expect(types()).toEqual(["vantage.silent"]);
    batch(T0 + 5 * window);
    w.tick(T0 + 5 * window + 1);
    expect(types()).toEqual(["vantage.silent", "vantage.back"]);
  });

  it("reaches channels that take every event (the default) whatever their surfaces, never one that lists other events", () => {
    const { watch, types, batch, window } = setup();
    batch(T0);
    const w = watch();
    w.tick(T0);
    w.tick(T0 + window + 1);
    expect(types("ops")).toEqual(["vantage.silent"]);
    expect(types("api-only")).toEqual(["vantage.silent"]);
    expect(types("pick")).toEqual([]);
  });

  it("does nothing on a hub with no vantages", () => {
    const store = openMigratedMemory();
    const config = loadConfig({ DATABASE_PATH: ":memory:" });
    new VantageWatch(config, store.db, createLogger({ secrets: [], write: () => {} })).tick(T0);
    expect(store.sqlite.prepare("SELECT count(*) AS n FROM alert_states").get()).toEqual({ n: 0 });
  });
});

describe("vantage events in every channel's words", () => {
  const links = { publicUrl: "https://witness.example", instance: "w1a2b3c4d" };
  const silent = vantageSilentEvent({ id: "fra", name: "Frankfurt", lastBatchAt: T0 }, T0 + 180_000, links);
  const back = vantageBackEvent({ id: "fra", name: "Frankfurt", lastBatchAt: T0 }, T0 + 20 * 60_000, links);

  it("are event types a channel's events: may list, and part of the default 'all'", () => {
    expect(ALERT_EVENT_TYPES).toContain("vantage.silent");
    expect(ALERT_EVENT_TYPES).toContain("vantage.back");
    const config = hubConfig();
    expect(config.alerts.channels[0]!.events).toEqual(expect.arrayContaining(["vantage.silent", "vantage.back"]));
    expect(listAlerts(config.alerts).channels.map((c) => c.events)).toEqual([null, ["incident.opened"], null]);
  });

  it("titles say which vantage, and that it is not Claude's outage", () => {
    const m = buildMessage(silent);
    expect(m.title).toBe("Vantage Frankfurt (fra) is silent (not a Claude outage)");
    expect(m.facts).toEqual([
      { label: "Vantage", value: "Frankfurt (fra)" },
      { label: "Last results before the silence", value: "14:02 UTC, 4 May" },
    ]);
    expect(m.links).toEqual([{ label: "Vantages on Witness", url: "https://witness.example/methodology#vantages" }]);
    const b = buildMessage(back);
    expect(b.title).toBe("Vantage Frankfurt (fra) is back");
    expect(b.facts.at(-1)).toEqual({ label: "Results again since", value: "14:22 UTC, 4 May" });
    expect(b.summary).toBe("Vantage Frankfurt (fra) is back: results again since 14:22 UTC (none for 20 min)");
  });

  it("PagerDuty triggers on silent and resolves on back with the same dedup key", () => {
    const trigger = pagerdutyPayload(silent, "rk");
    const resolve = pagerdutyPayload(back, "rk");
    expect(trigger).toMatchObject({ event_action: "trigger", dedup_key: `witness-w1a2b3c4d-vantage-fra-${new Date(T0).toISOString()}` });
    expect(resolve).toMatchObject({ event_action: "resolve", dedup_key: trigger.dedup_key });
  });
});
