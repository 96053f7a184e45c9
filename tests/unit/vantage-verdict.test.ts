/**
 * The hub's verdict across vantages (lib/vantage/verdict.ts) on a real database, fed through the real ingest of signed
 * batches: which incidents are published, with which scope, and which alerts reach which channel. The processes and
 * HTTP between them are tested in tests/unit/vantages-verdict-e2e.test.ts; the rule itself against a reference in
 * tests/unit/vantage-quorum.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { loadConfig, type Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { MONITOR_OFFLINE_PREFIX } from "@/lib/measure/connectivity";
import { insertVantageResult } from "@/db/queries/probe-results";
import { LOCAL_VANTAGE } from "@/db/schema";
import { listIncidents } from "@/lib/dashboard/incidents";
import { Ingest } from "@/lib/vantage/ingest";
import { reachWords } from "@/lib/vantage/evidence";
import { Verdicts } from "@/lib/vantage/verdict";
import { headline, readSurfaceVerdicts } from "@/lib/vantage/verdict-view";
import { signedHeaders } from "@/lib/vantage/wire";
import type { ProbeResult } from "@/probes/types";
import { openMigratedMemory } from "./support";

const SECRETS: Record<string, string> = {
  lon: "whsec_bG9uZG9uLXNlY3JldC1sb25kb24tc2VjcmV0",
  fra: "whsec_ZnJhbmtmdXJ0LXNlY3JldC1mcmFua2Z1cnQ=",
  iad: "whsec_dmlyZ2luaWEtc2VjcmV0LXZpcmdpbmlhLXM=",
};
const T0 = Date.parse("2026-12-01T10:00:00Z");
const STEP = 10_000;

let dir: string;
let store: OpenedDatabase;
let lines: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-verdict-"));
  store = openMigratedMemory();
  lines = [];
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A hub that only collects, with `ids` as its vantages, edge every 10 s, and two webhook channels: global only, and global + regional. */
function hubConfig(ids: string[] = ["lon", "fra", "iad"]): Config {
  const names: Record<string, string> = { lon: "London", fra: "Frankfurt", iad: "Virginia" };
  const path = join(dir, "hub.yaml");
  writeFileSync(
    path,
    [
      "vantage: { probe: false }",
      "probes: { edge: { intervalSeconds: 10 }, messages: { intervalSeconds: 10 } }",
      "feed: { minIncidentMinutes: 1 }",
      "alerts:",
      "  channels:",
      '    - { name: pager, type: webhook, url: "http://127.0.0.1:9/p", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }',
      '    - { name: chat, type: webhook, url: "http://127.0.0.1:9/c", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", scopes: [global, regional, unconfirmed] }',
      "vantages:",
      ...ids.map((id) => `  - { id: ${id}, name: ${names[id]}, secret: "${SECRETS[id]}" }`),
      "",
    ].join("\n"),
  );
  return loadConfig({ WITNESS_CONFIG: path, DATABASE_PATH: ":memory:" });
}

type Reading = "up" | "down" | "offline" | null;

function edge(at: number, reading: Exclude<Reading, null>, series: "edge" | "messages:claude-haiku-4-5" = "edge"): ProbeResult {
  const down = reading === "down";
  const model = series === "edge" ? null : "claude-haiku-4-5";
  return {
    probe: series, kind: series === "edge" ? "edge" : "messages", model, startedAt: new Date(at).toISOString(),
    outcome: reading === "offline" ? "inconclusive" : reading, errorClass: down ? "connection_error" : null, httpStatus: down ? null : 401,
    dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 40, ttftMs: null, totalMs: 50, outputTokens: null, tokensPerSecond: null, requestId: null,
    message: reading === "offline" ? `${MONITOR_OFFLINE_PREFIX} connectivity check failed too` : down ? "connect ECONNREFUSED" : null, details: null,
  };
}

class Hub {
  readonly config: Config;
  readonly verdicts: Verdicts;
  readonly ingest: Ingest;
  private batches = 0;

  constructor(ids?: string[]) {
    this.config = hubConfig(ids);
    const log = createLogger({ secrets: Object.values(SECRETS), write: (line) => lines.push(line) });
    this.verdicts = new Verdicts(this.config, store.db, log);
    this.ingest = new Ingest(this.config, store.db, log, this.verdicts);
  }

  /** One vantage's batch of results, received at `now`. */
  send(id: string, results: ProbeResult[], now: number): void {
    const body = JSON.stringify({ batchId: `b-${++this.batches}`, backlog: 0, results });
    const answer = this.ingest.receive(id, signedHeaders(SECRETS[id]!, `b-${this.batches}`, body, new Date(now)), body, now);
    expect(answer.status).toBe(200);
  }

  /** `steps` steps of 10 s from step `from`: each vantage's reading (null: it sends nothing), then the 10 s tick. */
  run(from: number, steps: number, reading: (id: string, step: number) => Reading): void {
    for (let step = from; step < from + steps; step++) {
      const at = T0 + step * STEP;
      for (const v of this.config.vantages) {
        const r = reading(v.id, step);
        if (r !== null) this.send(v.id, [edge(at, r)], at + 1_000);
      }
      this.verdicts.evaluate(at + 2_000);
    }
  }
}

const published = () =>
  store.sqlite.prepare("SELECT id, scope, started_at, ended_at, decided_at, vantages, confirmed_late, severity FROM measured_incidents WHERE vantage = '*' ORDER BY id").all() as {
    id: number; scope: string; started_at: number; ended_at: number | null; decided_at: number | null; vantages: string; confirmed_late: number; severity: string;
  }[];
const outbox = (channel: string) => (store.sqlite.prepare("SELECT event_id, event FROM alert_outbox WHERE channel = ? ORDER BY id").all(channel) as { event_id: string; event: string }[]).map((r) => ({ id: r.event_id, event: JSON.parse(r.event) }));
const incidentEvents = (channel: string) => outbox(channel).filter((r) => r.id.startsWith("incident."));

describe("the hub's verdict", () => {
  it("all vantages up: nothing published, nothing sent", () => {
    const hub = new Hub();
    hub.run(0, 30, () => "up");
    expect(published()).toEqual([]);
    // What the home page shows per vantage: counted, working, 24 h uptime, and TTFB from the hour rollups.
    const api = readSurfaceVerdicts(store.db, hub.config, T0 + 30 * STEP)!.get("api")!;
    expect(api).toMatchObject({ scope: null, eligible: 3, configured: 3, headline: "Claude API: working from 3 of 3 vantages" });
    for (const v of api.vantages) {
      expect(v).toMatchObject({ eligible: true, failing: false, uptime24h: 1, newestResultAt: T0 + 29 * STEP, ttftP50: null });
      expect(Math.abs(v.ttfbP50! - 40) / 40).toBeLessThan(0.05);
    }
    expect(outbox("pager")).toEqual([]);
    expect(outbox("chat")).toEqual([]);
  });

  it("one vantage's path fails while its connectivity check answers: one regional incident naming it, no global, no page", () => {
    const hub = new Hub();
    hub.run(0, 30, (id, step) => (id === "fra" && step >= 5 && step < 20 ? "down" : "up"));
    // The hub's own results of the surface (a hub that probes too): the feed's figures read them from raw rows.
    for (let step = 0; step < 30; step++) insertVantageResult(store.db, LOCAL_VANTAGE, edge(T0 + step * STEP + 3_000, "up"), null);
    hub.verdicts.evaluate(T0 + 31 * STEP);
    const rows = published();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ scope: "regional", started_at: T0 + 5 * STEP });
    expect(rows[0]!.ended_at).not.toBeNull();
    expect(JSON.parse(rows[0]!.vantages)).toEqual([{ id: "fra", firstFailureAt: T0 + 5 * STEP }]);
    expect(incidentEvents("pager")).toEqual([]);
    const chat = incidentEvents("chat");
    expect(chat.map((e) => e.event.type)).toEqual(["incident.opened", "incident.resolved"]);
    expect(chat[0]!.event).toMatchObject({ severity: "warning", data: { scope: "regional" } });
    expect(chat[0]!.event.summary).toContain("is failing from Frankfurt only since 10:00 UTC; London and Virginia succeed: likely a network path, not Claude");
    // No grade, no acknowledgement: the published global incidents are none.
    expect(store.sqlite.prepare("SELECT count(*) n FROM measured_incidents WHERE scope = 'global'").get()).toEqual({ n: 0 });
    // The regional feed has it (opened and resolved); the default feed has nothing.
    const items = store.sqlite.prepare("SELECT guid, event, scope, title FROM feed_items ORDER BY id").all() as { guid: string; event: string; scope: string; title: string }[];
    expect(items.map((i) => [i.event, i.scope])).toEqual([
      ["opened", "regional"],
      ["resolved", "regional"],
    ]);
    expect(items[0]!.guid).toMatch(/:m-\d+:regional:opened$/);
    expect(items[0]!.title).toBe("Regional: Claude API failing from Frankfurt only");
    // The incidents list names it for what it is: never graded, never held against the official page.
    const listed = listIncidents(store.db, hub.config, T0 + 30 * STEP).filter((i) => i.kind === "measured");
    expect(listed).toMatchObject([{ scope: "regional", accountable: false, acknowledged: null, official: [], vantages: [{ id: "fra", name: "Frankfurt", firstFailureAt: T0 + 5 * STEP }] }]);
    expect(listed[0]!.ackWords).toBe("not graded: below the quorum (likely a network path, not Claude)");
    expect(listIncidents(store.db, hub.config, T0 + 30 * STEP, 90, "global").filter((i) => i.kind === "measured")).toEqual([]);
  });

  it("two of three fail: one global incident, opened within 2 intervals of the second failure, started at the earliest, paged once", () => {
    const hub = new Hub();
    hub.run(0, 40, (id, step) => ((id === "fra" && step >= 5 && step < 30) || (id === "lon" && step >= 12 && step < 30) ? "down" : "up"));
    const rows = published();
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ scope: "global", started_at: T0 + 5 * STEP, severity: "down" });
    expect(row!.decided_at! - (T0 + 12 * STEP)).toBeLessThanOrEqual(2 * STEP);
    expect(row!.ended_at).not.toBeNull();
    expect(JSON.parse(row!.vantages).map((w: { id: string }) => w.id).sort()).toEqual(["fra", "lon"]);
    const pager = incidentEvents("pager");
    expect(pager.filter((e) => e.event.type === "incident.opened")).toHaveLength(1);
    expect(pager[0]!.event.summary).toContain("failing from 2 of 3 vantages (London, Frankfurt)");
    expect(pager[0]!.event.data).toMatchObject({ scope: "global", incidentId: `m-${row!.id}`, threadId: `m-${row!.id}` });
    // The chat channel heard the regional start, then the same incident made global: one thread.
    const chat = incidentEvents("chat").filter((e) => e.event.type === "incident.opened");
    expect(chat.map((e) => e.event.data.scope)).toEqual(["regional", "global"]);
    expect(new Set(chat.map((e) => e.event.data.threadId))).toEqual(new Set([`m-${row!.id}`]));
    expect(chat[1]!.event.summary).toContain("is now failing from 2 of 3 vantages (London, Frankfurt)");
    // The global feed tells the incident whole; its regional start stays in the regional feed, under its own GUID.
    const items = store.sqlite.prepare("SELECT guid, event, scope FROM feed_items ORDER BY id").all() as { guid: string; event: string; scope: string }[];
    expect(items.filter((i) => i.scope === "global").map((i) => i.event)).toEqual(["opened", "resolved"]);
    expect(items.filter((i) => i.scope === "regional").map((i) => i.guid.replace(/^.*:m-\d+:/, ""))).toEqual(["regional:opened"]);
  });

  it("a vantage whose own network is down is excluded: no regional incident for it", () => {
    const hub = new Hub();
    hub.run(0, 30, (id, step) => (id === "fra" && step >= 5 ? "offline" : "up"));
    expect(published()).toEqual([]);
    expect(outbox("chat")).toEqual([]);
  });

  it("a down vantage going silent mid-incident holds the global incident instead of resolving it", () => {
    const hub = new Hub();
    hub.run(0, 20, (id, step) => (id !== "iad" && step >= 5 ? "down" : "up"));
    expect(published()).toMatchObject([{ scope: "global", ended_at: null }]);
    // London goes silent; Frankfurt stays down, Virginia up: neither quorum, the incident holds.
    hub.run(20, 60, (id) => (id === "lon" ? null : id === "fra" ? "down" : "up"));
    expect(published()).toMatchObject([{ scope: "global", ended_at: null }]);
    expect(incidentEvents("pager").map((e) => e.event.type)).toEqual(["incident.opened"]);
  });

  it("two configured, one silent, the other down: unconfirmed, no global alert", () => {
    const hub = new Hub(["lon", "fra"]);
    hub.run(0, 30, (id, step) => (id === "lon" ? null : step >= 5 ? "down" : "up"));
    expect(published()).toMatchObject([{ scope: "unconfirmed", ended_at: null }]);
    expect(incidentEvents("pager")).toEqual([]);
    expect(incidentEvents("chat")[0]!.event.summary).toContain("is failing from Frankfurt, the only vantage reporting (unconfirmed)");
  });

  it("a vantage flapping every 3 minutes while another is down pages at most once per flap window", () => {
    const hub = new Hub();
    // Frankfurt down for 30 minutes; London down 90 s, up 90 s, over and over; Virginia up.
    hub.run(0, 180, (id, step) => (id === "fra" ? "down" : id === "lon" ? (step % 18 < 9 ? "down" : "up") : "up"));
    const globals = published().filter((r) => r.scope === "global");
    expect(globals.length).toBeGreaterThan(1);
    const opened = incidentEvents("pager").filter((e) => e.event.type === "incident.opened");
    // The flap window is alerts.resolveHoldMinutes (5 min): 30 minutes hold at most 6 windows, and each one at most one page.
    expect(opened.length).toBeLessThanOrEqual(Math.ceil((180 * STEP) / (5 * 60_000)));
    expect(opened).toHaveLength(1);
  });

  it("a vantage back after an hour cut off: its evidence is stored and noted, published incidents unchanged, no alert", () => {
    const hub = new Hub();
    // Virginia is cut off (ships nothing) while London and Frankfurt fail from step 10 to 40: a global incident.
    // It runs on past the 5-minute hold, so the global incident's "resolved" is written before Virginia is back.
    hub.run(0, 100, (id, step) => (id === "iad" ? null : step >= 10 && step < 40 ? "down" : "up"));
    const before = store.sqlite.prepare("SELECT * FROM measured_incidents WHERE scope IS NOT NULL ORDER BY id").all();
    const sentBefore = outbox("pager").length + outbox("chat").length;
    expect(before).toHaveLength(1);
    // An hour later Virginia catches up: it failed from step 12 to 35 too.
    const late = Array.from({ length: 60 }, (_, step) => edge(T0 + step * STEP, step >= 12 && step < 35 ? "down" : "up"));
    const now = T0 + 100 * STEP + 60 * 60_000;
    for (let i = 0; i < late.length; i += 20) hub.send("iad", late.slice(i, i + 20), now);
    hub.verdicts.evaluate(now + 1_000);
    expect(store.sqlite.prepare("SELECT * FROM measured_incidents WHERE scope IS NOT NULL ORDER BY id").all()).toEqual(before);
    expect(outbox("pager").length + outbox("chat").length).toBe(sentBefore);
    const notes = store.sqlite.prepare("SELECT incident_id, vantage, started_at, ended_at, reported_at FROM late_evidence").all();
    expect(notes).toEqual([{ incident_id: (before[0] as { id: number }).id, vantage: "iad", started_at: T0 + 12 * STEP, ended_at: T0 + 35 * STEP, reported_at: now }]);
    const [listed] = listIncidents(store.db, hub.config, now).filter((i) => i.kind === "measured");
    expect(listed!.lateNotes).toEqual([expect.stringMatching(/^Virginia also failed \d\d:\d\d UTC.*–\d\d:\d\d UTC.*, reported at /)]);
    // Its rows fill its charts: every one of them stored.
    expect(store.sqlite.prepare("SELECT count(*) n FROM probe_results WHERE vantage = 'iad'").get()).toEqual({ n: 60 });
  });

  it("an unconfirmed span becomes global late when the other vantage's rows arrive, marked so, without a page", () => {
    const hub = new Hub(["lon", "fra"]);
    hub.run(0, 40, (id, step) => (id === "lon" ? null : step >= 5 && step < 30 ? "down" : "up"));
    expect(published()).toMatchObject([{ scope: "unconfirmed" }]);
    const now = T0 + 40 * STEP + 30 * 60_000;
    hub.send("lon", Array.from({ length: 40 }, (_, step) => edge(T0 + step * STEP, step >= 6 && step < 28 ? "down" : "up")), now);
    hub.verdicts.evaluate(now + 1_000);
    const [row] = published();
    expect(row).toMatchObject({ scope: "global", confirmed_late: 1, started_at: T0 + 5 * STEP });
    expect(incidentEvents("pager")).toEqual([]);
  });

  it("one vantage failing on two series of a surface is one regional thread: one opened, one resolved", () => {
    const hub = new Hub();
    for (let step = 0; step < 30; step++) {
      const at = T0 + step * STEP;
      for (const v of hub.config.vantages) {
        const r = v.id === "fra" && step >= 5 && step < 20 ? "down" : "up";
        hub.send(v.id, [edge(at, r), edge(at + 500, r, "messages:claude-haiku-4-5")], at + 1_000);
      }
      hub.verdicts.evaluate(at + 2_000);
    }
    expect(published().map((r) => r.scope)).toEqual(["regional", "regional"]);
    const chat = incidentEvents("chat");
    expect(chat.map((e) => e.event.type)).toEqual(["incident.opened", "incident.resolved"]);
    expect(chat[0]!.event.data.threadId).toBe(chat[1]!.event.data.threadId);
    expect(chat[0]!.event.summary).toMatch(/^Claude API is failing from Frankfurt only since \d\d:\d\d UTC; London and Virginia succeed: likely a network path, not Claude: /);
  });

  it("a series failing from one vantage beside a global incident of its surface folds into the global thread", () => {
    const hub = new Hub();
    for (let step = 0; step < 80; step++) {
      const at = T0 + step * STEP;
      for (const v of hub.config.vantages) {
        const outage = step >= 5 && step < 30;
        const edgeDown = outage && v.id !== "iad";
        const messagesDown = outage && v.id === "fra";
        hub.send(v.id, [edge(at, edgeDown ? "down" : "up"), edge(at + 500, messagesDown ? "down" : "up", "messages:claude-haiku-4-5")], at + 1_000);
      }
      hub.verdicts.evaluate(at + 2_000);
    }
    expect(published().map((r) => r.scope).sort()).toEqual(["global", "regional"]);
    const chat = incidentEvents("chat");
    // Frankfurt's batch comes first: for a moment it fails alone (regional); London's makes it global. The messages
    // series, failing from Frankfurt only all along, says nothing of its own: no second start, no regional end.
    expect(chat.map((e) => [e.event.type, e.event.data.scope])).toEqual([
      ["incident.opened", "regional"],
      ["incident.opened", "global"],
      ["incident.resolved", "global"],
    ]);
  });

  it("a database that refuses the verdict's writes: never a throw, one log line a minute, decided once it takes writes", () => {
    const path = join(dir, "hub.db");
    const writer = openDatabase(path);
    migrateDatabase(writer.db);
    const config = hubConfig();
    const log = createLogger({ secrets: Object.values(SECRETS), write: (line) => lines.push(line) });
    // Evidence for a global incident, stored through the real ingest with no verdict to decide it.
    const ingest = new Ingest(config, writer.db, log);
    for (let step = 0; step < 10; step++) {
      for (const id of ["lon", "fra", "iad"]) {
        const body = JSON.stringify({ batchId: `b-${id}-${step}`, backlog: 0, results: [edge(T0 + step * STEP, id === "iad" || step < 3 ? "up" : "down")] });
        expect(ingest.receive(id, signedHeaders(SECRETS[id]!, `b-${id}-${step}`, body, new Date(T0 + step * STEP + 1_000)), body, T0 + step * STEP + 1_000).status).toBe(200);
      }
    }
    const readonly = openDatabase(path, { readonly: true });
    try {
      const refused = new Verdicts(config, readonly.db, log);
      lines.length = 0;
      for (let i = 0; i < 50; i++) expect(refused.evaluate(T0 + 10 * STEP + i)).toBe(false);
      expect(lines.filter((l) => l.includes("verdict not decided"))).toHaveLength(1);
      expect(new Verdicts(config, writer.db, log).evaluate(T0 + 10 * STEP + 100)).toBe(true);
      expect(writer.sqlite.prepare("SELECT scope FROM measured_incidents WHERE vantage = '*'").all()).toEqual([{ scope: "global" }]);
    } finally {
      readonly.close();
      writer.close();
    }
  });

  it("says the verdict in words people read", () => {
    expect(reachWords("global", ["London", "Frankfurt"], ["London", "Frankfurt", "Virginia"])).toBe("is failing from 2 of 3 vantages (London, Frankfurt)");
    expect(reachWords("regional", ["London"], ["London", "Frankfurt", "Virginia"])).toBe("is failing from London only; Frankfurt and Virginia succeed: likely a network path, not Claude");
    expect(reachWords("unconfirmed", ["London"], ["London"])).toBe("is failing from London, the only vantage reporting (unconfirmed)");
    const api = { name: "Claude API" };
    expect(headline(api, "global", ["London", "Frankfurt"], ["London", "Frankfurt", "Virginia"], 3)).toBe("Claude API: failing from 2 of 3 vantages (London, Frankfurt)");
    expect(headline(api, "regional", ["London"], ["London", "Frankfurt", "Virginia"], 3)).toBe("Regional: Claude API failing from London only; Frankfurt and Virginia succeed: likely a network path, not Claude");
    expect(headline(api, "unconfirmed", ["London"], ["London"], 2)).toBe("Unconfirmed: Claude API failing, and only London is reporting");
    expect(headline(api, null, [], ["London", "Frankfurt"], 3)).toBe("Claude API: working from 2 of 3 vantages");
    expect(headline(api, null, [], [], 3)).toBe("Claude API: no vantage reporting (0 of 3)");
  });
});
