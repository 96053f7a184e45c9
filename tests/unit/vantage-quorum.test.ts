/**
 * The quorum rule (lib/vantage/quorum.ts) on hand-made cases, then on 1,000 random trials per interval against a
 * reference written here from PRODUCT.md's words alone, another way: per time step, a table of vantages reduced to
 * per-unit votes with plain loops, and the global state machine as three flags.
 */
import { describe, expect, it } from "vitest";
import { initialVerdictState, nextVerdict, type QuorumPolicy, type VantageEvidence, type VerdictState } from "@/lib/vantage/quorum";

const T0 = Date.parse("2026-12-01T10:00:00Z");

function vantage(id: string, over: Partial<VantageEvidence> = {}): VantageEvidence {
  return { id, group: null, down: false, firstFailureAt: null, newestConclusiveAt: T0, offline: false, clockSkewMs: 0, ...over };
}
const down = (id: string, since = T0 - 60_000, over: Partial<VantageEvidence> = {}) => vantage(id, { down: true, firstFailureAt: since, ...over });
const policy = (configured: number, intervalMs = 60_000): QuorumPolicy => ({ freshMs: 2.5 * intervalMs, maxClockSkewMs: 60_000, resolveHoldMs: 2 * intervalMs, configured });

describe("the quorum rule", () => {
  it("one configured vantage is today's behaviour: its own incident is the verdict", () => {
    const v = nextVerdict(initialVerdictState(), [down("local")], policy(1), T0);
    expect(v.transition).toEqual({ type: "opened", startedAt: T0 - 60_000 });
    expect(v.scope).toBe("global");
  });

  it("one of three failing is regional; two of three is global, started at the quorum's earliest failure", () => {
    const one = nextVerdict(initialVerdictState(), [down("lon"), vantage("fra"), vantage("iad")], policy(3), T0);
    expect(one).toMatchObject({ transition: null, scope: "regional", down: ["vantage:lon"] });
    const two = nextVerdict(initialVerdictState(), [down("lon", T0 - 90_000), down("fra", T0 - 30_000), vantage("iad")], policy(3), T0);
    expect(two.transition).toEqual({ type: "opened", startedAt: T0 - 90_000 });
  });

  it("a vantage whose own network is down, or stale, or skewed, counts for nothing", () => {
    const evidence = [down("lon", T0 - 60_000, { offline: true }), down("fra", T0 - 60_000, { newestConclusiveAt: T0 - 200_000 }), down("ams", T0 - 60_000, { clockSkewMs: 90_000 }), vantage("iad")];
    const v = nextVerdict(initialVerdictState(), evidence, policy(4), T0);
    expect(v.count.eligible.map((u) => u.id)).toEqual(["vantage:iad"]);
    expect(v.scope).toBe(null);
  });

  it("two configured, one silent, the other down: unconfirmed, never global", () => {
    const v = nextVerdict(initialVerdictState(), [down("lon"), vantage("fra", { newestConclusiveAt: null })], policy(2), T0);
    expect(v).toMatchObject({ transition: null, scope: "unconfirmed" });
  });

  it("a group counts once, and up when any member is up", () => {
    const grouped = [down("fra1", T0, { group: "eu" }), vantage("fra2", { group: "eu" }), down("iad")];
    expect(nextVerdict(initialVerdictState(), grouped, policy(3), T0)).toMatchObject({ transition: null, scope: "regional", down: ["vantage:iad"] });
    const allDown = [down("fra1", T0 - 10_000, { group: "eu" }), down("fra2", T0 - 50_000, { group: "eu" }), down("iad", T0 - 20_000)];
    expect(nextVerdict(initialVerdictState(), allDown, policy(3), T0).transition).toEqual({ type: "opened", startedAt: T0 - 50_000 });
  });

  it("a global incident holds while a down vantage goes silent, and resolves only after the quorum is up for the hold", () => {
    const p = policy(3);
    let state = nextVerdict(initialVerdictState(), [down("a"), down("b"), vantage("c")], p, T0).state;
    // b goes silent: E = 2, D = 1, U = 1, Q = 2: neither, so it holds.
    let v = nextVerdict(state, [down("a"), down("b", T0, { newestConclusiveAt: T0 - 10 * 60_000 }), vantage("c")], p, T0 + 60_000);
    expect(v).toMatchObject({ transition: null, scope: "global" });
    state = v.state;
    const upAt = (at: number) => ["a", "b", "c"].map((id) => vantage(id, { newestConclusiveAt: at }));
    v = nextVerdict(state, upAt(T0 + 120_000), p, T0 + 120_000);
    expect(v.transition).toBe(null);
    v = nextVerdict(v.state, upAt(T0 + 240_000), p, T0 + 240_000);
    expect(v.transition).toEqual({ type: "resolved", at: T0 + 120_000 });
  });
});

// ---- The reference, from PRODUCT.md's words -------------------------------------------------------------------

interface Ref {
  open: boolean;
  startedAt: number;
  upRunFrom: number | null;
}

function referenceStep(ref: Ref, table: VantageEvidence[], p: QuorumPolicy, now: number): { ref: Ref; event: string | null; scope: string | null } {
  // Votes per unit: a key per group or lone vantage; 1 = up, 0 = down; earliest failure per down unit.
  const votes: Record<string, { up: boolean; down: boolean; earliest: number }> = {};
  for (const v of table) {
    const fresh = v.newestConclusiveAt !== null && now - v.newestConclusiveAt <= p.freshMs;
    const clockOk = v.clockSkewMs === null || Math.abs(v.clockSkewMs) <= p.maxClockSkewMs;
    if (!fresh || v.offline || !clockOk) continue;
    const key = v.group ? `g/${v.group}` : `v/${v.id}`;
    votes[key] ??= { up: false, down: false, earliest: Infinity };
    if (v.down) {
      votes[key].down = true;
      votes[key].earliest = Math.min(votes[key].earliest, v.firstFailureAt ?? now);
    } else votes[key].up = true;
  }
  const keys = Object.keys(votes);
  const E = keys.length;
  const downKeys = keys.filter((k) => !votes[k]!.up && votes[k]!.down);
  const D = downKeys.length;
  const U = E - D;
  let Q = Math.floor(E / 2) + 1;
  if (p.configured >= 2 && Q < 2) Q = 2;
  const local = D === 0 ? null : E === 1 && p.configured >= 2 ? "unconfirmed" : "regional";
  if (!ref.open) {
    if (D >= Q) {
      let earliest = Infinity;
      for (const k of downKeys) earliest = Math.min(earliest, votes[k]!.earliest);
      return { ref: { open: true, startedAt: earliest, upRunFrom: null }, event: `opened@${earliest}`, scope: "global" };
    }
    return { ref, event: null, scope: local };
  }
  if (U >= Q) {
    const from = ref.upRunFrom ?? now;
    if (now - from >= p.resolveHoldMs) return { ref: { open: false, startedAt: 0, upRunFrom: null }, event: `resolved@${from}`, scope: local };
    return { ref: { ...ref, upRunFrom: from }, event: null, scope: "global" };
  }
  return { ref: { ...ref, upRunFrom: null }, event: null, scope: "global" };
}

/** A small seeded generator, so a failing trial can be replayed by its number. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (s * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
}

describe("1,000 random trials per interval agree with the reference", () => {
  it.each([10_000, 30_000, 60_000])("interval %i ms", (intervalMs) => {
    for (let trial = 0; trial < 1_000; trial++) {
      const rnd = random(trial * 7919 + intervalMs);
      const n = 1 + Math.floor(rnd() * 5);
      const p = policy(n, intervalMs);
      const groups = [null, null, "eu", "us"];
      const ids = Array.from({ length: n }, (_, i) => `v${i}`);
      const group = Object.fromEntries(ids.map((id) => [id, rnd() < 0.3 ? groups[Math.floor(rnd() * groups.length)]! : null]));
      const firstFailure: Record<string, number | null> = {};
      const lastConclusive: Record<string, number | null> = Object.fromEntries(ids.map((id) => [id, null]));
      let state: VerdictState = initialVerdictState();
      let ref: Ref = { open: false, startedAt: 0, upRunFrom: null };
      for (let step = 0; step < 40; step++) {
        const now = T0 + step * intervalMs;
        const table = ids.map((id) => {
          const r = rnd();
          // Each step a vantage reports up, down, or nothing (silent); now and then its network or clock is off.
          if (r < 0.75) lastConclusive[id] = now;
          const isDown = r < 0.75 && rnd() < 0.45;
          if (isDown) firstFailure[id] ??= now;
          else if (r < 0.75) firstFailure[id] = null;
          return vantage(id, { group: group[id]!, down: firstFailure[id] != null, firstFailureAt: firstFailure[id] ?? null, newestConclusiveAt: lastConclusive[id]!, offline: rnd() < 0.05, clockSkewMs: rnd() < 0.05 ? 120_000 : 0 });
        });
        const got = nextVerdict(state, table, p, now);
        const want = referenceStep(ref, table, p, now);
        const gotEvent = got.transition === null ? null : got.transition.type === "opened" ? `opened@${got.transition.startedAt}` : `resolved@${got.transition.at}`;
        if (gotEvent !== want.event || got.scope !== want.scope) {
          expect({ trial, step, event: gotEvent, scope: got.scope }).toEqual({ trial, step, event: want.event, scope: want.scope });
        }
        state = got.state;
        ref = want.ref;
      }
    }
  });
});
