/**
 * The official state of a surface at a moment: the one definition behind the home page's "official:", the JSON API,
 * /metrics, the alerts' "official page: …" and disagreement. It is the component's status in force (a reading no
 * older than two heartbeats), raised by the incidents the page's summary listed on that component at that moment;
 * without a reading in force it is unknown, open incidents or not: Witness speaks for the page only while reading it.
 */
import { officialStaleMs, type Config, type Surface } from "@/lib/config";
import { officialLevel } from "@/lib/judge/official";
import { claimLevel, claimsAt, concernsComponent, type OfficialIncidentView } from "@/lib/judge/official-claims";
import type { Db } from "@/db/client";
import { getComponentStatusAt } from "@/db/queries/official";

export type OfficialState = "operational" | "degraded" | "down" | "maintenance" | "unknown";

/** The state from a component status in force (null: none) and the incidents claiming that component at the moment. */
export function officialStateOf(componentStatus: string | null, claiming: readonly Pick<OfficialIncidentView, "impact">[]): OfficialState {
  const base: OfficialState = componentStatus === null ? "unknown" : officialLevel(componentStatus);
  const levels = claiming.map(claimLevel);
  const impact = levels.includes("down") ? "down" : levels.includes("degraded") ? "degraded" : null;
  if (base === "unknown" || base === "maintenance" || impact === null) return base;
  if (base === "operational") return impact;
  return base === "down" || impact === "down" ? "down" : "degraded";
}

/** The incidents of `official` that claim `componentId` at `at`, newest shown first. */
export function claimingAt(official: readonly OfficialIncidentView[], componentId: string, at: number): OfficialIncidentView[] {
  return official.filter((o) => concernsComponent(o, componentId) && claimsAt(o, at)).sort((a, b) => b.shownAt - a.shownAt);
}

export interface OfficialNow {
  state: OfficialState;
  /** The component's own status string in force ("partial_outage"), or null when none is. */
  componentStatus: string | null;
  /** The incidents claiming the component then. */
  incidents: OfficialIncidentView[];
}

/**
 * The official state of `surface` at `at` (now, as the latest reading knows it), from the views of the incidents
 * around then (lib/judge/report.ts readOfficialViews / toOfficialView).
 */
export function readOfficialNow(db: Db, config: Config, surface: Pick<Surface, "componentId">, official: readonly OfficialIncidentView[], at: number): OfficialNow {
  const latest = getComponentStatusAt(db, surface.componentId, new Date(at));
  const componentStatus = latest && at - latest.observedAt.getTime() <= officialStaleMs(config) ? latest.status : null;
  const incidents = claimingAt(official, surface.componentId, at);
  return { state: officialStateOf(componentStatus, incidents), componentStatus, incidents };
}
