/**
 * The pages say only what Witness saw: results that were all inconclusive have no failure rate and no latency, and
 * the official page is spoken for only over the minutes Witness read it ("did not read", "read it only from").
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OpenedDatabase } from "@/db/client";
import type { Config } from "@/lib/config";
import { getCharts } from "@/lib/dashboard/charts";
import { describeSeriesFigures, describeSurfaceFigures } from "@/lib/dashboard/chart-figures";
import { listIncidents } from "@/lib/dashboard/incidents";
import { getHistoryMonth, getHistorySpan } from "@/lib/dashboard/history";
import { readNoIncidentsWords } from "@/lib/dashboard/official-reading";
import { rebuildRollups } from "@/lib/keep/rollup-writer";
import { recordStatusObservation } from "@/lib/measure/official-record";
import { parseSummary } from "@/probes/statuspage";
import { insertProbeResult } from "@/db/queries/probe-results";
import { openRecorder, sampleResult } from "@/tests/unit/support";

const MIN = 60_000;
const NOW = Date.UTC(2026, 9, 14, 12, 0);
const DAY = 86_400_000;

let store: OpenedDatabase;
let config: Config;
beforeEach(() => ({ store, config } = openRecorder()));
afterEach(() => store.close());

/** Every 2 minutes over the last 3 hours, a stream result with `outcome`; the rollups rebuilt. */
function measure(outcome: "inconclusive" | "up"): void {
  const offline = outcome === "inconclusive";
  // A result is stored once per series and start: the offline ones fall between the others.
  for (let t = NOW - 180 * MIN + (offline ? MIN : 0); t < NOW; t += 2 * MIN) {
    insertProbeResult(
      store.db,
      sampleResult(new Date(t).toISOString(), offline ? { outcome, errorClass: "dns_error", httpStatus: null, totalMs: 5, ttftMs: null, ttfbMs: null, message: "monitor offline: getaddrinfo ENOTFOUND" } : {}),
    );
  }
  rebuildRollups(store.db, { gapMsOf: () => 150_000 });
}

/** The official summary read as operational every minute from `from` to now. */
function readPage(from: number): void {
  const raw = readFileSync(new URL("../../lib/simulator/fixtures/statuspage/summary.operational.json", import.meta.url), "utf8");
  const parsed = parseSummary(raw);
  if ("error" in parsed) throw new Error(parsed.error);
  for (let t = from; t < NOW; t += MIN) recordStatusObservation(store.db, { at: new Date(t), summary: parsed.summary, raw }, { heartbeatMs: config.official.heartbeatMinutes * MIN });
}

const api = () => getCharts(store.db, config, "24h", NOW).surfaces.find((s) => s.id === "api")!;

describe("/charts over results that were all inconclusive (Witness's own network down)", () => {
  it("prints no failure rate and no latency, but that there were no conclusive results", () => {
    measure("inconclusive");
    const surface = api();
    const series = surface.series.find((s) => s.series === "stream:claude-haiku-4-5")!;
    const perSeries = describeSeriesFigures(series.points, false);
    expect(perSeries).toMatch(/^No conclusive results in this window: all 90 results were inconclusive/);
    expect(perSeries).not.toMatch(/Median p50|0\.00%|failed/);
    const overall = describeSurfaceFigures(surface, 10 * MIN, false);
    expect(overall).toMatch(/^No conclusive results in this window/);
    expect(overall).not.toMatch(/0\.00%/);
  });

  it("counts a failure rate over conclusive results only, and says how many were left out", () => {
    measure("up");
    measure("inconclusive");
    const series = api().series.find((s) => s.series === "stream:claude-haiku-4-5")!;
    expect(describeSeriesFigures(series.points, false)).toMatch(/0\.00% of 90 conclusive results failed \(90 inconclusive not counted\)\.$/);
  });
});

describe("the official page Witness never read", () => {
  it("/charts says Witness did not read it, never that it reported no trouble", () => {
    measure("up");
    const words = describeSurfaceFigures(api(), 10 * MIN, false);
    expect(words).toMatch(/Witness did not read the official page in this window/);
    expect(words).not.toMatch(/reported no trouble/);
  });

  it("/charts says from when Witness read it, when that began inside the window", () => {
    measure("up");
    readPage(NOW - 60 * MIN);
    const words = describeSurfaceFigures(api(), 10 * MIN, false);
    expect(words).toMatch(/Witness read the official page only from 11:00 UTC; in that time it reported no trouble\./);
  });

  it("/charts speaks for the whole window when Witness read the page all along", () => {
    measure("up");
    readPage(NOW - 25 * 60 * MIN);
    expect(describeSurfaceFigures(api(), 10 * MIN, false)).toMatch(/The official page reported no trouble\.$/);
  });

  it("/incidents and /history say Witness did not read it, not that it posted no incident", () => {
    measure("up");
    expect(listIncidents(store.db, config, NOW)).toEqual([]);
    const words = readNoIncidentsWords(store.db, config, { from: NOW - 90 * DAY, to: NOW + 1 }, NOW, "in the last 90 days");
    expect(words).toBe("Witness measured no outage in the last 90 days. It did not read the official page in the last 90 days, so it cannot say whether the page posted an incident.");
    const month = getHistoryMonth(store.db, config, getHistorySpan(store.db, NOW)!, "2026-10", NOW);
    expect(month.incidents).toEqual([]);
    expect(month.emptyWords).toMatch(/It did not read the official page in this month/);
    expect(month.emptyWords).not.toMatch(/posted no incident/);
  });

  it("/incidents says 'no incident' only for the time Witness read it, with the date when not today's", () => {
    measure("up");
    readPage(NOW - 26 * 60 * MIN);
    const words = readNoIncidentsWords(store.db, config, { from: NOW - 90 * DAY, to: NOW + 1 }, NOW, "in the last 90 days");
    expect(words).toBe("Witness measured no outage in the last 90 days, and the official page posted no incident while Witness read it (from 10:00 UTC on 13 Oct).");
  });
});
