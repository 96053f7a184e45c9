/**
 * Minute-by-minute states of one surface over a window: what Witness measured and what the official page claimed.
 * Pure arrays, one slot a minute, so 90 days is 129,600 small numbers and every figure below is a count over them.
 */
import type { SurfaceIncident } from "@/lib/judge/surfaces";

export const MINUTE = 60_000;

/** Measured: 0 no data (Witness was not running or could not see), 1 up, 2 degraded, 3 down. */
export const M = { noData: 0, up: 1, degraded: 2, down: 3 } as const;
/** Official: 0 unknown (unreadable or stale), 1 operational, 2 degraded, 3 down, 4 maintenance. */
export const O = { unknown: 0, operational: 1, degraded: 2, down: 3, maintenance: 4 } as const;

export interface Window {
  /** Minute-aligned start, inclusive. */
  from: number;
  /** Exclusive end. */
  to: number;
}

export function alignToMinute(ms: number): number {
  return Math.floor(ms / MINUTE) * MINUTE;
}

/** One slot a minute: how many a window holds (its last, partial minute included). */
export function slotCount(window: Window): number {
  return Math.max(0, Math.ceil((window.to - window.from) / MINUTE));
}

/** Set `value` into [start, end) of `arr`, keeping the larger value where one is already there. */
function paint(arr: Uint8Array, window: Window, start: number, end: number, value: number): void {
  const i0 = Math.max(0, Math.floor((start - window.from) / MINUTE));
  const i1 = Math.min(arr.length, Math.ceil((end - window.from) / MINUTE));
  for (let i = i0; i < i1; i++) if (arr[i]! < value) arr[i] = value;
}

/**
 * Measured states. `covered` marks the minutes Witness measured the surface (lib/judge/coverage.ts, one slot a minute
 * over the window); those are up unless an incident spans them; the others are no data, never an outage.
 */
export function measuredTimeline(window: Window, covered: Uint8Array, incidents: readonly SurfaceIncident[], now: number): Uint8Array {
  const states = new Uint8Array(slotCount(window));
  // Each series' own incident at its own severity: the minute's state is the worst of them, so it does not depend on
  // which neighbouring incidents a window happened to read and group with it.
  for (const part of incidents.flatMap((i) => i.parts)) paint(states, window, part.startedAt, part.endedAt ?? now, part.severity === "down" ? M.down : M.degraded);
  for (let i = 0; i < states.length; i++) states[i] = covered[i] ? Math.max(states[i]!, M.up) : M.noData;
  return states;
}

/** A component's status at a time: a step function of stored observations. */
export interface StatusPoint {
  at: number;
  level: number;
}

/** An official incident's claim on this component: its level from `from` until `to` (null: still open). */
export interface OfficialClaim {
  from: number;
  to: number | null;
  level: number;
}

/**
 * Official states: each observation holds until the next, but no longer than `staleMs` (then unknown: our reading
 * stopped). Official incidents on the component raise the level for their span, but only in minutes in which a
 * reading was in force: Witness can only say what the page claimed while it was reading the page, so an incident
 * imported from the page's history never colours days before Witness ran, nor its gaps.
 */
export function officialTimeline(window: Window, points: readonly StatusPoint[], claims: readonly OfficialClaim[], staleMs: number, now: number): Uint8Array {
  const states = new Uint8Array(slotCount(window));
  const sorted = [...points].sort((a, b) => a.at - b.at);
  sorted.forEach((point, i) => {
    const next = sorted[i + 1]?.at ?? Infinity;
    paint(states, window, point.at, Math.min(next, point.at + staleMs, now), point.level);
  });
  for (const claim of claims) {
    if (claim.level === O.operational) continue;
    // Maintenance (4) is a claim of its own kind, not "worse than down": paint only where nothing worse is known.
    const i0 = Math.max(0, Math.floor((claim.from - window.from) / MINUTE));
    const i1 = Math.min(states.length, Math.ceil(((claim.to ?? now) - window.from) / MINUTE));
    for (let i = i0; i < i1; i++) {
      const current = states[i]!;
      if (current === O.operational || (current !== O.unknown && current !== O.maintenance && claim.level !== O.maintenance && claim.level > current)) states[i] = claim.level;
    }
  }
  return states;
}
