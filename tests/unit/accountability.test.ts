import { describe, expect, it } from "vitest";
import { countDisagreement, daySlots, matchIncidents, uptimes, type OfficialIncidentView } from "@/lib/judge/accountability";
import { replayIncidents, type Observation } from "@/lib/judge/detector";
import { ackStats } from "@/lib/judge/grade";
import { groupSurfaceIncidents, type SeriesIncident } from "@/lib/judge/surfaces";
import { measuredTimeline, O, officialTimeline, type StatusPoint } from "@/lib/judge/timeline";
import { coverageOf, DAY0, MIN, POLICY } from "@/tests/unit/timelines";

const API = "k8w3r06qmzrp";
const DAY = { from: DAY0, to: DAY0 + 1440 * MIN };
const NOW = DAY.to;
const at = (hhmm: string) => DAY0 + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;

/** April 13, 2026 as users lived it: from 14:00 to 16:00, 60% of requests fail, half 500s and half empty 200s. */
function april13(): Observation[] {
  return Array.from({ length: 1440 }, (_, k) => {
    const phase = k - 14 * 60;
    const failing = phase >= 0 && phase < 120 && [0, 1, 3].includes(phase % 5);
    const errorClass = !failing ? null : phase % 5 === 1 ? "empty_response" : "http_5xx";
    return { at: DAY0 + k * MIN, outcome: failing ? "down" : "up", errorClass, requestId: failing ? `req_${k}` : null };
  });
}

function toSurface(observations: Observation[], series = "messages:claude-haiku-4-5") {
  const parts: SeriesIncident[] = replayIncidents(observations, POLICY).incidents.map((i, n) => ({ ...i, id: n, surface: "api", series, model: "claude-haiku-4-5" }));
  return groupSurfaceIncidents(parts, NOW);
}

/** The page stays "operational" (heartbeats every 15 min) until 14:40, says partial_outage (heartbeats too) until 16:10. */
const pagePoints: StatusPoint[] = [
  ...Array.from({ length: 96 }, (_, i) => DAY0 + i * 15 * MIN).map((t) => ({ at: t, level: t >= at("14:40") && t < at("16:10") ? O.down : O.operational })),
  { at: at("14:40"), level: O.down },
  { at: at("16:10"), level: O.operational },
];
const official: OfficialIncidentView = {
  id: "apr13",
  name: "Elevated errors on Claude API",
  status: "resolved",
  impact: "major",
  componentIds: [API],
  createdAt: at("14:40"),
  startedAt: at("14:40"),
  resolvedAt: at("16:10"),
  shownAt: at("14:40"),
  claim: { from: at("14:40"), to: at("16:10") },
  updatesShownAt: [at("14:40")],
  models: [],
  backdated: false,
  shortlink: null,
  leftUnresolved: false,
  vanished: false,
};
const opts = { graceMs: 15 * MIN, accountableAfterMs: 5 * MIN, now: NOW };

describe("holding the page to account: an April 13-style day", () => {
  const observations = april13();
  const incidents = toSurface(observations);
  const measured = measuredTimeline(DAY, coverageOf(DAY, observations, POLICY.gapMs), incidents, NOW);
  const page = officialTimeline(DAY, pagePoints, [{ from: official.createdAt, to: official.resolvedAt, level: O.down }], 31 * MIN, NOW);

  it("produces one incident from 14:00 to 15:59 with the mix it saw", () => {
    expect(incidents).toHaveLength(1);
    expect(new Date(incidents[0]!.startedAt).toISOString()).toBe("2026-04-13T14:00:00.000Z");
    expect(new Date(incidents[0]!.endedAt!).toISOString()).toBe("2026-04-13T15:59:00.000Z");
    expect(incidents[0]!.errorClassCounts).toEqual({ http_5xx: 48, empty_response: 24 });
  });

  it("is acknowledged after 40 minutes, with the right impact, and grades C", () => {
    const { matches, officialWithoutImpact } = matchIncidents(incidents, [official], API, opts);
    expect(matches).toHaveLength(1);
    expect(matches[0]!.ackDelayMs).toBe(40 * MIN);
    expect(matches[0]!.impactMatches).toBe(true);
    expect(officialWithoutImpact).toEqual([]);
    const stats = ackStats(matches);
    expect(stats).toMatchObject({ accountableIncidents: 1, acknowledged: 1, neverAcknowledged: 0, medianAckDelayMs: 40 * MIN, grade: "C" });
  });

  it("counts 40 minutes of 'operational' while down, and 11 of the page claiming worse after recovery", () => {
    expect(countDisagreement(measured, page)).toEqual({
      totalMinutes: 51,
      officialUpMeasuredDownMinutes: 40,
      officialUpMeasuredDegradedMinutes: 0,
      officialWorseMinutes: 11,
      severityMismatchMinutes: 0,
    });
  });

  it("computes uptime both ways over the minutes each side is known", () => {
    const u = uptimes(measured, page);
    expect(u.measuredMinutes).toBe(1440);
    expect(u.measured).toBeCloseTo(1 - 119 / 1440, 6);
    expect(u.official).toBeCloseTo(1 - 90 / 1440, 6);
  });

  it("never acknowledged is the worst case: grade F, share 1", () => {
    const { matches } = matchIncidents(incidents, [], API, opts);
    expect(ackStats(matches)).toMatchObject({ neverAcknowledged: 1, neverAcknowledgedShare: 1, grade: "F", medianAckDelayMs: null });
  });

  it("lists an official incident for another component as not about this surface, and one Witness saw no impact for", () => {
    const elsewhere = { ...official, id: "ai", componentIds: ["rwppv331jlwc"] };
    const later = { ...official, id: "late", createdAt: at("20:00"), startedAt: at("20:00"), shownAt: at("20:00"), claim: { from: at("20:00"), to: at("20:30") }, resolvedAt: at("20:30") };
    const { matches, officialWithoutImpact } = matchIncidents(incidents, [official, elsewhere, later], API, opts);
    expect(matches[0]!.official.map((o) => o.id)).toEqual(["apr13"]);
    expect(officialWithoutImpact.map((o) => o.id)).toEqual(["late"]);
  });

  it("an official incident naming no component concerns every surface", () => {
    const { matches } = matchIncidents(incidents, [{ ...official, componentIds: [] }], API, opts);
    expect(matches[0]!.acknowledged).toBe(true);
  });
});

describe("the monitor's own outage", () => {
  it("an hour offline is a gap of no data, not an outage, and is left out of uptime", () => {
    // The last result before the gap (09:59) still covers 2.5 intervals, to 10:01:30: 58 minutes are no data.
    const observations: Observation[] = Array.from({ length: 1440 }, (_, k) => ({ at: DAY0 + k * MIN, outcome: "up" as const, errorClass: null, requestId: null })).filter(
      (o) => o.at < at("10:00") || o.at >= at("11:00"),
    );
    const incidents = toSurface(observations);
    expect(incidents).toEqual([]);
    const measured = measuredTimeline(DAY, coverageOf(DAY, observations, POLICY.gapMs), incidents, NOW);
    const noData = measured.filter((m) => m === 0).length;
    expect(noData).toBe(58);
    const u = uptimes(measured, new Uint8Array(measured.length).fill(O.operational));
    expect(u.measured).toBe(1);
    expect(u.measuredMinutes).toBe(1382);
    expect(countDisagreement(measured, new Uint8Array(measured.length).fill(O.down)).officialWorseMinutes).toBe(1382);
  });

  it("an official reading that stopped becomes unknown after the stale time, never operational", () => {
    const page = officialTimeline(DAY, [{ at: DAY0, level: O.operational }], [], 31 * MIN, NOW);
    expect(page.slice(0, 31).every((v) => v === O.operational)).toBe(true);
    expect(page.slice(31).every((v) => v === O.unknown)).toBe(true);
  });

  it("splits a window into UTC days", () => {
    const days = daySlots({ from: DAY0 - 60 * MIN, to: DAY0 + 1440 * MIN });
    expect(days.map((d) => [d.day, d.to - d.from])).toEqual([["2026-04-12", 60], ["2026-04-13", 1440]]);
  });
});
