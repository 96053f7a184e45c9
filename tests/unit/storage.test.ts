/**
 * `npm run -s report -- --storage [--json]` on a real database file: rows per table as count(*) gives them, bytes per
 * table (with its indexes) from dbstat that add up to the file, and the official payloads' weight visible.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertPayload } from "@/db/queries/official";
import { loadConfig } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";
import { runCli } from "@/tests/unit/cli";

let dir: string;
let env: Record<string, string>;
const counts: Record<string, number> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "witness-storage-"));
  const path = join(dir, "witness.db");
  const configPath = join(dir, "witness.config.yaml");
  writeFileSync(configPath, "{}\n");
  env = { DATABASE_PATH: path, WITNESS_CONFIG: configPath };
  const store = openDatabase(path);
  migrateDatabase(store.db);
  generateHistory(store, loadConfig(env), { days: 1, now: Date.now(), seed: 2 });
  // Twenty 50 KB bodies: the audit trail's weight must show in its own row.
  for (let i = 0; i < 20; i++) insertPayload(store.db, { endpoint: "summary", sha256: String(i), body: `${i}`.padEnd(50_000, "x"), fetchedAt: new Date(Date.now() - i * 60_000) });
  for (const { name } of store.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]) {
    counts[name] = (store.sqlite.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
  }
  store.sqlite.pragma("wal_checkpoint(TRUNCATE)");
  store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("report --storage", () => {
  it("--json: every table's rows, and bytes that add up to the file", async () => {
    const run = await runCli("report", ["--storage", "--json"], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.dbstat).toBe(true);
    expect(Object.fromEntries(report.tables.map((t: { name: string; rows: number }) => [t.name, t.rows]))).toEqual(counts);
    const tableBytes = report.tables.reduce((sum: number, t: { bytes: number }) => sum + t.bytes, 0);
    expect(tableBytes).toBeGreaterThan(0);
    // Every page but the free ones and a few of SQLite's own (sqlite_master, sqlite_sequence) is a table's or an index's.
    expect(tableBytes).toBeLessThanOrEqual(report.fileBytes);
    expect(tableBytes).toBeGreaterThan(report.fileBytes - (report.freePages + 8) * report.pageSize);
    const payloads = report.tables.find((t: { name: string }) => t.name === "official_payloads");
    expect(payloads.bytes).toBeGreaterThan(20 * 50_000);
  });

  it("prints a table for a terminal, largest first", async () => {
    const run = await runCli("report", ["--storage"], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^Witness storage: /);
    expect(lines.some((l) => /^probe_results\s+\d+\s+[\d.]+ MB$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^file [\d.]+ MB \(\d+ pages of \d+ bytes, \d+ free for reuse\)$/);
  });

  it("refuses --storage with --since", async () => {
    const run = await runCli("report", ["--storage", "--since", "7d"], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--storage and --since/);
  });
});
