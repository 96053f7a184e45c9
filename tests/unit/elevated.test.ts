import { describe, expect, it } from "vitest";
import type { Observation } from "@/lib/judge/detector";
import { binomialTail, DEFAULT_ELEVATED, forgetBefore, initialElevatedState, nextElevatedState, type ElevatedState } from "@/lib/judge/elevated";

const MIN = 60_000;
const policy = { ...DEFAULT_ELEVATED, gapMs: 2.5 * MIN };

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 4294967296);
}

/** Three series a minute (plain, streaming, edge), each failing when `fails(series, minute)` says so. */
function surfaceMinutes(minutes: number, fails: (series: number, minute: number) => boolean): Observation[] {
  const out: Observation[] = [];
  for (let m = 0; m < minutes; m++) {
    for (let s = 0; s < 3; s++) {
      const bad = fails(s, m);
      out.push({ at: m * MIN + s * 20_000, outcome: bad ? "down" : "up", errorClass: bad ? "overloaded" : null, requestId: null });
    }
  }
  return out;
}

function replay(results: readonly Observation[], from: ElevatedState = initialElevatedState()) {
  let state = from;
  const events: { type: string; at: number; startedAt: number; endedAt?: number }[] = [];
  for (const r of results) {
    const next = nextElevatedState(state, r, policy);
    state = next.state;
    const t = next.transition;
    if (t && t.type !== "updated") events.push({ type: t.type, at: r.at, startedAt: t.incident.startedAt, ...(t.type === "resolved" ? { endedAt: t.endedAt } : {}) });
  }
  return { events, state };
}

describe("elevated errors", () => {
  it("the binomial tail is right at the edges and for a known value", () => {
    expect(binomialTail(0, 10, 0.02)).toBe(1);
    expect(binomialTail(11, 10, 0.02)).toBe(0);
    // P(X ≥ 1) = 1 − 0.98^10
    expect(binomialTail(1, 10, 0.02)).toBeCloseTo(1 - 0.98 ** 10, 12);
    expect(binomialTail(10, 10, 0.5)).toBeCloseTo(0.5 ** 10, 15);
  });

  it.each([1, 2, 3, 4, 5])("24 hours of 2%% isolated failures on three series open nothing (seed %i)", (seed) => {
    const random = seeded(seed);
    const last = [-Infinity, -Infinity, -Infinity];
    const day = surfaceMinutes(1440, (s, m) => {
      const bad = random() < 0.02 && m - last[s]! >= 5;
      if (bad) last[s] = m;
      return bad;
    });
    expect(day.filter((r) => r.outcome === "down").length).toBeGreaterThan(30);
    expect(replay(day).events).toEqual([]);
  });

  it.each([
    ["20% (every fifth request of each series)", (s: number, m: number) => (m + s) % 5 === 0],
    ["50% alternating", (s: number, m: number) => (m + s) % 2 === 0],
  ])("%s opens one degraded incident within 10 minutes, dated from its first failure", (_name, fails) => {
    const results = [...surfaceMinutes(30, () => false), ...surfaceMinutes(30, fails).map((r) => ({ ...r, at: r.at + 30 * MIN }))];
    const { events } = replay(results);
    const opened = events.filter((e) => e.type === "opened");
    expect(opened).toHaveLength(1);
    expect(opened[0]!.at - 30 * MIN).toBeLessThanOrEqual(10 * MIN);
    expect(opened[0]!.startedAt).toBeGreaterThanOrEqual(30 * MIN);
    expect(opened[0]!.startedAt).toBeLessThan(32 * MIN);
  });

  it("resolves once the errors stop, at the first success after the last failure, and does not reopen on spent evidence", () => {
    const alternating = surfaceMinutes(20, (s, m) => (m + s) % 2 === 0);
    const healthy = surfaceMinutes(40, () => false).map((r) => ({ ...r, at: r.at + 20 * MIN }));
    const { events } = replay([...alternating, ...healthy]);
    expect(events.map((e) => e.type)).toEqual(["opened", "resolved"]);
    const lastFailure = alternating.filter((r) => r.outcome === "down").at(-1)!.at;
    expect(events[1]!.endedAt).toBeGreaterThan(lastFailure);
    expect(events[1]!.endedAt).toBeLessThanOrEqual(lastFailure + 20_000);
  });

  it("failures spent by another incident of the surface open nothing (forgetBefore)", () => {
    const outage = surfaceMinutes(10, () => true);
    const { state } = replay(outage.slice(0, 4));
    // The per-series detector owns a hard outage: once it resolves, its failures are forgotten here too.
    const forgotten = forgetBefore(initialElevatedState(), 10 * MIN);
    const after = surfaceMinutes(10, () => false).map((r) => ({ ...r, at: r.at + 10 * MIN }));
    expect(replay([...outage, ...after], forgetBefore(state, 10 * MIN)).events.filter((e) => e.startedAt < 10 * MIN && e.type === "opened")).toEqual([]);
    expect(replay(after, forgotten).events).toEqual([]);
  });

  it("inconclusive results change nothing", () => {
    const s0 = initialElevatedState();
    const { state, transition } = nextElevatedState(s0, { at: 0, outcome: "inconclusive", errorClass: "rate_limited", requestId: null }, policy);
    expect(state).toBe(s0);
    expect(transition).toBeNull();
  });
});
