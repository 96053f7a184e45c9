/**
 * What a hub shows of its vantages: GET /api/v1/vantages (config order, ISO times, never a secret or free text from
 * the table, 304 on an unchanged database), the /methodology table, and the witness_vantage_* metrics (promtool).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/vantages/route";
import { VantagesTable } from "@/app/_components/vantages-table";
import { loadConfig, type Config } from "@/lib/config";
import { renderMetrics } from "@/lib/metrics/exposition";
import { readMetrics } from "@/lib/metrics/read";
import { listVantages, type VantageListing } from "@/lib/vantage/listing";
import { clearCache } from "@/lib/web/cache";
import { setWebContext } from "@/lib/web/context";
import type { OpenedDatabase } from "@/db/client";
import { vantages } from "@/db/schema";
import { openMigratedMemory } from "@/tests/unit/support";

const dir = mkdtempSync(join(tmpdir(), "witness-vantages-api-"));
const FRA = "whsec_FRAfraFRAfraFRAfraFRAfra0123456789";
const NYC = "whsec_NYCnycNYCnycNYCnycNYCnyc0123456789";
const SYD = "whsec_SYDsydSYDsydSYDsydSYDsyd0123456789";
const HOSTILE = `<script>alert(1)</script> secret=${FRA}`;
const NOW = Date.parse("2026-05-04T14:10:00.000Z");
let n = 0;

/** A hub listing three vantages (syd first: the answer keeps config order, not the table's). */
function hubConfig(): Config {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(
    path,
    [
      "vantages:",
      '  - { id: syd, name: Sydney, secret: "${WITNESS_VANTAGE_SYD_SECRET}" }',
      '  - { id: fra, name: Frankfurt, secret: "${WITNESS_VANTAGE_FRA_SECRET}", group: eu-central }',
      '  - { id: nyc, name: New York, secret: "${WITNESS_VANTAGE_NYC_SECRET}" }',
      "",
    ].join("\n"),
  );
  return loadConfig({ WITNESS_CONFIG: path, DATABASE_PATH: ":memory:", WITNESS_VANTAGE_FRA_SECRET: FRA, WITNESS_VANTAGE_NYC_SECRET: NYC, WITNESS_VANTAGE_SYD_SECRET: SYD });
}

/** fra live with a small skew, nyc refused for a bad signature after its last batch, syd never heard from. */
function seed(store: OpenedDatabase, now: number): void {
  store.db
    .insert(vantages)
    .values([
      { id: "fra", lastBatchAt: new Date(now - 5_000), newestResultAt: new Date(now - 12_000), backlog: 0, clockSkewMs: 1_500, accepted: 120, duplicates: 7, rejected: 2 },
      { id: "nyc", lastBatchAt: new Date(now - 600_000), newestResultAt: new Date(now - 610_000), backlog: 3, clockSkewMs: -200, accepted: 40, duplicates: 0, rejected: 0, lastAuthFailureAt: new Date(now - 10_000), lastAuthFailure: "bad_signature" },
      // Not configured (removed from the config): never shown.
      { id: "old", lastBatchAt: new Date(now - 5_000), accepted: 1 },
    ])
    .run();
}

afterEach(() => {
  setWebContext(null);
  clearCache();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("GET /api/v1/vantages", () => {
  it("answers an empty list on a hub with no vantages configured", async () => {
    const store = openMigratedMemory();
    setWebContext({ config: loadConfig({ DATABASE_PATH: ":memory:" }), store });
    const res = await GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ vantages: [] });
  });

  it("lists every configured vantage in config order, with its state and ISO times", async () => {
    const store = openMigratedMemory();
    const config = hubConfig();
    const now = Date.now();
    seed(store, now);
    setWebContext({ config, store });
    const res = await GET();
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body = (await res.json()) as { vantages: VantageListing[] };
    expect(body.vantages.map((v) => [v.id, v.state])).toEqual([
      ["syd", "silent"],
      ["fra", "live"],
      ["nyc", "auth_failing"],
    ]);
    expect(body.vantages[1]).toEqual({
      id: "fra",
      name: "Frankfurt",
      group: "eu-central",
      state: "live",
      lastBatchAt: new Date(now - 5_000).toISOString(),
      newestResultAt: new Date(now - 12_000).toISOString(),
      backlog: 0,
      clockSkewMs: 1_500,
      rejected: 2,
      dropped: 0,
      accepted: 120,
      duplicates: 7,
      refusedFor: null,
    });
    expect(body.vantages[0]).toMatchObject({ group: null, lastBatchAt: null, newestResultAt: null, backlog: 0, clockSkewMs: null, accepted: 0 });
    expect(body.vantages[2]).toMatchObject({ refusedFor: "bad_signature", backlog: 3 });
  });

  it("never shows a secret, nor a refusal reason that is not a short error code", async () => {
    const store = openMigratedMemory();
    const config = hubConfig();
    const now = Date.now();
    seed(store, now);
    store.db.update(vantages).set({ lastAuthFailure: HOSTILE }).run();
    setWebContext({ config, store });
    const text = await (await GET()).text();
    for (const secret of [FRA, NYC, SYD, FRA.slice("whsec_".length)]) expect(text).not.toContain(secret);
    expect(text).not.toContain("script");
    expect((JSON.parse(text) as { vantages: VantageListing[] }).vantages[2]!.refusedFor).toBe("other");
  });

  it("answers 304 to a poller holding the current ETag, and a new body once the worker commits", async () => {
    const store = openMigratedMemory();
    const config = hubConfig();
    seed(store, Date.now());
    setWebContext({ config, store });
    const first = await GET();
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"/);
    const again = await GET(new Request("http://localhost/api/v1/vantages", { headers: { "If-None-Match": etag } }));
    expect(again.status).toBe(304);
    // The worker's ingest commits from its own connection; one in-memory handle stands in, with the cache dropped.
    store.db.update(vantages).set({ accepted: 121 }).run();
    clearCache();
    const changed = await GET(new Request("http://localhost/api/v1/vantages", { headers: { "If-None-Match": etag } }));
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { vantages: VantageListing[] }).vantages[1]!.accepted).toBe(121);
  });

  it("lists the configured vantages as never heard from before the worker created a database", async () => {
    setWebContext({ config: hubConfig(), store: null });
    const body = (await (await GET()).json()) as { vantages: VantageListing[] };
    expect(body.vantages.map((v) => [v.id, v.state, v.lastBatchAt])).toEqual([
      ["syd", "silent", null],
      ["fra", "silent", null],
      ["nyc", "silent", null],
    ]);
  });
});

describe("the Vantages table on /methodology", () => {
  it("says each state in words, with ages, skew and rejections, and renders untrusted text as text", () => {
    const store = openMigratedMemory();
    const config = hubConfig();
    seed(store, NOW);
    const rows = store.db.select().from(vantages).all();
    const listed = listVantages({ ...config, vantages: config.vantages.map((v) => (v.id === "fra" ? { ...v, name: "<b>Frankfurt</b>" } : v)) }, rows, NOW);
    const late = listVantages(config, rows.map((r) => (r.id === "fra" ? { ...r, backlog: 50 } : r)), NOW)[1]!;
    const silentSince = listVantages(config, rows, NOW + 3_600_000)[1]!;
    const html = renderToStaticMarkup(createElement(VantagesTable, { vantages: [...listed, { ...late, id: "fra2" }, { ...silentSince, id: "fra3" }], now: NOW }));
    const text = html.replace(/<[^>]+>/g, "").replace(/\u00a0/g, " ");
    expect(html).toContain("&lt;b&gt;Frankfurt&lt;/b&gt;");
    expect(html).not.toContain("<b>");
    expect(text).toContain("silent: never heard from");
    expect(text).toContain("Frankfurt (fra2)");
    expect(text).toContain("eu-central");
    expect(text).toMatch(/\(fra\)eu-centrallive5 s ago12 s ago0\+1\.5 s2/);
    expect(text).toContain("refused: bad signature");
    expect(text).toContain("−0.2 s");
    expect(text).toContain("catching up");
    expect(text).toContain("silent since 14:09 UTC");
  });
});

describe("witness_vantage_* metrics", () => {
  it("are absent when no vantage is configured", async () => {
    const store = openMigratedMemory();
    seed(store, NOW);
    const text = await renderMetrics(readMetrics(store, loadConfig({ DATABASE_PATH: ":memory:" }), NOW));
    expect(text).not.toContain("witness_vantage_");
  });

  it("report each configured vantage's state, ages, backlog, skew and results, and pass promtool check metrics", async () => {
    const store = openMigratedMemory();
    seed(store, NOW);
    const text = await renderMetrics(readMetrics(store, hubConfig(), NOW));
    const value = (line: string) => Number(text.split("\n").find((l) => l.startsWith(`${line} `))?.split(" ")[1]);
    expect(value('witness_vantage_up{vantage="fra",state="live"}')).toBe(1);
    expect(value('witness_vantage_up{vantage="fra",state="silent"}')).toBe(0);
    expect(value('witness_vantage_up{vantage="nyc",state="auth_failing"}')).toBe(1);
    expect(value('witness_vantage_up{vantage="syd",state="silent"}')).toBe(1);
    expect(value('witness_vantage_last_batch_age_seconds{vantage="fra"}')).toBe(5);
    expect(value('witness_vantage_newest_result_age_seconds{vantage="fra"}')).toBe(12);
    expect(value('witness_vantage_backlog{vantage="nyc"}')).toBe(3);
    expect(value('witness_vantage_clock_skew_seconds{vantage="nyc"}')).toBe(-0.2);
    expect(value('witness_vantage_results_total{vantage="fra",disposition="accepted"}')).toBe(120);
    expect(value('witness_vantage_results_total{vantage="fra",disposition="duplicate"}')).toBe(7);
    expect(value('witness_vantage_results_total{vantage="fra",disposition="rejected"}')).toBe(2);
    // Never heard from: no age, no skew; and a vantage no longer configured is not reported.
    expect(text).not.toMatch(/witness_vantage_last_batch_age_seconds\{vantage="syd"\}/);
    expect(text).not.toContain('vantage="old"');
    expect(text).not.toContain("Frankfurt");
    const promtool = execFileSync("bash", ["tests/tools/ensure-prometheus.sh"], { encoding: "utf8", timeout: 300_000 }).trim();
    const checked = spawnSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
    expect(checked.stdout + checked.stderr).toBe("");
    expect(checked.status).toBe(0);
  }, 320_000);
});
