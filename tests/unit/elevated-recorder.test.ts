/**
 * Intermittent errors through the real recorder: every other API request answering 529 is a degraded incident of the
 * surface (elevated errors), said on the home page with its share; a background of isolated failures opens nothing; a
 * hard outage is the series' own incidents, and its spent failures open no elevated one afterwards.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { OpenedDatabase } from "@/db/client";
import { getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { listIncidents } from "@/lib/dashboard/incidents";
import { getStatusNow, headline } from "@/lib/dashboard/now";
import { Recorder } from "@/lib/measure/recorder";
import type { Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import type { ProbeKind } from "@/probes/types";
import { openRecorder, sampleResult } from "@/tests/unit/support";

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 5, 6, 0);
const SERIES: [string, ProbeKind, string | null][] = [
  ["messages:claude-haiku-4-5", "messages", "claude-haiku-4-5"],
  ["stream:claude-haiku-4-5", "stream", "claude-haiku-4-5"],
  ["edge", "edge", null],
];

let store: OpenedDatabase;
let config: Config;
let recorder: Recorder;
afterEach(() => store.close());

/** Minutes [from, to) of the three API series, each result failing (529) when `fails(series, minute)` says so. */
function run(from: number, to: number, fails: (s: number, m: number) => boolean): void {
  for (let m = from; m < to; m++) {
    SERIES.forEach(([probe, kind, model], s) => {
      const bad = fails(s, m);
      recorder.record({ result: sampleResult(new Date(T0 + m * MIN + s * 20_000).toISOString(), { probe, kind, model, outcome: bad ? "down" : "up", errorClass: bad ? "overloaded" : null, httpStatus: bad ? 529 : 200 }) });
    });
  }
}

const incidents = () => getMeasuredIncidentsRange(store.db, { from: new Date(0), to: new Date(T0 + 10 * 86_400_000) });

describe("elevated errors through the recorder", () => {
  it("every other request failing is one degraded incident within 10 minutes, and the page says so", () => {
    ({ store, config, recorder } = openRecorder());
    run(0, 30, () => false);
    run(30, 45, (s, m) => (m + s) % 2 === 0);
    const listed = listIncidents(store.db, config, T0 + 45 * MIN).filter((i) => i.kind === "measured");
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ surface: "api", severity: "degraded", endedAt: null });
    expect(incidents().every((i) => i.severity === "degraded" && i.confirmedAt.getTime() - (T0 + 30 * MIN) <= 10 * MIN)).toBe(true);
    const now = getStatusNow(store.db, config, T0 + 45 * MIN);
    const api = now.surfaces.find((s) => s.id === "api")!;
    expect(api.measured).toBe("degraded");
    expect(api.failureWords).toMatch(/^(4\d|5\d)% of requests failing$/);
    expect(headline(now).text).toMatch(/^Claude API is degraded since \d\d:\d\d UTC: \d+% of requests failing\./);
  });

  it("one request in five failing, which no series sees on its own, opens the surface's elevated-errors incident", () => {
    ({ store, config, recorder } = openRecorder());
    run(0, 30, () => false);
    run(30, 45, (s, m) => (m + s) % 5 === 0);
    const rows = incidents();
    expect(rows.map((r) => [r.series, r.severity])).toEqual([["elevated:api", "degraded"]]);
    expect(rows[0]!.confirmedAt.getTime() - (T0 + 30 * MIN)).toBeLessThanOrEqual(10 * MIN);
    expect(headline(getStatusNow(store.db, config, T0 + 45 * MIN)).text).toMatch(/^Claude API is degraded since \d\d:\d\d UTC: 2\d% of requests failing/);
  });

  it("recovers once the errors stop, and a restart keeps the open state instead of opening again", () => {
    ({ store, config, recorder } = openRecorder());
    run(0, 12, (s, m) => (m + s) % 5 === 0);
    expect(incidents()).toHaveLength(1);
    // A restart: a new recorder on the same database.
    recorder = new Recorder(config, store.db, createLogger({ secrets: [], write: () => {} }));
    run(12, 15, (s, m) => (m + s) % 5 === 0);
    run(15, 45, () => false);
    const rows = incidents();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.endedAt).not.toBeNull();
  });

  it("six hours of 2% isolated failures open nothing", () => {
    ({ store, config, recorder } = openRecorder());
    let seed = 7;
    const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 4294967296);
    const last = [-Infinity, -Infinity, -Infinity];
    run(0, 360, (s, m) => {
      const bad = random() < 0.02 && m - last[s]! >= 5;
      if (bad) last[s] = m;
      return bad;
    });
    expect(incidents().map((i) => [i.series, i.startedAt.toISOString()])).toEqual([]);
  });

  it("a hard outage is told by its series; its spent failures open no elevated incident after it", () => {
    ({ store, config, recorder } = openRecorder());
    run(0, 10, () => false);
    run(10, 20, () => true);
    run(20, 60, () => false);
    const rows = incidents();
    expect(rows.map((r) => r.series).sort()).toEqual(SERIES.map(([s]) => s).sort());
    expect(rows.every((r) => r.endedAt !== null && r.severity === "down")).toBe(true);
  });
});
