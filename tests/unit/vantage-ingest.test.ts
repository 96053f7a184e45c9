/**
 * The hub's ingest of a vantage's batches (lib/vantage/ingest.ts), the plan it hands out (lib/vantage/plan.ts), the
 * vantage's environment check (lib/vantage/env.ts) and its shipping queue (lib/vantage/ship-store.ts), on a real
 * database. The processes and the HTTP path between them are tested in tests/unit/vantages-e2e.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OpenedDatabase } from "@/db/client";
import { getVantageRows } from "@/db/queries/vantages";
import { ConfigError, loadConfig, type Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { hubLinkFromEnv } from "@/lib/vantage/env";
import { Ingest } from "@/lib/vantage/ingest";
import { applyPlan, planOf, samePlan } from "@/lib/vantage/plan";
import { SqliteShipStore } from "@/lib/vantage/ship-store";
import { signedHeaders } from "@/lib/vantage/wire";
import { obtainPlan } from "@/lib/vantage/plan-client";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { insertProbeResult } from "@/db/queries/probe-results";
import type { ProbeResult } from "@/probes/types";
import { openMigratedMemory } from "./support";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER = "whsec_dGhpcy1pcy1hbm90aGVyLXNlY3JldA==";
let dir: string;
let store: OpenedDatabase;
let lines: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-ingest-"));
  store = openMigratedMemory();
  lines = [];
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function hubConfig(extra = ""): Config {
  const path = join(dir, "hub.yaml");
  writeFileSync(path, `vantages:\n  - { id: fra, name: Frankfurt, secret: "\${FRA_SECRET}" }\n  - { id: iad, name: Virginia, secret: "\${IAD_SECRET}", group: us-east }\n${extra}`);
  return loadConfig({ WITNESS_CONFIG: path, DATABASE_PATH: ":memory:", FRA_SECRET: SECRET, IAD_SECRET: OTHER });
}

function ingest(config = hubConfig()): Ingest {
  return new Ingest(config, store.db, createLogger({ secrets: [SECRET, OTHER], write: (line) => lines.push(line) }));
}

function result(startedAt: string, outcome: ProbeResult["outcome"] = "up", series = "edge"): ProbeResult {
  return {
    probe: series, kind: "edge", model: null, startedAt, outcome, errorClass: outcome === "down" ? "http_5xx" : null, httpStatus: outcome === "down" ? 500 : 401,
    dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 40, ttftMs: null, totalMs: 50, outputTokens: null, tokensPerSecond: null, requestId: null, message: null, details: null,
  };
}

function batch(results: unknown[], batchId = "b-1-9", backlog = 0): string {
  return JSON.stringify({ batchId, backlog, results });
}

function send(hub: Ingest, body: string, options: { id?: string; secret?: string; at?: number; now?: number } = {}) {
  const now = options.now ?? Date.parse("2026-12-01T10:05:00Z");
  const headers = signedHeaders(options.secret ?? SECRET, /"batchId":"([^"]+)"/.exec(body)?.[1] ?? "x", body, new Date(options.at ?? now));
  return hub.receive(options.id ?? "fra", headers, body, now);
}

const starts = (n: number, from = Date.parse("2026-12-01T10:00:00Z")) => Array.from({ length: n }, (_, i) => new Date(from + i * 10_000).toISOString());

describe("a hub's ingest", () => {
  it("stores each result once; a repeated batch is all duplicates and changes no row", () => {
    const hub = ingest();
    const body = batch(starts(5).map((s) => result(s)));
    expect(send(hub, body)).toEqual({ status: 200, body: { accepted: 5, duplicates: 0, rejected: [] } });
    const before = store.sqlite.prepare("SELECT * FROM probe_results ORDER BY id").all();
    expect(send(hub, body)).toEqual({ status: 200, body: { accepted: 0, duplicates: 5, rejected: [] } });
    expect(store.sqlite.prepare("SELECT * FROM probe_results ORDER BY id").all()).toEqual(before);
    const [fra] = getVantageRows(store.db).filter((r) => r.id === "fra");
    expect(fra).toMatchObject({ accepted: 5, duplicates: 5, rejected: 0, backlog: 0 });
    expect(fra!.newestResultAt?.toISOString()).toBe(starts(5).at(-1));
  });

  it("takes the vantage from the secret that verified, never from the body, and rejects bad rows one by one", () => {
    const hub = ingest();
    const rows = [{ ...result(starts(1)[0]!), vantage: "iad" }, { probe: "edge", kind: "nope" }, result(starts(2)[1]!)];
    const answer = send(hub, batch(rows));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect((answer.body.rejected as { index: number }[]).map((r) => r.index)).toEqual([1]);
    expect(store.sqlite.prepare("SELECT DISTINCT vantage FROM probe_results").all()).toEqual([{ vantage: "fra" }]);
    // Signed with Virginia's secret but sent as Frankfurt: refused, nothing stored.
    const forged = send(hub, batch([result(starts(3)[2]!)], "b-9-9"), { secret: OTHER });
    expect(forged).toEqual({ status: 401, body: { error: "bad_signature" } });
    expect(store.sqlite.prepare("SELECT count(*) AS n FROM probe_results").get()).toEqual({ n: 2 });
  });

  it("refuses an unknown vantage, a stale timestamp and a malformed envelope with nothing stored, and logs no secret", () => {
    const hub = ingest();
    const body = batch([result(starts(1)[0]!)]);
    expect(send(hub, body, { id: "nope" })).toEqual({ status: 401, body: { error: "unknown_vantage" } });
    const now = Date.parse("2026-12-01T10:05:00Z");
    expect(send(hub, body, { at: now - 6 * 60_000, now })).toEqual({ status: 401, body: { error: "timestamp_out_of_tolerance" } });
    expect(send(hub, "{not json", { now }).status).toBe(400);
    expect(store.sqlite.prepare("SELECT count(*) AS n FROM probe_results").get()).toEqual({ n: 0 });
    // A known vantage's refusal is remembered for its state (auth_failing); an unknown one leaves no row.
    expect(getVantageRows(store.db).map((r) => [r.id, r.lastAuthFailure])).toEqual([["fra", "timestamp_out_of_tolerance"]]);
    expect(lines.join("\n")).not.toContain(SECRET.slice(6));
    expect(lines.some((l) => l.includes("unknown_vantage"))).toBe(true);
  });

  it("keeps what the vantage says it dropped unsent, never lowering it", () => {
    const hub = ingest();
    const withDropped = (n: number, id: string) => JSON.stringify({ batchId: id, backlog: 0, dropped: n, results: [] });
    send(hub, withDropped(12, "b-1-1"));
    send(hub, withDropped(3, "b-2-2"));
    expect(getVantageRows(store.db).find((r) => r.id === "fra")!.dropped).toBe(12);
    expect(send(hub, withDropped(-1, "b-3-3")).status).toBe(400);
  });

  it("a bad signature under a vantage's id changes nothing about that vantage: anyone can send one", () => {
    const hub = ingest();
    const now = Date.parse("2026-12-01T10:05:00Z");
    // A stale timestamp signed with another secret: the signature is checked first, so it is only a bad signature.
    expect(send(hub, batch([result(starts(1)[0]!)]), { secret: OTHER, at: now - 6 * 60_000, now })).toEqual({ status: 401, body: { error: "bad_signature" } });
    expect(send(hub, batch([result(starts(1)[0]!)]), { secret: OTHER, now })).toEqual({ status: 401, body: { error: "bad_signature" } });
    expect(getVantageRows(store.db)).toEqual([]);
    expect(lines.some((l) => l.includes('vantage "fra": request refused (bad_signature)'))).toBe(true);
  });

  it("records the vantage's clock skew from its signed timestamp", () => {
    const hub = ingest();
    const now = Date.parse("2026-12-01T10:05:00Z");
    expect(send(hub, batch([result(starts(1)[0]!)]), { at: now + 90_000, now }).status).toBe(200);
    const skew = getVantageRows(store.db).find((r) => r.id === "fra")!.clockSkewMs!;
    // The signature carries whole seconds.
    expect(Math.abs(skew - 90_000)).toBeLessThan(1_000);
  });

  it("runs the vantage's own detector: its incident is its own evidence, neither an alert nor a feed item", () => {
    const hub = ingest(hubConfig("alerts:\n  channels:\n    - { name: hook, type: webhook, url: \"http://127.0.0.1:9/hook\", secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\" }\n"));
    const down = starts(6).map((s) => result(s, "down"));
    expect(send(hub, batch(down)).body).toMatchObject({ accepted: 6 });
    const incidents = store.sqlite.prepare("SELECT vantage, series, severity, ended_at AS endedAt FROM measured_incidents").all();
    expect(incidents).toEqual([{ vantage: "fra", series: "edge", severity: "down", endedAt: null }]);
    expect(store.sqlite.prepare("SELECT count(*) AS n FROM alert_outbox").get()).toEqual({ n: 0 });
    expect(store.sqlite.prepare("SELECT count(*) AS n FROM feed_items").get()).toEqual({ n: 0 });
    // A second Ingest (a restarted hub) picks the vantage's detector up where it was: the recovery resolves it.
    const restarted = ingest(hubConfig());
    const up = starts(4, Date.parse("2026-12-01T10:01:00Z")).map((s) => result(s));
    expect(send(restarted, batch(up, "b-10-13")).body).toMatchObject({ accepted: 4 });
    expect(store.sqlite.prepare("SELECT count(*) AS n FROM measured_incidents WHERE ended_at IS NOT NULL").get()).toEqual({ n: 1 });
  });

  it("answers 503 with Retry-After when it cannot write, and the batch is taken whole once it can", () => {
    const hub = ingest();
    const body = batch(starts(3).map((s) => result(s, "down")));
    store.sqlite.pragma("query_only = 1");
    expect(send(hub, body)).toEqual({ status: 503, body: { error: "storage_unavailable" }, retryAfterSeconds: 30 });
    store.sqlite.pragma("query_only = 0");
    expect(send(hub, body).body).toMatchObject({ accepted: 3, duplicates: 0 });
  });
});

describe("the plan", () => {
  it("is the hub's probes, models and answer check; a vantage runs it over its own config", () => {
    const hub = hubConfig("models: [claude-sonnet-4-5]\nprobes:\n  edge: { intervalSeconds: 15 }\n");
    const plan = JSON.parse(JSON.stringify(planOf(hub)));
    expect(Object.keys(plan).sort()).toEqual(["answer", "maxTokens", "models", "probes"]);
    const local = loadConfig({ DATABASE_PATH: "/tmp/vantage.db", ANTHROPIC_BASE_URL: "https://gateway.example.org/anthropic" });
    const ran = applyPlan(local, plan);
    expect(ran.models).toEqual(["claude-sonnet-4-5"]);
    expect(ran.probes.edge.intervalSeconds).toBe(15);
    expect(ran.databasePath).toBe("/tmp/vantage.db");
    expect(ran.anthropicBaseUrl).toBe("https://gateway.example.org/anthropic");
    expect(JSON.stringify(plan)).not.toContain("whsec_");
    expect(() => applyPlan(local, { ...plan, probes: { edge: { intervalSeconds: -1 } } })).toThrow(/plan is not valid: probes\.edge\.intervalSeconds/);
    expect(samePlan(plan, JSON.parse(JSON.stringify({ probes: plan.probes, maxTokens: plan.maxTokens, answer: plan.answer, models: plan.models })))).toBe(true);
    expect(samePlan(plan, { ...plan, models: ["claude-haiku-4-5"] })).toBe(false);
  });
});

describe("configuration", () => {
  it("names a vantage secret that is not set, never a value, and refuses ids that clash", () => {
    const path = join(dir, "hub.yaml");
    writeFileSync(path, 'vantages:\n  - { id: fra, name: Frankfurt, secret: "${FRA_SECRET}" }\n');
    expect(() => loadConfig({ WITNESS_CONFIG: path })).toThrow(/^.*vantages.{1,4}secret: FRA_SECRET is not set$/);
    writeFileSync(path, `vantages:\n  - { id: local, name: Here, secret: "${SECRET}" }\n`);
    expect(() => loadConfig({ WITNESS_CONFIG: path })).toThrow(ConfigError);
    writeFileSync(path, `vantages:\n  - { id: fra, name: A, secret: "${SECRET}" }\n  - { id: fra, name: B, secret: "${OTHER}" }\n`);
    expect(() => loadConfig({ WITNESS_CONFIG: path })).toThrow(/unique/);
    writeFileSync(path, 'vantages:\n  - { id: fra, name: A, secret: "not-a-secret" }\n');
    let message = "";
    try {
      loadConfig({ WITNESS_CONFIG: path });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/whsec_/);
    expect(message).not.toContain("not-a-secret");
  });

  it("a vantage's environment: each missing or wrong variable named, the secret never quoted", () => {
    expect(hubLinkFromEnv({})).toEqual({ problem: expect.stringMatching(/^WITNESS_HUB_URL, WITNESS_VANTAGE_ID, WITNESS_VANTAGE_SECRET are not set/) });
    const base = { WITNESS_HUB_URL: "https://hub.example.org/", WITNESS_VANTAGE_ID: "fra", WITNESS_VANTAGE_SECRET: SECRET };
    expect(hubLinkFromEnv(base)).toEqual({ hubUrl: "https://hub.example.org", vantageId: "fra", secret: SECRET });
    expect(hubLinkFromEnv({ ...base, WITNESS_HUB_URL: "ftp://x" })).toEqual({ problem: expect.stringMatching(/^WITNESS_HUB_URL=/) });
    expect(hubLinkFromEnv({ ...base, WITNESS_VANTAGE_ID: "Frankfurt!" })).toEqual({ problem: expect.stringMatching(/^WITNESS_VANTAGE_ID=/) });
    const wrong = hubLinkFromEnv({ ...base, WITNESS_VANTAGE_SECRET: "hunter2-secret" });
    expect(wrong).toEqual({ problem: expect.stringMatching(/^WITNESS_VANTAGE_SECRET: must be/) });
    expect(JSON.stringify(wrong)).not.toContain("hunter2");
  });
});

describe("a vantage's shipping queue", () => {
  it("hands out its own results after the cursor in id order, and moves past unsent ones older than the cutoff", () => {
    const queue = new SqliteShipStore(store.db);
    const times = starts(6, Date.parse("2026-11-20T10:00:00Z"));
    for (const t of times) insertProbeResult(store.db, result(t));
    expect(queue.cursor()).toBe(0);
    expect(queue.backlog(0)).toBe(6);
    const first = queue.pending(0, 4);
    expect(first.map((r) => r.result.startedAt)).toEqual(times.slice(0, 4));
    queue.advance(first.at(-1)!.id);
    queue.advance(1); // never backwards
    expect(queue.cursor()).toBe(first.at(-1)!.id);
    // Rows 5 and 6: the cutoff falls between them, so only 5 is dropped, and counted.
    expect(queue.dropOlderThan(Date.parse(times[5]!), queue.cursor())).toBe(1);
    expect(queue.dropped()).toBe(1);
    expect(queue.pending(queue.cursor(), 10).map((r) => r.result.startedAt)).toEqual([times[5]]);
    // The vantage keeps its own history: nothing was deleted.
    expect(store.sqlite.prepare("SELECT count(*) AS n FROM probe_results").get()).toEqual({ n: 6 });
  });
});

describe("a vantage's plan from its hub", () => {
  it("a plan it cannot run, or a page that is no plan, is passed over for the plan kept; a good one is kept", async () => {
    const queue = new SqliteShipStore(store.db);
    const local = loadConfig({ DATABASE_PATH: ":memory:" });
    const good = JSON.parse(JSON.stringify(planOf(hubConfig("probes:\n  edge: { intervalSeconds: 15 }\n"))));
    const answers = [JSON.stringify({ plan: good }), JSON.stringify({ plan: { ...good, probes: { teleport: {} } } }), "<html>portal</html>"];
    const hub = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answers.shift());
    });
    await new Promise<void>((r) => hub.listen(0, "127.0.0.1", () => r()));
    try {
      const link = { hubUrl: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`, vantageId: "fra", secret: SECRET };
      const log = createLogger({ secrets: [SECRET], write: (line) => lines.push(line) });
      const run = (plan: unknown) => applyPlan(local, plan);
      expect((await obtainPlan(link, queue, log, run)).probes.edge.intervalSeconds).toBe(15);
      expect((await obtainPlan(link, queue, log, run)).probes.edge.intervalSeconds).toBe(15);
      expect((await obtainPlan(link, queue, log, run)).probes.edge.intervalSeconds).toBe(15);
      expect(samePlan(queue.savedPlan(), good)).toBe(true);
      expect(lines.filter((l) => l.includes("probing with the last plan the hub sent"))).toHaveLength(2);
      expect(lines.join("\n")).not.toContain("portal");
    } finally {
      hub.close();
    }
  });
});
