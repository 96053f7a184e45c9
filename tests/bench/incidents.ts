/**
 * Detection and scale: how many probe intervals a hard outage takes to open an incident, how many incidents
 * background noise opens, and the cost of rollups and the report over ~1 million generated results.
 */
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { loadConfig } from "@/lib/config";
import { replayIncidents, type Observation } from "@/lib/judge/detector";
import { buildReport } from "@/lib/judge/report";
import { coverageGapOf } from "@/lib/judge/coverage";
import { rebuildRollups } from "@/lib/keep/rollup-writer";
import { generateHistory } from "@/lib/simulator/history";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";
import { seeded } from "@/lib/simulator/random";
import { POLICY } from "@/tests/unit/timelines";

const MIN = 60_000;

/** Outages starting at a random point inside an interval: intervals from outage start to confirmation. */
function detectionDelays(trials: number): number[] {
  const random = seeded(7);
  return Array.from({ length: trials }, () => {
    const start = 30 * MIN + random() * MIN;
    const results: Observation[] = Array.from({ length: 60 }, (_, k) => {
      const down = k * MIN >= start;
      return { at: k * MIN, outcome: down ? "down" : "up", errorClass: down ? "http_5xx" : null, requestId: null };
    });
    const [incident] = replayIncidents(results, POLICY).incidents;
    return (incident!.confirmedAt - start) / MIN;
  });
}

/**
 * Randomized recoveries at one interval: an outage of random length and error mix resolves, then one blip comes
 * somewhere in the next window, with start times jittered by up to a second. Counts incidents opened after the first, and any dated before the last one's end.
 */
function recoveryReplays(trials: number, intervalSeconds: number): { reopened: number; before: number } {
  const random = seeded(intervalSeconds);
  const step = intervalSeconds * 1000;
  const policy = { ...POLICY, gapMs: 2.5 * step };
  const classes = ["http_5xx", "overloaded", "empty_response", "stream_truncated"] as const;
  let reopened = 0;
  let before = 0;
  for (let trial = 0; trial < trials; trial++) {
    const outageLength = 2 + Math.floor(random() * 40);
    const flapping = random() < 0.3;
    const recovery = 3 + Math.floor(random() * (POLICY.windowMs / step));
    const results: Observation[] = [];
    const push = (down: boolean) => {
      const errorClass = down ? classes[Math.floor(random() * classes.length)]! : null;
      // Real start times wander by milliseconds, so a window of 5 minutes sometimes holds 6 results a minute apart.
      results.push({ at: results.length * step + Math.floor(random() * 1000), outcome: down ? "down" : "up", errorClass, requestId: null });
    };
    for (let k = 0; k < 10; k++) push(false);
    for (let k = 0; k < outageLength; k++) push(!flapping || k % 2 === 0 || k === outageLength - 1);
    for (let k = 0; k < recovery; k++) push(false);
    push(true);
    for (let k = 0; k < (2 * POLICY.windowMs) / step; k++) push(false);
    const { incidents } = replayIncidents(results, policy);
    reopened += Math.max(0, incidents.length - 1);
    for (let k = 1; k < incidents.length; k++) if (incidents[k]!.startedAt < (incidents[k - 1]!.endedAt ?? Infinity)) before += 1;
  }
  return { reopened, before };
}

/** 24-hour replays with 2% failures: independent ones, and ones never within a window of each other. */
function noiseIncidents(days: number, isolated: boolean): { failures: number; incidents: number } {
  let failures = 0;
  let incidents = 0;
  for (let seed = 1; seed <= days; seed++) {
    const random = seeded(seed);
    let lastFailure = -Infinity;
    const day: Observation[] = Array.from({ length: 1440 }, (_, k) => {
      let down = random() < 0.02;
      if (isolated && down && k - lastFailure < 5) down = false;
      if (down) lastFailure = k;
      failures += down ? 1 : 0;
      return { at: k * MIN, outcome: down ? "down" : "up", errorClass: down ? "http_5xx" : null, requestId: null };
    });
    incidents += replayIncidents(day, POLICY).incidents.length;
  }
  return { failures, incidents };
}

export async function benchIncidents(): Promise<void> {
  printTable("Incidents opened by one blip after a recovery (1000 randomized outages and recoveries per interval)", ["interval", "trials", "incidents opened after recovery", "dated before the previous end", "target"],
    [10, 30, 60].map((seconds) => {
      const { reopened, before } = recoveryReplays(1000, seconds);
      return [`${seconds} s`, 1000, reopened, before, "0"];
    }),
  );
  const delays = detectionDelays(1000);
  printTable("Detection delay of a hard outage (1000 outages starting at random points; 1 interval = 1 min)", ["median intervals", "p95 intervals", "worst intervals", "target"], [
    [fmt(median(delays), 2), fmt(quantile(delays, 0.95), 2), fmt(Math.max(...delays), 2), "≤ 2"],
  ]);
  const independent = noiseIncidents(30, false);
  const isolated = noiseIncidents(30, true);
  printTable("Incidents opened by 24-hour replays with 2% failures (30 seeded days each)", ["failures", "days", "failures total", "incidents opened", "target"], [
    ["isolated (none within 5 min of another)", 30, isolated.failures, isolated.incidents, "0"],
    ["independent (2% each, clusters by chance)", 30, independent.failures, independent.incidents, "—"],
  ]);

  const dir = mkdtempSync(join(tmpdir(), "witness-bench-"));
  const path = join(dir, "history.db");
  const store = openDatabase(path);
  migrateDatabase(store.db);
  const config = loadConfig({ DATABASE_PATH: path });
  const now = Date.UTC(2026, 10, 26, 12, 0);
  let t = performance.now();
  const history = generateHistory(store, config, { days: 90, now, seed: 2026 });
  const generateMs = performance.now() - t;
  store.sqlite.exec("DELETE FROM rollups_minute; DELETE FROM rollups_hour; DELETE FROM rollups_day; DELETE FROM coverage_hours;");
  t = performance.now();
  const counts = rebuildRollups(store.db, { gapMsOf: coverageGapOf(config) });
  const rollupMs = performance.now() - t;
  const reportTimes: Record<string, number> = {};
  let report90 = buildReport(store.db, config, "90d", now);
  for (const window of ["24h", "7d", "30d", "90d"] as const) {
    t = performance.now();
    report90 = buildReport(store.db, config, window, now);
    reportTimes[window] = performance.now() - t;
  }
  store.sqlite.pragma("wal_checkpoint(TRUNCATE)");
  const sizeMb = statSync(path).size / 1024 / 1024;
  store.close();
  printTable(`90 days × 8 series (${history.results.toLocaleString("en")} results, ${history.measuredIncidents} measured incidents, ${history.officialIncidents} official)`, ["step", "time", "detail"], [
    ["generate and insert", `${fmt(generateMs / 1000, 2)} s`, "includes a first rollup pass and the detector replay"],
    ["rebuild all rollups", `${fmt(rollupMs / 1000, 2)} s`, `${counts.minutes.toLocaleString("en")} minute, ${counts.hours.toLocaleString("en")} hour, ${counts.days} day rows`],
    ...(["24h", "7d", "30d", "90d"] as const).map((w) => [`report --since ${w}`, `${fmt(reportTimes[w]!, 0)} ms`, ""]),
    ["database file", `${fmt(sizeMb, 0)} MB`, "after a WAL checkpoint; target < 300 MB"],
  ]);
  const api = report90.surfaces.find((s) => s.id === "api")!;
  printTable("What the 90-day report says of the generated history (API surface)", ["measured uptime", "official uptime", "incidents", "never acknowledged", "median ack", "operational-while-down min", "grade"], [
    [`${fmt(api.measuredUptime! * 100, 3)}%`, `${fmt(api.officialUptime! * 100, 3)}%`, api.incidents.length, api.ack.neverAcknowledged, `${fmt((api.ack.medianAckDelayMs ?? NaN) / MIN, 0)} min`, api.disagreement.officialUpMeasuredDownMinutes, api.ack.grade ?? "n/a"],
  ]);
}
