import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { MIGRATIONS_FOLDER, migrateDatabase } from "@/db/migrate";
import {
  countProbeResults,
  getLatestResults,
  getResultsBySeriesSince,
  insertProbeResult,
  insertProbeResults,
  rowToProbeResult,
} from "@/db/queries/probe-results";
import type { ProbeResult } from "@/probes/types";

const full: ProbeResult = {
  probe: "stream:claude-haiku-4-5",
  kind: "stream",
  model: "claude-haiku-4-5",
  startedAt: "2025-06-01T12:00:00.123Z",
  outcome: "degraded",
  errorClass: "slow",
  httpStatus: 200,
  dnsMs: 1.25,
  connectMs: 12.5,
  tlsMs: 20.125,
  ttfbMs: 340.75,
  ttftMs: 512.3456,
  totalMs: 1834.0625,
  outputTokens: 42,
  tokensPerSecond: 31.7,
  requestId: "req_011CTest",
  message: "slow: ttft 512ms",
  details: null,
};

const sparse: ProbeResult = {
  probe: "status:anthropic",
  kind: "status",
  model: null,
  startedAt: "2025-06-01T12:00:05.000Z",
  outcome: "down",
  errorClass: "dns_error",
  httpStatus: null,
  dnsMs: null,
  connectMs: null,
  tlsMs: null,
  ttfbMs: null,
  ttftMs: null,
  totalMs: null,
  outputTokens: null,
  tokensPerSecond: null,
  requestId: null,
  message: null,
  details: null,
};

function at(probe: string, iso: string): ProbeResult {
  return { ...full, probe, startedAt: iso };
}

let dir: string;
let opened: OpenedDatabase[];

function open(path: string, opts?: { readonly?: boolean }): OpenedDatabase {
  const handle = openDatabase(path, opts);
  opened.push(handle);
  return handle;
}

function openMigrated(): OpenedDatabase {
  const handle = open(join(dir, "witness.db"));
  migrateDatabase(handle.db);
  return handle;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-db-"));
  opened = [];
});

afterEach(() => {
  for (const handle of opened) handle.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("migrations", () => {
  it("create every table once and can run again without changing anything", () => {
    const { db, sqlite } = openMigrated();
    insertProbeResult(db, full);
    expect(() => migrateDatabase(db)).not.toThrow();

    const tables = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'probe_results'")
      .all();
    expect(tables).toHaveLength(1);
    const applied = sqlite.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number };
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: unknown[] };
    expect(applied.n).toBe(journal.entries.length);
    expect(countProbeResults(db)).toBe(1);
  });
});

describe("openDatabase", () => {
  it("uses WAL, a 5 s busy timeout, NORMAL sync and foreign keys", () => {
    const { sqlite } = openMigrated();
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(sqlite.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(sqlite.pragma("synchronous", { simple: true })).toBe(1); // 1 = NORMAL
    expect(sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
  });

  it("creates the parent directory when it is missing", () => {
    const path = join(dir, "nested", "deeper", "witness.db");
    const { db } = open(path);
    migrateDatabase(db);
    expect(existsSync(path)).toBe(true);
  });

  it("opens :memory: without touching the filesystem", () => {
    const { db, sqlite } = open(":memory:");
    migrateDatabase(db);
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("memory");
    expect(countProbeResults(db)).toBe(0);
  });

  it("a readonly handle reads but cannot write", () => {
    const writer = openMigrated();
    insertProbeResult(writer.db, full);

    const reader = open(join(dir, "witness.db"), { readonly: true });
    expect(countProbeResults(reader.db)).toBe(1);
    expect(() => insertProbeResult(reader.db, sparse)).toThrow(/readonly/i);
    expect(countProbeResults(writer.db)).toBe(1);
  });

  it("a readonly open of a missing file fails naming the path", () => {
    const path = join(dir, "missing", "witness.db");
    expect(() => openDatabase(path, { readonly: true })).toThrow(
      new RegExp(`Cannot open SQLite database .*missing.*witness\\.db.*read-only`),
    );
    expect(existsSync(join(dir, "missing"))).toBe(false);
  });
});

describe("probe_results queries", () => {
  it("a stored result reads back field by field", () => {
    const { db } = openMigrated();
    const fullId = insertProbeResult(db, full);
    const sparseId = insertProbeResult(db, sparse);
    expect(sparseId).toBeGreaterThan(fullId);

    const [newest, older] = getLatestResults(db, { limit: 10 });
    expect(newest && rowToProbeResult(newest)).toStrictEqual(sparse);
    expect(older && rowToProbeResult(older)).toStrictEqual(full);
    expect(older?.id).toBe(fullId);
    expect(older?.startedAt).toBeInstanceOf(Date);
  });

  it("an unparseable startedAt is rejected instead of stored", () => {
    const { db } = openMigrated();
    expect(() => insertProbeResult(db, { ...full, startedAt: "yesterday" })).toThrow(/startedAt/);
    expect(countProbeResults(db)).toBe(0);
  });

  it("a batch is inserted in one transaction: all rows or none", () => {
    const { db } = openMigrated();
    const ids = insertProbeResults(db, [full, sparse]);
    expect(ids).toHaveLength(2);
    expect(countProbeResults(db)).toBe(2);

    expect(() => insertProbeResults(db, [full, { ...full, startedAt: "nope" }])).toThrow();
    expect(countProbeResults(db)).toBe(2);
  });

  it("results by series since a time keep only that series from that time, oldest first", () => {
    const { db } = openMigrated();
    const a = "messages:claude-sonnet-4-5";
    const b = "edge:api";
    insertProbeResults(db, [
      at(a, "2025-06-01T12:03:00.000Z"),
      at(b, "2025-06-01T12:02:00.000Z"),
      at(a, "2025-06-01T11:59:59.999Z"),
      at(a, "2025-06-01T12:00:00.000Z"),
      at(a, "2025-06-01T12:01:00.000Z"),
    ]);

    const since = new Date("2025-06-01T12:00:00.000Z");
    const rows = getResultsBySeriesSince(db, { series: a, since });
    expect(rows.map((r) => r.startedAt.toISOString())).toEqual([
      "2025-06-01T12:00:00.000Z",
      "2025-06-01T12:01:00.000Z",
      "2025-06-01T12:03:00.000Z",
    ]);
    expect(rows.every((r) => r.series === a)).toBe(true);

    const limited = getResultsBySeriesSince(db, { series: a, since, limit: 2 });
    expect(limited.map((r) => r.startedAt.toISOString())).toEqual([
      "2025-06-01T12:00:00.000Z",
      "2025-06-01T12:01:00.000Z",
    ]);
  });

  it("latest results come newest first across series, up to the limit", () => {
    const { db } = openMigrated();
    insertProbeResults(db, [
      at("x", "2025-06-01T12:00:00.000Z"),
      at("y", "2025-06-01T12:02:00.000Z"),
      at("z", "2025-06-01T12:01:00.000Z"),
    ]);
    const rows = getLatestResults(db, { limit: 2 });
    expect(rows.map((r) => r.series)).toEqual(["y", "z"]);
  });

  it("the series-over-time query is answered from the (vantage, series, started_at) index", () => {
    const { db, sqlite } = openMigrated();
    // Capture the SQL drizzle really sends, so the plan checked is the plan used.
    const prepare = vi.spyOn(sqlite, "prepare");
    getResultsBySeriesSince(db, { series: "stream:claude-haiku-4-5", since: new Date(0), limit: 5 });
    const sql = prepare.mock.calls.at(-1)?.[0];
    prepare.mockRestore();
    expect(sql).toMatch(/from "probe_results"/);

    const plan = sqlite
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all("local", "stream:claude-haiku-4-5", 0, 5) as { detail: string }[];
    const details = plan.map((p) => p.detail).join("\n");
    expect(details).toMatch(/SEARCH probe_results USING INDEX probe_results_vantage_series_started_uq \(vantage=\? AND series=\? AND started_at>\?\)/);
    // The index already yields rows in (started_at, rowid) order: no sort step.
    expect(details).not.toMatch(/TEMP B-TREE/);
  });
});
