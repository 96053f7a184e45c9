/**
 * The web process's freshness rule (lib/web/cache.ts) and its database handle (lib/web/context.ts), on real SQLite
 * files: a cached read is reused only for the same file, unchanged, and younger than 30 s; a file replaced or
 * removed under a running server is noticed at the next read.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { countProbeResults, insertProbeResult } from "@/db/queries/probe-results";
import { loadConfig, type Config } from "@/lib/config";
import { clearCache, FRESH_FOR_MS, inRenderScope, MAX_ENTRIES, readThrough, type RenderScope } from "@/lib/web/cache";
import { getWebContext, setWebContext } from "@/lib/web/context";
import { sampleResult } from "./support";

let dir: string;
let config: Config;
const saved = { DATABASE_PATH: process.env.DATABASE_PATH, WITNESS_CONFIG: process.env.WITNESS_CONFIG };

/**
 * A migrated database file holding `results` probe results, in rollback-journal mode so that no -wal file is left
 * beside it: moving a file over a WAL database whose -wal remains would hand SQLite the old database's log.
 */
function makeDatabase(name: string, results: number): string {
  const path = join(dir, name);
  const writer = openDatabase(path);
  migrateDatabase(writer.db);
  for (let i = 0; i < results; i++) insertProbeResult(writer.db, sampleResult(new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
  writer.sqlite.pragma("journal_mode = DELETE");
  writer.close();
  return path;
}

/** Count the results through the cache, and how many times the database was really read. */
function counter() {
  let reads = 0;
  const at = (now: number) =>
    readThrough(getWebContext(), "count", (db) => {
      reads++;
      return countProbeResults(db);
    }, now);
  return { at, reads: () => reads };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-web-cache-"));
  const configPath = join(dir, "witness.config.yaml");
  writeFileSync(configPath, "{}\n");
  process.env.WITNESS_CONFIG = configPath;
  process.env.DATABASE_PATH = join(dir, "witness.db");
  config = loadConfig();
});

afterEach(() => {
  getWebContext().store?.close();
  setWebContext(null);
  clearCache();
  rmSync(join(dir, "witness.db"), { force: true });
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("the freshness rule", () => {
  it("reuses a read while the database is the same, unchanged, and the copy younger than 30 s", () => {
    makeDatabase("witness.db", 2);
    const count = counter();
    const t0 = Date.now();
    expect(count.at(t0)).toEqual({ value: 2, readAt: t0, dataTag: expect.any(String) });
    expect(count.at(t0 + 1_000)).toEqual({ value: 2, readAt: t0, dataTag: expect.any(String) });
    expect(count.at(t0 + FRESH_FOR_MS - 1)).toEqual({ value: 2, readAt: t0, dataTag: expect.any(String) });
    expect(count.reads()).toBe(1);
  });

  it("reads again once the copy is 30 s old: after a long idle the first visitor gets fresh data", () => {
    makeDatabase("witness.db", 2);
    const count = counter();
    const t0 = Date.now();
    count.at(t0);
    expect(count.at(t0 + FRESH_FOR_MS)).toEqual({ value: 2, readAt: t0 + FRESH_FOR_MS, dataTag: expect.any(String) });
    expect(count.at(t0 + 6 * 3_600_000)?.readAt).toBe(t0 + 6 * 3_600_000);
    expect(count.reads()).toBe(3);
  });

  it("reads again as soon as the worker commits (SQLite's data_version)", () => {
    const path = makeDatabase("witness.db", 2);
    const count = counter();
    const t0 = Date.now();
    const before = count.at(t0);
    expect(before?.value).toBe(2);
    const worker = openDatabase(path);
    insertProbeResult(worker.db, sampleResult("2026-01-02T00:00:00.000Z"));
    worker.close();
    expect(count.at(t0 + 1)).toEqual({ value: 3, readAt: t0 + 1, dataTag: expect.any(String) });
    // The tag the live view compares (lib/web/client/live.ts) names the data: a commit gives another.
    expect(count.at(t0 + 1)?.dataTag).not.toBe(before?.dataTag);
  });

  it("never answers one database's read from another's copy", () => {
    const a = openDatabase(makeDatabase("a.db", 1), { readonly: true });
    const b = openDatabase(makeDatabase("b.db", 4), { readonly: true });
    try {
      const now = Date.now();
      setWebContext({ config, store: a });
      expect(readThrough(getWebContext(), "count", (db) => countProbeResults(db), now)?.value).toBe(1);
      setWebContext({ config, store: b });
      expect(readThrough(getWebContext(), "count", (db) => countProbeResults(db), now)?.value).toBe(4);
    } finally {
      a.close();
      b.close();
    }
  });

  it("is null without a database, and keeps no failed read", () => {
    expect(readThrough(getWebContext(), "count", () => 1)).toBeNull();
    makeDatabase("witness.db", 1);
    const now = Date.now();
    expect(() => readThrough(getWebContext(), "boom", () => { throw new Error("disk I/O error"); }, now)).toThrow("disk I/O error");
    expect(readThrough(getWebContext(), "boom", () => "read again", now)?.value).toBe("read again");
  });

  it(`holds at most ${MAX_ENTRIES} reads, whatever keys visitors make up`, () => {
    makeDatabase("witness.db", 1);
    const now = Date.now();
    let reads = 0;
    const read = () => ++reads;
    for (let i = 0; i <= MAX_ENTRIES; i++) readThrough(getWebContext(), `incident:o-${i}`, read, now);
    expect(reads).toBe(MAX_ENTRIES + 1);
    // The newest are kept; the first key, least recently read, was evicted and is read again.
    readThrough(getWebContext(), `incident:o-${MAX_ENTRIES}`, read, now);
    expect(reads).toBe(MAX_ENTRIES + 1);
    readThrough(getWebContext(), "incident:o-0", read, now);
    expect(reads).toBe(MAX_ENTRIES + 2);
  });
});

describe("a render the front keeps as a snapshot", () => {
  it("learns the age of the oldest data it used, so the snapshot never outlives the 30 s rule", async () => {
    makeDatabase("witness.db", 2);
    const count = counter();
    const t0 = Date.now();
    count.at(t0);
    // 10 s later a visitor's render reuses the copy, and across an await the scope still sees the read.
    const scope: RenderScope = { oldestReadAt: null };
    await inRenderScope(scope, async () => {
      await new Promise((r) => setTimeout(r, 5));
      expect(count.at(t0 + 10_000)?.readAt).toBe(t0);
    });
    expect(scope.oldestReadAt).toBe(t0);
    expect(count.reads()).toBe(1);
  });

  it("reads again what is older than half the rule, so each snapshot has at least 15 s to live", () => {
    makeDatabase("witness.db", 2);
    const count = counter();
    const t0 = Date.now();
    count.at(t0);
    const scope: RenderScope = { oldestReadAt: null };
    inRenderScope(scope, () => expect(count.at(t0 + FRESH_FOR_MS / 2)?.readAt).toBe(t0 + FRESH_FOR_MS / 2));
    expect(scope.oldestReadAt).toBe(t0 + FRESH_FOR_MS / 2);
    expect(count.reads()).toBe(2);
    // Outside a render the copy is reused for the full 30 s.
    expect(count.at(t0 + FRESH_FOR_MS - 1)?.readAt).toBe(t0 + FRESH_FOR_MS / 2);
  });
});

describe("the web context's database", () => {
  it("reopens a database file replaced under the running server: the next read shows the new one", () => {
    const path = makeDatabase("witness.db", 1);
    const count = counter();
    const t0 = Date.now();
    const before = getWebContext();
    expect(count.at(t0)?.value).toBe(1);
    // A restore, or `npm run demo`'s file swapped for the real one: another inode at the same path.
    renameSync(makeDatabase("restored.db", 5), path);
    const after = getWebContext();
    expect(after.identity).not.toBe(before.identity);
    expect(before.store?.sqlite.open).toBe(false);
    expect(count.at(t0 + 1)).toEqual({ value: 5, readAt: t0 + 1, dataTag: expect.any(String) });
    expect(getWebContext()).toBe(after);
  });

  it("has no database once the file is gone, and opens it when it comes back", () => {
    const path = makeDatabase("witness.db", 1);
    expect(getWebContext().store).not.toBeNull();
    rmSync(path);
    expect(getWebContext().store).toBeNull();
    expect(counter().at(Date.now())).toBeNull();
    makeDatabase("witness.db", 3);
    expect(counter().at(Date.now())?.value).toBe(3);
  });
});
