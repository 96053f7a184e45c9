/**
 * Storage for many vantages (db/migrations/0010_vantages.sql): an existing database keeps every row as this install's
 * own (`local`), a vantage's result is stored once per (vantage, series, startedAt), and a vantage's rows never reach
 * what a single install reads (its pages, API, uptime and incidents).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase, MIGRATIONS_FOLDER } from "@/db/migrate";
import { getDetectorStates, saveDetectorState } from "@/db/queries/measured-incidents";
import { getLatestResults, getResultsBySeriesSince, insertProbeResult, insertVantageResult } from "@/db/queries/probe-results";
import { getRollupsBySeriesRange, getSeriesCoverageWithCarry } from "@/db/queries/rollups";
import { updateRollupsForResult, updateRollupsForResults } from "@/lib/keep/rollup-writer";
import type { ProbeResult } from "@/probes/types";

let dir: string;
let stores: OpenedDatabase[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-vantage-storage-"));
  stores = [];
});
afterEach(() => {
  for (const s of stores) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(path = join(dir, "w.db")): OpenedDatabase {
  const store = openDatabase(path);
  stores.push(store);
  return store;
}

function result(startedAt: string, outcome: ProbeResult["outcome"] = "up", series = "messages:claude-haiku-4-5"): ProbeResult {
  return {
    probe: series, kind: "messages", model: "claude-haiku-4-5", startedAt, outcome, errorClass: outcome === "down" ? "http_5xx" : null, httpStatus: outcome === "down" ? 500 : 200,
    dnsMs: 1, connectMs: 2, tlsMs: 3, ttfbMs: 40, ttftMs: null, totalMs: 50, outputTokens: 3, tokensPerSecond: null, requestId: "req_1", message: null, details: null,
  };
}

/** The migrations folder as it was before vantages: the same files, the journal cut before 0010. */
function foldersBeforeVantages(): string {
  const old = join(dir, "migrations-0009");
  cpSync(MIGRATIONS_FOLDER, old, { recursive: true });
  const journalPath = join(old, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.tag < "0010");
  writeFileSync(journalPath, JSON.stringify(journal));
  return old;
}

describe("the vantages migration", () => {
  it("keeps every stored row, as this install's own, with its detector state", () => {
    const store = open();
    migrate(store.db, { migrationsFolder: foldersBeforeVantages() });
    store.sqlite.prepare("INSERT INTO probe_results (series, kind, model, started_at, outcome) VALUES ('messages:claude-haiku-4-5', 'messages', 'claude-haiku-4-5', ?, 'up')").run(Date.parse("2026-12-01T10:00:00Z"));
    store.sqlite.prepare("INSERT INTO detector_states (series, state, updated_at) VALUES ('messages:claude-haiku-4-5', '{\"open\":null}', 1)").run();
    migrateDatabase(store.db);
    expect(store.sqlite.prepare("SELECT vantage, series FROM probe_results").all()).toEqual([{ vantage: "local", series: "messages:claude-haiku-4-5" }]);
    expect(getDetectorStates(store.db)).toEqual([{ vantage: "local", series: "messages:claude-haiku-4-5", state: { open: null } }]);
    expect(getResultsBySeriesSince(store.db, { series: "messages:claude-haiku-4-5", since: new Date(0) })).toHaveLength(1);
  });
});

describe("a vantage's results", () => {
  it("are stored once per (vantage, series, startedAt): a repeated row changes nothing", () => {
    const store = open();
    migrateDatabase(store.db);
    const row = result("2026-12-01T10:00:00.000Z");
    const received = new Date("2026-12-01T10:00:05Z");
    const first = insertVantageResult(store.db, "fra", row, received);
    expect(first).not.toBeNull();
    expect(insertVantageResult(store.db, "fra", { ...row, outcome: "down" }, received)).toBeNull();
    // Another vantage, or this install, may have a result of the same series at the same instant.
    expect(insertVantageResult(store.db, "iad", row, received)).not.toBeNull();
    expect(insertVantageResult(store.db, "local", row, received)).not.toBeNull();
    const rows = store.sqlite.prepare("SELECT vantage, outcome, received_at AS receivedAt FROM probe_results ORDER BY id").all();
    expect(rows).toEqual([
      { vantage: "fra", outcome: "up", receivedAt: received.getTime() },
      { vantage: "iad", outcome: "up", receivedAt: received.getTime() },
      { vantage: "local", outcome: "up", receivedAt: received.getTime() },
    ]);
  });

  it("keep rollups, coverage and detector state of their own, and never reach this install's reads", () => {
    const store = open();
    migrateDatabase(store.db);
    const series = "messages:claude-haiku-4-5";
    const ownAt = "2026-12-01T10:00:10.000Z";
    insertProbeResult(store.db, result(ownAt));
    updateRollupsForResult(store.db, result(ownAt), { gapMs: 150_000 });
    for (const at of ["2026-12-01T10:00:20.000Z", "2026-12-01T10:00:40.000Z"]) {
      insertVantageResult(store.db, "fra", result(at, "down"), new Date());
      updateRollupsForResult(store.db, result(at, "down"), { gapMs: 150_000 }, "fra");
    }
    saveDetectorState(store.db, series, { open: { startedAt: 1 } }, new Date(), "fra");
    saveDetectorState(store.db, series, { open: null }, new Date());

    const hour = { series, from: new Date("2026-12-01T10:00:00Z"), to: new Date("2026-12-01T11:00:00Z") };
    const own = getRollupsBySeriesRange(store.db, "minute", hour);
    expect(own.map((r) => [r.vantage, r.up, r.down])).toEqual([["local", 1, 0]]);
    const fra = getRollupsBySeriesRange(store.db, "minute", { ...hour, vantage: "fra" });
    expect(fra.map((r) => [r.vantage, r.up, r.down])).toEqual([["fra", 0, 2]]);
    expect(getRollupsBySeriesRange(store.db, "day", { series, from: new Date("2026-12-01T00:00:00Z"), to: new Date("2026-12-02T00:00:00Z") }).map((r) => r.up + r.down)).toEqual([1]);
    const coverage = { series, from: hour.from.getTime(), to: hour.to.getTime() };
    expect(getSeriesCoverageWithCarry(store.db, coverage).map((c) => c.vantage)).toEqual(["local"]);
    expect(getSeriesCoverageWithCarry(store.db, { ...coverage, vantage: "fra" }).map((c) => c.vantage)).toEqual(["fra"]);

    expect(getResultsBySeriesSince(store.db, { series, since: new Date(0) }).map((r) => r.startedAt.toISOString())).toEqual([ownAt]);
    expect(getResultsBySeriesSince(store.db, { series, since: new Date(0), vantage: "fra" })).toHaveLength(2);
    expect(getLatestResults(store.db, { limit: 10 }).map((r) => r.vantage)).toEqual(["local"]);
    expect(getDetectorStates(store.db).map((s) => [s.vantage, s.state])).toEqual(
      expect.arrayContaining([
        ["local", { open: null }],
        ["fra", { open: { startedAt: 1 } }],
      ]),
    );
  });
});

describe("a batch's rollups", () => {
  it("are the rows one update per result would have written, each bucket recomputed once", () => {
    const perResult = open(join(dir, "a.db"));
    const batched = open(join(dir, "b.db"));
    migrateDatabase(perResult.db);
    migrateDatabase(batched.db);
    const from = Date.parse("2026-12-01T22:50:00Z");
    const results = Array.from({ length: 180 }, (_, i) => result(new Date(from + i * 20_000).toISOString(), i % 7 === 0 ? "down" : "up", i % 2 ? "edge" : "messages:claude-haiku-4-5"));
    for (const r of results) {
      insertVantageResult(perResult.db, "fra", r, null);
      updateRollupsForResult(perResult.db, r, { gapMs: 150_000 }, "fra");
      insertVantageResult(batched.db, "fra", r, null);
    }
    updateRollupsForResults(batched.db, results, () => 150_000, "fra");
    for (const table of ["rollups_minute", "rollups_hour", "rollups_day", "coverage_hours"]) {
      const rows = (store: OpenedDatabase) => store.sqlite.prepare(`SELECT * FROM ${table} ORDER BY vantage, series, bucket_start`).all();
      expect(rows(batched), table).toEqual(rows(perResult));
      expect(rows(batched).length, table).toBeGreaterThan(0);
    }
  });
});
