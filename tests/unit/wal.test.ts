/**
 * The WAL behind a long reader (lib/keep/wal.ts): trimmed once reset, checkpointed on the worker's own beat (so it
 * recovers once the reader lets go, even when the disk filled meanwhile), and warned about when it passes its bound or
 * checkpoints keep failing.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { GET as healthGET } from "@/app/api/health/route";
import { GET as metricsGET } from "@/app/metrics/route";
import { JOURNAL_SIZE_LIMIT_BYTES, openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertProbeResults } from "@/db/queries/probe-results";
import { touchWriterLease } from "@/db/queries/writer-leases";
import { writerLeases } from "@/db/schema";
import { loadConfig } from "@/lib/config";
import { acquireWriterLease, LEASE_STALE_MS } from "@/lib/keep/writer-lease";
import { setWebContext } from "@/lib/web/context";
import { sampleResult } from "@/tests/unit/support";
import { walBytesOf, WalKeeper, type WalBounds } from "@/lib/keep/wal";
import { createLogger } from "@/lib/log";

const dir = mkdtempSync(join(tmpdir(), "witness-wal-"));
const mounted: string[] = [];
afterAll(() => {
  setWebContext(null);
  for (const m of mounted) spawnSync("umount", ["-l", m]);
  rmSync(dir, { recursive: true, force: true });
});

const ROW_BYTES = 3_000;
const BOUNDS: WalBounds = { warnBytes: 256 * 1024, everyMs: 60_000, busyBytes: 64 * 1024, stuckMs: 120_000 };

function capturingLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ secrets: [], write: (line: string) => lines.push(line.trimEnd()) }) };
}

/** A writer handle on `path` with `rows` rows of ROW_BYTES, its WAL checkpointed away. */
function filledDb(path: string, rows: number) {
  const store = openDatabase(path);
  store.sqlite.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
  const insert = store.sqlite.prepare("INSERT INTO t (id, v) VALUES (?, randomblob(?))");
  store.sqlite.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(i, ROW_BYTES);
  })();
  store.sqlite.pragma("wal_checkpoint(TRUNCATE)");
  return store;
}

/** A second connection holding a read transaction: the long reader. */
function pinningReader(path: string) {
  const reader = new Database(path, { readonly: true });
  reader.exec("BEGIN");
  reader.prepare("SELECT count(*) FROM t").get();
  return { release: () => (reader.exec("COMMIT"), reader.close()) };
}

describe("the WAL", () => {
  it("is trimmed back to a bound once reset (journal_size_limit on the writer's handle)", () => {
    const store = openDatabase(join(dir, "limit.db"));
    expect(store.sqlite.pragma("journal_size_limit", { simple: true })).toBe(JOURNAL_SIZE_LIMIT_BYTES);
    store.close();
  });

  it("behind a long reader: checkpoints fail, then a warning past the bound and after stuckMs; once it lets go the next beat truncates the WAL", () => {
    const path = join(dir, "pinned.db");
    const store = filledDb(path, 50);
    const { lines, log } = capturingLog();
    const keeper = new WalKeeper(store.sqlite, path, log, BOUNDS);
    const update = store.sqlite.prepare("UPDATE t SET v = randomblob(?) WHERE id = ?");
    let now = 1_000_000;
    expect(keeper.beat(now)).toBeNull();
    const reader = pinningReader(path);
    // A little over the size bound is not reached yet: only the failing checkpoints are, after stuckMs.
    for (let i = 0; i < 20; i++) update.run(ROW_BYTES, i);
    expect(walBytesOf(path)).toBeGreaterThan(BOUNDS.busyBytes);
    expect(walBytesOf(path)).toBeLessThan(BOUNDS.warnBytes);
    expect(keeper.beat((now += 5_000))).toBeNull();
    const stuck = keeper.beat((now += BOUNDS.stuckMs));
    expect(stuck).toMatch(/^WAL checkpoints have failed for 120 s \(a reader holds \d+ of \d+ frames\); the WAL \(\d+\.\d MB\) grows until they work again$/);
    for (let i = 0; i < 200; i++) update.run(ROW_BYTES, i % 50);
    expect(keeper.beat((now += 5_000))).toMatch(new RegExp(`^the WAL .*pinned\\.db-wal is \\d+\\.\\d MB, over its 0\\.3 MB bound: a reader is holding an old snapshot`));
    expect(lines.filter((l) => l.includes(" warn "))).toHaveLength(1);
    reader.release();
    expect(keeper.beat((now += 5_000))).toBeNull();
    expect(walBytesOf(path)).toBe(0);
    expect(lines.at(-1)).toMatch(/info database: the WAL is checkpointed again \(0\.0 MB\)$/);
    store.close();
  });

  it("recovers after the reader lets go even when the disk filled meanwhile (no commit succeeds, so SQLite's own checkpoint never runs)", (ctx) => {
    const mount = join(dir, "small-disk");
    mkdirSync(mount);
    const run = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], { encoding: "utf8" });
    if (run.status !== 0) return ctx.skip(`cannot mount a tmpfs here (${(run.stderr || run.error?.message || "").trim()})`);
    mounted.push(mount);
    const path = join(mount, "full.db");
    const store = filledDb(path, 100);
    const keeper = new WalKeeper(store.sqlite, path, capturingLog().log, BOUNDS);
    const update = store.sqlite.prepare("UPDATE t SET v = randomblob(?) WHERE id = ?");
    const reader = pinningReader(path);
    let full: unknown = null;
    for (let i = 0; i < 5_000 && !full; i++) {
      try {
        update.run(ROW_BYTES, i % 100);
      } catch (err) {
        full = err;
      }
    }
    expect((full as { code?: string }).code).toBe("SQLITE_FULL");
    reader.release();
    // Still full: the frames are not checkpointed, so the WAL cannot restart.
    expect(() => update.run(ROW_BYTES, 1)).toThrow(/full/);
    keeper.beat();
    expect(walBytesOf(path)).toBe(0);
    for (let i = 0; i < 100; i++) update.run(ROW_BYTES, i);
    expect(store.sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
    store.close();
  });
});

describe("the worker's warning, seen from the web process", () => {
  it("reaches /api/health (still 200, with the reason) and /metrics while the lease is fresh; a stale lease's says nothing", async () => {
    const path = join(dir, "warned.db");
    const writer = openDatabase(path);
    migrateDatabase(writer.db);
    insertProbeResults(writer.db, [sampleResult(new Date().toISOString())]);
    const lease = acquireWriterLease(writer.db);
    if (!lease.ok) throw new Error("not taken");
    const warning = "WAL checkpoints have failed for 130 s (a reader holds 40 of 90 frames); the WAL (0.4 MB) grows until they work again";
    touchWriterLease(writer.db, lease.token, new Date(), { storageWarning: warning });
    const web = openDatabase(path, { readonly: true });
    setWebContext({ config: loadConfig({ DATABASE_PATH: path }), store: web });
    try {
      const health = await healthGET();
      expect(health.status).toBe(200);
      expect((await health.json()).storage).toEqual({ state: "warning", walBytes: expect.any(Number), reason: warning });
      const metrics = await (await metricsGET()).text();
      expect(metrics).toMatch(/^witness_database_storage_warning 1$/m);
      expect(metrics).toMatch(/^witness_database_writable 1$/m);
      expect(metrics).toMatch(/^witness_database_wal_bytes \d+$/m);

      writer.db.update(writerLeases).set({ heartbeatAt: new Date(Date.now() - LEASE_STALE_MS - 1_000) }).run();
      expect((await (await healthGET()).json()).storage).toMatchObject({ state: "ok", reason: null });
    } finally {
      setWebContext(null);
      web.close();
      writer.close();
    }
  });
});
