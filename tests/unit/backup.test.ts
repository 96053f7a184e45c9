/** `npm run backup` and the worker's daily backup: consistent copies of a database that is being written. */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertProbeResult, insertProbeResults } from "@/db/queries/probe-results";
import { backupFileName, pruneBackups } from "@/lib/keep/backup";
import { takeScheduledBackup } from "@/lib/keep/backup-schedule";
import { loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { runCli } from "@/tests/unit/cli";
import { sampleResult } from "@/tests/unit/support";

const dir = mkdtempSync(join(tmpdir(), "witness-backup-"));
const quiet = createLogger({ secrets: [], write: () => {} });

/** A migrated database with `rows` results carrying 300 bytes of message each (about 18 MB for 40,000). */
function seed(name: string, rows: number): string {
  const path = join(dir, name);
  const store = openDatabase(path);
  migrateDatabase(store.db);
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let i = 0; i < rows; i += 10_000) {
    insertProbeResults(store.db, Array.from({ length: Math.min(10_000, rows - i) }, (_, j) => sampleResult(new Date(start + (i + j) * 60_000).toISOString(), { message: "x".repeat(300) })));
  }
  store.close();
  return path;
}

const ids = (path: string, upTo: number): number[] => {
  const store = openDatabase(path, { readonly: true });
  const rows = store.sqlite.prepare("SELECT id FROM probe_results WHERE id <= ? ORDER BY id").pluck().all(upTo) as number[];
  store.close();
  return rows;
};

describe("npm run backup -- PATH", () => {
  it("--help prints the usage on stdout and exits 0", async () => {
    const run = await runCli("backup", ["--help"], { DATABASE_PATH: join(dir, "none.db") });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run -s backup -- PATH/);
    expect(run.stderr).toBe("");
  });

  it("refuses to write over the live database or its WAL, and says so in one line", async () => {
    const live = seed("live.db", 10);
    for (const target of [live, `${live}-wal`, join(dir, ".", "live.db")]) {
      const run = await runCli("backup", [target], { DATABASE_PATH: live });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^witness: refusing to overwrite the live database: .* choose another path\n$/);
    }
    expect(ids(live, 1e9)).toHaveLength(10);
  });

  it("never makes a directory it was not given, and replaces an existing file only with --force", async () => {
    const live = seed("live2.db", 10);
    const typo = join(dir, "no-such-dir", "copy.db");
    const missing = await runCli("backup", [typo], { DATABASE_PATH: live });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^witness: directory .*no-such-dir does not exist: create it first/);
    expect(existsSync(join(dir, "no-such-dir"))).toBe(false);
    const existing = join(dir, "precious.txt");
    writeFileSync(existing, "keep me");
    const refused = await runCli("backup", [existing], { DATABASE_PATH: live });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/precious\.txt exists: pass --force to replace it/);
    const forced = await runCli("backup", [existing, "--force"], { DATABASE_PATH: live });
    expect(forced.code).toBe(0);
    expect(ids(existing, 1e9)).toHaveLength(10);
  });

  it("taken while a writer commits 10 results/s, the copy passes integrity_check and holds every row committed before it began", async () => {
    const live = seed("busy.db", 40_000);
    const writer = spawn(process.execPath, ["--import", "tsx", "tests/unit/backup-writer.ts"], { cwd: process.cwd(), env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", DATABASE_PATH: live } });
    let committed = 0;
    writer.stdout.on("data", (d: Buffer) => (committed = Math.max(committed, ...d.toString().trim().split("\n").map(Number))));
    try {
      const deadline = Date.now() + 10_000;
      while (committed < 40_010 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const before = committed;
      expect(before).toBeGreaterThanOrEqual(40_010);
      const copy = join(dir, "busy-copy.db");
      const run = await runCli("backup", [copy], { DATABASE_PATH: live });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/busy-copy\.db: [\d.]+ MB in \d+ ms, integrity_check ok\n$/);
      // The writer kept committing through the backup: the copy was made from a file under load.
      expect(committed).toBeGreaterThan(before);
      const store = openDatabase(copy, { readonly: true });
      expect(store.sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
      expect(store.sqlite.pragma("journal_mode", { simple: true })).toBe("delete");
      store.close();
      expect(ids(copy, before)).toEqual(Array.from({ length: before }, (_, i) => i + 1));
      expect(existsSync(`${copy}-wal`)).toBe(false);
    } finally {
      writer.kill("SIGTERM");
    }
  }, 60_000);

  it("into a directory, names the copy by its UTC time", async () => {
    const live = seed("todir.db", 5);
    const out = join(dir, "out");
    mkdirSync(out);
    const run = await runCli("backup", [out], { DATABASE_PATH: live });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(out)).toEqual([expect.stringMatching(/^witness-\d{8}T\d{6}Z\.db$/)]);
  });
});

describe("the daily backup", () => {
  it("is configured by backup: { dir, keepDays, atHour }, off by default", () => {
    const file = join(dir, "backup.yaml");
    writeFileSync(file, "backup: { dir: /var/backups/witness }\n");
    expect(loadConfig({ WITNESS_CONFIG: file }).backup).toEqual({ dir: "/var/backups/witness", keepDays: 14, atHour: 4 });
    writeFileSync(join(dir, "empty.yaml"), "{}\n");
    expect(loadConfig({ WITNESS_CONFIG: join(dir, "empty.yaml") }).backup).toBeNull();
  });

  it("copies through the worker's own connection while it writes, then deletes dated backups older than keepDays", async () => {
    const live = seed("daily.db", 20_000);
    const out = join(dir, "daily");
    mkdirSync(out);
    const now = new Date("2026-03-20T04:07:00Z");
    const old = backupFileName(new Date("2026-03-01T04:07:00Z"));
    const recent = backupFileName(new Date("2026-03-10T04:07:00Z"));
    for (const name of [old, recent, "keep-me.db"]) writeFileSync(join(out, name), "");
    const store = openDatabase(live);
    // The worker's writes go on during the stepped copy (same connection): they must neither break nor restart it.
    const writes = setInterval(() => insertProbeResult(store.db, sampleResult(new Date().toISOString())), 5);
    const summary = await takeScheduledBackup(store.db.$client, { dir: out, keepDays: 14, atHour: 4 }, quiet, now);
    clearInterval(writes);
    store.close();
    expect(summary?.path).toBe(join(out, backupFileName(now)));
    expect(readdirSync(out).sort()).toEqual([backupFileName(now), recent, "keep-me.db"].sort());
    const copy = openDatabase(summary!.path, { readonly: true });
    expect(copy.sqlite.pragma("integrity_check", { simple: true })).toBe("ok");
    expect((copy.sqlite.prepare("SELECT count(*) FROM probe_results").pluck().get() as number) >= 20_000).toBe(true);
    copy.close();
    expect(pruneBackups(join(dir, "missing"), 1, now)).toEqual([]);
  }, 30_000);
});
