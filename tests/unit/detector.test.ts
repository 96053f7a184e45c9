import { describe, expect, it } from "vitest";
import { describeErrorMix, initialSeriesState, nextIncidentState, replayIncidents, type Observation, type SeriesState } from "@/lib/judge/detector";
import { seeded } from "@/lib/simulator/random";
import { DAY0, MIN, POLICY, timeline } from "@/tests/unit/timelines";

describe("the incident detector", () => {
  it("a blip of one failure opens nothing", () => {
    expect(replayIncidents(timeline("uuuuDuuuuuDuuuu"), POLICY).incidents).toEqual([]);
  });

  it("opens after 2 consecutive failures, dated from the first, and resolves after 3 successes", () => {
    const { incidents } = replayIncidents(timeline("uuu DDDDD uuuu"), POLICY);
    expect(incidents).toHaveLength(1);
    const [incident] = incidents;
    expect(incident!.startedAt).toBe(DAY0 + 3 * MIN);
    expect(incident!.confirmedAt).toBe(DAY0 + 4 * MIN);
    expect(incident!.endedAt).toBe(DAY0 + 8 * MIN);
    expect(incident!.severity).toBe("down");
    expect(incident!.failedResults).toBe(5);
    expect(incident!.sampleRequestIds).toEqual(["req_3", "req_4", "req_5", "req_6", "req_7"]);
  });

  it("opens on the failure ratio over the window when failures never come twice in a row", () => {
    const { incidents } = replayIncidents(timeline("uuuu DuDuD uuuu"), POLICY);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.startedAt).toBe(DAY0 + 4 * MIN);
    expect(incidents[0]!.peakFailureRatio).toBeCloseTo(0.6);
  });

  it("a flapping series opens one incident, not ten", () => {
    const { incidents } = replayIncidents(timeline("uuu DuDuDuDuDuDuDuDuDuDu uuuu"), POLICY);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.endedAt).not.toBeNull();
  });

  it("degraded results open a degraded incident, which becomes an outage when failures turn hard", () => {
    const { incidents } = replayIncidents(timeline("uu SSS uuuu"), POLICY);
    expect(incidents.map((i) => i.severity)).toEqual(["degraded"]);
    const escalated = replayIncidents(timeline("uu SSS DDD uuu"), POLICY).incidents;
    expect(escalated.map((i) => i.severity)).toEqual(["down"]);
    expect(escalated).toHaveLength(1);
  });

  it("inconclusive results (our key, our limits) never open an incident and never break a run", () => {
    expect(replayIncidents(timeline("uu IIIIIIII uu"), POLICY).incidents).toEqual([]);
    expect(replayIncidents(timeline("uu D I D uuu"), POLICY).incidents).toHaveLength(1);
  });

  it("failures on both sides of a gap (the monitor away) are not one run", () => {
    const before = timeline("uuuuD");
    const after = timeline("Duuuu", DAY0 + 65 * MIN);
    expect(replayIncidents([...before, ...after], POLICY).incidents).toEqual([]);
  });

  it("state survives a restart: no duplicate incident, no re-alert", () => {
    const results = timeline("uuu DDDD DDDD uuuu");
    const first = replayIncidents(results.slice(0, 7), POLICY);
    const restored = JSON.parse(JSON.stringify(first.state)) as SeriesState;
    const rest = replayIncidents(results.slice(7), POLICY, restored);
    const kinds: string[] = [];
    let state = restored;
    for (const r of results.slice(7)) {
      const next = nextIncidentState(state, r, POLICY);
      state = next.state;
      if (next.transition) kinds.push(next.transition.type);
    }
    expect(kinds).not.toContain("opened");
    expect(kinds.at(-1)).toBe("resolved");
    expect(rest.incidents).toHaveLength(1);
    expect(rest.incidents[0]!.startedAt).toBe(first.incidents[0]!.startedAt);
    expect(rest.incidents[0]!.endedAt).toBe(DAY0 + 11 * MIN);
  });

  it("24 hours of 2% isolated failures open none", () => {
    const random = seeded(42);
    const day: Observation[] = Array.from({ length: 1440 }, (_, i) => {
      const failed = random() < 0.02;
      return { at: DAY0 + i * MIN, outcome: failed ? "down" : "up", errorClass: failed ? "http_5xx" : null, requestId: null };
    });
    expect(day.filter((r) => r.outcome === "down").length).toBeGreaterThan(15);
    expect(replayIncidents(day, POLICY).incidents).toEqual([]);
  });

  it("keeps the mix of error classes it saw", () => {
    const { incidents } = replayIncidents(timeline("u OOOOO E OE uuu"), POLICY);
    expect(incidents[0]!.errorClassCounts).toEqual({ overloaded: 6, empty_response: 2 });
    expect(describeErrorMix(incidents[0]!.errorClassCounts)).toBe("75% overloaded, 25% empty_response");
  });

  describe.each([10, 30, 60])("after a recovery at %i s intervals", (seconds) => {
    const step = seconds * 1000;
    const policy = { ...POLICY, gapMs: 2.5 * step };

    it("one failure opens no new incident, and successes open none", () => {
      const { incidents } = replayIncidents(timeline("uuu DDDDDDDDDD uuu D uuuuuuuuuuuuuuuuuuuuuuuuuuuuuu", DAY0, step), policy);
      expect(incidents).toHaveLength(1);
      expect(incidents[0]!.endedAt).toBe(DAY0 + 13 * step);
    });

    it("a new outage after it is dated from its own first failure, never before the last end", () => {
      const { incidents } = replayIncidents(timeline("uuu DDDDDDDDDD uuu D u DD uuu", DAY0, step), policy);
      expect(incidents).toHaveLength(2);
      expect(incidents[1]!.startedAt).toBe(DAY0 + 18 * step);
      expect(incidents[1]!.startedAt).toBeGreaterThanOrEqual(incidents[0]!.endedAt!);
    });
  });

  it("a success never opens an incident, whatever the window holds", () => {
    const stale: SeriesState = {
      window: timeline("DDDD").map((o) => ({ at: o.at, bad: "down", errorClass: "http_5xx", requestId: null })),
      streak: [],
      open: null,
      lastAt: DAY0 + 3 * MIN,
    };
    const next = nextIncidentState(stale, { at: DAY0 + 4 * MIN, outcome: "up", errorClass: null, requestId: null }, POLICY);
    expect(next.transition).toBeNull();
  });

  it("a state saved with failures from before the last end (older saves) does not reopen from them", () => {
    const saved = {
      window: timeline("DDDuuu").map((o) => ({ at: o.at, bad: o.outcome === "down" ? "down" : null, errorClass: o.errorClass, requestId: null })),
      streak: [],
      open: null,
      lastAt: DAY0 + 5 * MIN,
      lastEndedAt: DAY0 + 3 * MIN,
    } as SeriesState;
    const next = nextIncidentState(saved, { at: DAY0 + 6 * MIN, outcome: "down", errorClass: "http_5xx", requestId: null }, POLICY);
    expect(next.transition).toBeNull();
  });

  it("starts from nothing", () => {
    expect(initialSeriesState()).toEqual({ window: [], streak: [], open: null, lastAt: null, lastEndedAt: null });
  });
});

describe("series probed less often than the window (browser and code every 5 min, or every 10)", () => {
  it.each([300, 600])("two failures in a row at %i s intervals open an incident, and recoveries resolve it", (seconds) => {
    const step = seconds * 1000;
    const policy = { ...POLICY, gapMs: 2.5 * step };
    const { incidents } = replayIncidents(timeline("uu DD uuu", DAY0, step), policy);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ startedAt: DAY0 + 2 * step, endedAt: DAY0 + 4 * step, severity: "down" });
  });
});
