/**
 * What the quorum rule (lib/vantage/quorum.ts) is fed at a hub, read from the database: the configured vantages (the
 * hub's own when it probes, then the listed ones), each vantage's detector state per series, its newest result and
 * its clock skew. Shared by the writer that decides (lib/vantage/verdict.ts) and the pages that say the verdict
 * (lib/vantage/verdict-view.ts), so both count the same vantages the same way.
 */
import type { Config } from "@/lib/config";
import type { SeriesState } from "@/lib/judge/detector";
import { isMonitorOffline } from "@/lib/measure/connectivity";
import type { QuorumPolicy, VantageEvidence, VerdictState } from "@/lib/vantage/quorum";
import type { Db } from "@/db/client";
import { getDetectorStates } from "@/db/queries/measured-incidents";
import { getNewestResult } from "@/db/queries/probe-results";
import { getVantageRows } from "@/db/queries/vantages";
import { LOCAL_VANTAGE, VERDICT_VANTAGE, type Scope, type VantageWitness } from "@/db/schema";
import type { ProbeKind } from "@/probes/types";

/** One configured vantage: the hub's own (when it probes) and each listed one. */
export interface Member {
  id: string;
  name: string;
  group: string | null;
}

/** What detector_states keeps of a series' verdict (vantage VERDICT_VANTAGE). */
export interface SeriesVerdict {
  verdict: VerdictState;
  /** The open global incident's row. */
  globalId: number | null;
  /** The open regional or unconfirmed incident's row (none while a global one is open). */
  localId: number | null;
  localScope: Scope | null;
  /** Who saw the open row, with their first failures. */
  witnesses: VantageWitness[];
}

/** The vantages that count: this hub's own (as `local`, named by vantage.name) when it probes, then the listed ones. */
export function members(config: Pick<Config, "vantage" | "vantages">): Member[] {
  const own: Member[] = config.vantage.probe ? [{ id: LOCAL_VANTAGE, name: config.vantage.name ?? "Hub", group: null }] : [];
  return [...own, ...config.vantages.map((v) => ({ id: v.id, name: v.name, group: v.group }))];
}

/** Whose coverage counts as measured: every configured vantage's at a hub, this install's own otherwise. */
export function coverageVantages(config: Pick<Config, "vantage" | "vantages">): string[] {
  return config.vantages.length === 0 ? [LOCAL_VANTAGE] : members(config).map((m) => m.id);
}

/** The rule's policy for one series: its kind's interval times the config's factors. */
export function quorumPolicy(config: Pick<Config, "probes" | "quorum" | "vantage" | "vantages">, kind: ProbeKind): QuorumPolicy {
  const intervalMs = config.probes[kind].intervalSeconds * 1000;
  return {
    freshMs: config.quorum.freshIntervals * intervalMs,
    maxClockSkewMs: config.quorum.maxClockSkewSeconds * 1000,
    resolveHoldMs: config.quorum.resolveHoldIntervals * intervalMs,
    configured: members(config).length,
  };
}

/** Every series' evidence per vantage and its kept verdict, as stored now. */
export interface StoredEvidence {
  /** series → vantage → its detector state. */
  states: Map<string, Map<string, SeriesState>>;
  verdicts: Map<string, SeriesVerdict>;
  skew: Map<string, number | null>;
}

export function readStoredEvidence(db: Db, config: Pick<Config, "vantage" | "vantages">): StoredEvidence {
  const known = new Set(members(config).map((m) => m.id));
  const states = new Map<string, Map<string, SeriesState>>();
  const verdicts = new Map<string, SeriesVerdict>();
  for (const { vantage, series, state } of getDetectorStates(db)) {
    if (series.startsWith("elevated:")) continue;
    if (vantage === VERDICT_VANTAGE) verdicts.set(series, state as SeriesVerdict);
    else if (known.has(vantage)) {
      if (!states.has(series)) states.set(series, new Map());
      states.get(series)!.set(vantage, state as SeriesState);
    }
  }
  return { states, verdicts, skew: new Map(getVantageRows(db).map((r) => [r.id, r.clockSkewMs])) };
}

/** Each configured vantage's evidence for one series now (`db`: the one from openDatabase, even inside a transaction). */
export function gatherEvidence(db: Db, list: readonly Member[], series: string, states: ReadonlyMap<string, SeriesState>, skew: ReadonlyMap<string, number | null>): (VantageEvidence & { newestAt: number | null })[] {
  return list.map((m) => {
    const state = states.get(m.id);
    const newest = state ? getNewestResult(db, m.id, series) : undefined;
    return {
      id: m.id,
      group: m.group,
      down: state?.open != null,
      firstFailureAt: state?.open?.startedAt ?? null,
      newestConclusiveAt: state?.lastAt ?? null,
      offline: newest !== undefined && newest.outcome === "inconclusive" && isMonitorOffline(newest),
      clockSkewMs: m.id === LOCAL_VANTAGE ? 0 : (skew.get(m.id) ?? null),
      // Its newest result of any outcome (the pages' "newest result"), read with the rest.
      newestAt: newest?.startedAt ?? null,
    };
  });
}

/** The ids of the eligible vantages (a group's members each named), in config order. */
export function eligibleMembers(list: readonly Member[], eligibleUnits: readonly { id: string }[], states: ReadonlyMap<string, unknown>): string[] {
  const units = new Set(eligibleUnits.map((u) => u.id));
  return list.filter((m) => units.has(m.group === null ? `vantage:${m.id}` : `group:${m.group}`) && states.has(m.id)).map((m) => m.id);
}

/** "is failing from 2 of 3 vantages (London, Frankfurt)", "is failing from London only; Frankfurt and Virginia succeed: …". */
export function reachWords(scope: Scope, down: readonly string[], eligible: readonly string[]): string {
  const { verb, note } = reachParts(scope, down, eligible);
  return note ? `${verb}; ${note}` : verb;
}

/** The verb phrase ("is failing from London only") and what follows it ("Frankfurt and Virginia succeed: …"), if anything. */
export function reachParts(scope: Scope, down: readonly string[], eligible: readonly string[]): { verb: string; note: string | null } {
  if (scope === "global") return { verb: `is failing from ${down.length} of ${eligible.length} vantages (${down.join(", ")})`, note: null };
  if (scope === "unconfirmed") return { verb: `is failing from ${listWords(down)}, the only vantage reporting (unconfirmed)`, note: null };
  const up = eligible.filter((n) => !down.includes(n));
  return { verb: `is failing from ${listWords(down)} only`, note: `${listWords(up)} ${up.length === 1 ? "succeeds" : "succeed"}: likely a network path, not Claude` };
}

/** "London", "London and Paris", "London, Paris and Virginia". */
export function listWords(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
