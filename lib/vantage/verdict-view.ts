/**
 * The hub's verdict as people read it (PRODUCT.md "Vantage points"): per surface, the headline with its count
 * ("Claude API: failing from 2 of 3 vantages (London, Frankfurt)"; "Regional: Claude API failing from London only; Frankfurt and
 * Virginia succeed: likely a network path, not Claude"; "Unconfirmed: Claude API failing, and only London is reporting") and a row per
 * vantage (state, newest result age, 24 h uptime, TTFB and TTFT p50/p95). Read-only: the web process reads what the
 * worker decided (lib/vantage/verdict.ts) and counts eligibility now by the same rule.
 */
import type { Config, Surface } from "@/lib/config";
import { surfaceOfSeries } from "@/lib/judge/surfaces";
import { histogramQuantile, mergeAllHistograms } from "@/lib/keep/histogram";
import { eligibleMembers, gatherEvidence, listWords, members, quorumPolicy, readStoredEvidence, type Member } from "@/lib/vantage/evidence";
import { countQuorum } from "@/lib/vantage/quorum";
import { vantageViews, type VantageState } from "@/lib/vantage/state";
import type { Db } from "@/db/client";
import { getNewestResult } from "@/db/queries/probe-results";
import { getHourCounts } from "@/db/queries/rollups";
import { getVantageRows } from "@/db/queries/vantages";
import { LOCAL_VANTAGE, type Scope } from "@/db/schema";
import type { ProbeKind } from "@/probes/types";

const DAY = 86_400_000;

export interface VantageNow {
  id: string;
  name: string;
  /** `live` | `late` | `silent` | `auth_failing`; the hub's own is `live` while it probes. */
  state: VantageState;
  /** Counted in the verdict now (fresh, own network working, clock within tolerance). */
  eligible: boolean;
  /** Its own detector has an incident of the surface open. */
  failing: boolean;
  newestResultAt: number | null;
  /** Share of its conclusive results of the surface that worked over 24 h, or null: none. */
  uptime24h: number | null;
  ttfbP50: number | null;
  ttfbP95: number | null;
  ttftP50: number | null;
  ttftP95: number | null;
}

export interface SurfaceVerdict {
  /** The widest scope failing now, or null: nothing eligible is failing. */
  scope: Scope | null;
  /** The sentence the home page leads with. */
  headline: string;
  /** Names of the vantages failing now (of the widest scope). */
  failing: string[];
  eligible: number;
  configured: number;
  vantages: VantageNow[];
}

/** Per surface id, the verdict now; null on a single install (no vantages configured). */
export function readSurfaceVerdicts(db: Db, config: Config, now: number): Map<string, SurfaceVerdict> | null {
  if (config.vantages.length === 0) return null;
  const list = members(config);
  const stored = readStoredEvidence(db, config);
  const views = new Map(vantageViews(config, getVantageRows(db), now).map((v) => [v.id, v]));
  const out = new Map<string, SurfaceVerdict>();
  for (const surface of config.surfaces) {
    const seriesOf = [...stored.states.keys()].filter((s) => surfaceOfSeries(config.surfaces, s)?.id === surface.id && (s.split(":")[0] as ProbeKind) in config.probes);
    const eligible = new Set<string>();
    const failing = new Map<Scope, Set<string>>();
    const own = new Set<string>();
    const newest = new Map<string, number>();
    for (const series of seriesOf) {
      const states = stored.states.get(series)!;
      const evidence = gatherEvidence(db, list, series, states, stored.skew);
      for (const e of evidence) if (e.newestAt !== null) newest.set(e.id, Math.max(newest.get(e.id) ?? -Infinity, e.newestAt));
      const count = countQuorum(evidence, quorumPolicy(config, series.split(":")[0] as ProbeKind), now);
      for (const id of eligibleMembers(list, count.eligible, states)) eligible.add(id);
      for (const [id, state] of states) if (state.open) own.add(id);
      const kept = stored.verdicts.get(series);
      const scope: Scope | null = kept?.globalId != null ? "global" : (kept?.localScope ?? null);
      if (scope && kept) for (const w of kept.witnesses) (failing.get(scope) ?? failing.set(scope, new Set()).get(scope)!).add(w.id);
    }
    // A surface no vantage probes has no verdict: its card says why it is not measured.
    if (seriesOf.length === 0) continue;
    const scope: Scope | null = failing.has("global") ? "global" : failing.has("regional") ? "regional" : failing.has("unconfirmed") ? "unconfirmed" : null;
    const name = (id: string) => list.find((m) => m.id === id)?.name ?? id;
    const failingNames = scope ? [...failing.get(scope)!].map(name) : [];
    const eligibleNames = list.filter((m) => eligible.has(m.id)).map((m) => m.name);
    out.set(surface.id, {
      scope,
      headline: headline(surface, scope, failingNames, eligibleNames, list.length),
      failing: failingNames,
      eligible: eligible.size,
      configured: list.length,
      vantages: list.map((m) => vantageNow(db, config, m, views.get(m.id)?.state ?? "live", { eligible: eligible.has(m.id), failing: own.has(m.id), newestAt: newest.get(m.id) ?? null }, seriesOf, now)),
    });
  }
  return out;
}

/** The home page's sentence for a surface at a hub. */
export function headline(surface: Pick<Surface, "name">, scope: Scope | null, failing: readonly string[], eligible: readonly string[], configured: number): string {
  if (scope === "global") return `${surface.name}: failing from ${failing.length} of ${eligible.length} vantages (${failing.join(", ")})`;
  if (scope === "regional") {
    const up = eligible.filter((n) => !failing.includes(n));
    return `Regional: ${surface.name} failing from ${listWords(failing)} only; ${listWords(up)} ${up.length === 1 ? "succeeds" : "succeed"}: likely a network path, not Claude`;
  }
  if (scope === "unconfirmed") return `Unconfirmed: ${surface.name} failing, and only ${listWords(failing)} is reporting`;
  if (eligible.length === 0) return `${surface.name}: no vantage reporting (0 of ${configured})`;
  return `${surface.name}: working from ${eligible.length} of ${configured} vantages`;
}

function vantageNow(db: Db, config: Config, m: Member, state: VantageState, seen: { eligible: boolean; failing: boolean; newestAt: number | null }, series: readonly string[], now: number): VantageNow {
  const { eligible, failing, newestAt } = seen;
  const counts = series.map((s) => getHourCounts(db, { vantage: m.id, series: s, from: new Date(now - DAY) }));
  const up = counts.reduce((a, c) => a + c.up, 0);
  const conclusive = counts.reduce((a, c) => a + c.conclusive, 0);
  const ttfb = mergeAllHistograms(counts.flatMap((c) => c.ttfbMs));
  const ttft = mergeAllHistograms(counts.flatMap((c) => c.ttftMs));
  return {
    id: m.id,
    name: m.name,
    state: m.id === LOCAL_VANTAGE ? (config.vantage.probe ? "live" : "silent") : state,
    eligible,
    failing,
    newestResultAt: newestAt,
    uptime24h: conclusive === 0 ? null : up / conclusive,
    ttfbP50: histogramQuantile(ttfb, 0.5),
    ttfbP95: histogramQuantile(ttfb, 0.95),
    ttftP50: histogramQuantile(ttft, 0.5),
    ttftP95: histogramQuantile(ttft, 0.95),
  };
}
