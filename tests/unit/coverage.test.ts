/**
 * Coverage, minute by minute: the stored hours give exactly the minutes a naive walk over the raw results gives, and
 * every uptime figure (the home page's row and bars, /api/v1/uptime, the badge, the report) counts the same minutes,
 * however Witness's hours began, paused or ended.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { MIGRATIONS_FOLDER } from "@/db/migrate";
import { insertProbeResult } from "@/db/queries/probe-results";
import type { Config } from "@/lib/config";
import { isConclusive } from "@/lib/judge/coverage";
import { getSurfaceDays } from "@/lib/dashboard/days";
import { getStatusNow } from "@/lib/dashboard/now";
import type { Recorder } from "@/lib/measure/recorder";
import { buildReport, readCoverage } from "@/lib/judge/report";
import { updateRollupsForResult } from "@/lib/keep/rollup-writer";
import { slotCount, type Window } from "@/lib/judge/timeline";
import { surfaceBadge } from "@/lib/web/badges";
import { getUptime } from "@/lib/web/api";
import type { Outcome, ProbeResult } from "@/probes/types";
import { seeded } from "@/lib/simulator/random";
import { openRecorder, sampleResult } from "@/tests/unit/support";

const MIN = 60_000;
const API_SERIES = ["messages:claude-haiku-4-5", "stream:claude-haiku-4-5", "edge"] as const;
const T0 = Date.UTC(2026, 9, 8, 0, 0);
const at = (hhmm: string, seconds = 0) => T0 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN + seconds * 1000;

function resultOf(series: string, startedAt: number, outcome: Outcome): ProbeResult {
  const [kind, model = null] = series.split(":") as [ProbeResult["kind"], string?];
  const errorClass = outcome === "down" ? "http_5xx" : outcome === "inconclusive" ? "dns_error" : null;
  return sampleResult(new Date(startedAt).toISOString(), {
    probe: series,
    kind,
    model,
    outcome,
    errorClass,
    message: outcome === "inconclusive" ? "monitor offline: every probed host failed at the network level" : null,
  });
}

/** The rule written out the slow way: each conclusive result covers [its start, min(next result, start + gap)). */
function naiveCoverage(window: Window, results: readonly { at: number; outcome: Outcome }[], gapMs: number): Uint8Array {
  const out = new Uint8Array(slotCount(window));
  const sorted = [...results].sort((a, b) => a.at - b.at);
  sorted.forEach((r, i) => {
    if (!isConclusive(r.outcome)) return;
    const end = Math.min(sorted[i + 1]?.at ?? Infinity, r.at + gapMs);
    for (let m = 0; m < out.length; m++) {
      const start = window.from + m * MIN;
      if (r.at < start + MIN && end > start) out[m] = 1;
    }
  });
  return out;
}

let store: OpenedDatabase;
let config: Config;
let recorder: Recorder;

beforeEach(() => {
  ({ store, config, recorder } = openRecorder());
});
afterEach(() => store.close());

/** What the worker does with each result: store it, roll it up, run the detector. */
function record(series: readonly string[], from: number, to: number, outcome: (t: number) => Outcome, stepMs = MIN): void {
  for (let t = from; t < to; t += stepMs) for (const [i, s] of series.entries()) recorder.record({ result: resultOf(s, t + i * 7_000, outcome(t)) });
}

/** The API surface's measured figures as every reader sees them at `now`. */
function figures(now: number) {
  const days = getSurfaceDays(store.db, config, now).find((s) => s.id === "api")!;
  const uptime24h = getUptime(store.db, config, "24h", now).surfaces.find((s) => s.id === "api")!;
  const uptime90d = getUptime(store.db, config, "90d", now).surfaces.find((s) => s.id === "api")!;
  const report90d = buildReport(store.db, config, "90d", now).surfaces.find((s) => s.id === "api")!;
  return { days, today: days.days.at(-1)!, uptime24h, uptime90d, report90d };
}

describe("stored coverage is the rule", () => {
  it("gives, from hours, exactly the minutes a naive walk over the raw results gives, for windows starting mid-hour", () => {
    const rand = seeded(11);
    const gap = 150_000;
    const raw = new Map<string, { at: number; outcome: Outcome }[]>();
    for (const series of API_SERIES) {
      const list: { at: number; outcome: Outcome }[] = [];
      // Steps of 5 s to 6 min: bursts, regular minutes and pauses longer than the gap; some inconclusive runs.
      for (let t = at("09:47", 13); t < at("13:10"); t += Math.floor(5_000 + rand() ** 3 * 360_000)) {
        const roll = rand();
        list.push({ at: t, outcome: roll < 0.75 ? "up" : roll < 0.85 ? "down" : roll < 0.9 ? "degraded" : "inconclusive" });
      }
      raw.set(series, list);
      for (const r of list) {
        const result = resultOf(series, r.at, r.outcome);
        insertProbeResult(store.db, result);
        updateRollupsForResult(store.db, result, { gapMs: gap });
      }
    }
    for (const window of [
      { from: at("09:00"), to: at("14:00") },
      { from: at("10:17"), to: at("12:41", 30) },
      { from: at("12:59"), to: at("13:30") },
    ]) {
      for (const series of API_SERIES) {
        expect([...readCoverage(store.db, [series], window)]).toEqual([...naiveCoverage(window, raw.get(series)!, gap)]);
      }
      const union = API_SERIES.map((s) => naiveCoverage(window, raw.get(s)!, gap)).reduce((a, b) => a.map((v, i) => v | b[i]!));
      expect([...readCoverage(store.db, API_SERIES, window)]).toEqual([...union]);
    }
  });

  it("counts inconclusive results (the monitor offline) as no minute at all, up or down", () => {
    record(API_SERIES, at("12:00"), at("13:00"), (t) => (t >= at("12:30") && t < at("12:40") ? "inconclusive" : "up"));
    const covered = readCoverage(store.db, API_SERIES, { from: at("12:00"), to: at("13:00") });
    // 12:29's results reach into 12:30 until the first inconclusive one; 12:31 to 12:39 say nothing.
    expect([...covered.subarray(30, 40)]).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(getStatusNow(store.db, config, at("13:00", 30)).surfaces.find((s) => s.id === "api")!.measured).toBe("up");
    const { uptime24h } = figures(at("13:00", 30));
    expect(uptime24h.measuredUptime).toBe(1);
    // 12:00–12:59 less the nine silent minutes, and 13:00, which the 12:59 results reach.
    expect(uptime24h.measuredMinutes).toBe(60 - 9 + 1);
  });
});

describe("one uptime for one day", () => {
  it("Witness started mid-hour and everything has failed since: 0% on the row, the bar, the API, the badge and the report", () => {
    record(API_SERIES, at("12:20", 7), at("12:50"), () => "down");
    const now = at("12:50", 30);
    expect(getStatusNow(store.db, config, now).surfaces.find((s) => s.id === "api")!.measured).toBe("down");
    const { days, today, uptime24h, uptime90d, report90d } = figures(now);
    expect(today.measured).toBe("down");
    expect(today.measuredUptime).toBe(0);
    expect(days.measuredUptime).toBe(0);
    expect(uptime24h.measuredUptime).toBe(0);
    expect(uptime90d.measuredUptime).toBe(0);
    expect(report90d.measuredUptime).toBe(0);
    // 12:20 to 12:50, the last results reaching on to now.
    expect(uptime90d.measuredMinutes).toBe(31);
    expect(days.measuredUptime).toBe(uptime90d.measuredUptime);
    const badge = surfaceBadge(store.db, config, config.surfaces.find((s) => s.id === "api")!, "uptime", now);
    expect(badge).toContain("Claude API measured 30d: 0.00%");
  });

  it("failures late in an hour after a pause are on today's bar, and the bar, the row and the API agree", () => {
    record(API_SERIES, at("12:00", 3), at("12:10"), () => "up");
    record(API_SERIES, at("12:40", 3), at("13:00"), () => "down");
    const now = at("13:00", 10);
    const { days, today, uptime24h, uptime90d } = figures(now);
    expect(today.measured).toBe("down");
    // 12:00–12:11 up (the 12:09 results reach 2.5 minutes on); 12:40–13:00 down.
    expect(uptime24h.measuredMinutes).toBe(12 + 21);
    expect(uptime24h.measuredUptime).toBeCloseTo(12 / 33, 10);
    expect(today.measuredUptime).toBe(uptime24h.measuredUptime);
    expect(days.measuredUptime).toBe(uptime90d.measuredUptime);
    expect(days.officialUpMeasuredDownMinutes).toBe(uptime90d.disagreement.officialUpMeasuredDownMinutes);
  });

  it("a series that keeps running does not cover a pause of another: each series' reach is its own", () => {
    record(["edge"], at("12:00", 1), at("13:00"), () => "up");
    record(["messages:claude-haiku-4-5"], at("12:00", 2), at("12:05"), () => "up");
    const window = { from: at("12:00"), to: at("13:00") };
    expect(readCoverage(store.db, ["messages:claude-haiku-4-5"], window).reduce((a, b) => a + b, 0)).toBe(5 + 2);
    expect(readCoverage(store.db, API_SERIES, window).reduce((a, b) => a + b, 0)).toBe(60);
  });
});

describe("a database from before coverage was stored", () => {
  it("gets, by migration 0002, each hour's minutes that hold a conclusive result, and no reach beyond them", () => {
    const old = openDatabase(":memory:");
    try {
      const apply = (tag: string) => {
        for (const statement of readFileSync(`${MIGRATIONS_FOLDER}/${tag}.sql`, "utf8").split("--> statement-breakpoint")) old.sqlite.exec(statement);
      };
      apply("0000_probe_results");
      apply("0001_official_status_incidents_rollups");
      const insert = old.sqlite.prepare(
        `INSERT INTO rollups_minute (series, bucket_start, up, degraded, down, inconclusive, error_class_counts, total_ms_histogram, ttft_ms_histogram, tokens_per_second_sum, tokens_per_second_count)
         VALUES (?, ?, ?, 0, ?, ?, '{}', '{}', '{}', 0, 0)`,
      );
      // 12:00–12:04 up, 12:05 only inconclusive, 12:06 down, 12:30 up; then one 13:00 minute, inconclusive.
      for (const m of [0, 1, 2, 3, 4]) insert.run("edge", at("12:00") + m * MIN, 1, 0, 0);
      insert.run("edge", at("12:05"), 0, 0, 2);
      insert.run("edge", at("12:06"), 0, 1, 0);
      insert.run("edge", at("12:30"), 1, 0, 0);
      insert.run("edge", at("13:00"), 0, 0, 1);
      apply("0002_coverage_hours");
      expect(old.sqlite.prepare("SELECT * FROM coverage_hours ORDER BY bucket_start").all()).toEqual([
        { series: "edge", bucket_start: at("12:00"), first_at: at("12:00"), last_at: at("12:30"), last_conclusive: 1, gap_ms: 0, covered: "[[0,5],[6,7],[30,31]]" },
        { series: "edge", bucket_start: at("13:00"), first_at: at("13:00"), last_at: at("13:00"), last_conclusive: 0, gap_ms: 0, covered: "[]" },
      ]);
    } finally {
      old.close();
    }
  });
});
