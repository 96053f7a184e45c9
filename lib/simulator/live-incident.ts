/**
 * The incident scenario's incident, fresh: the fixture's open incident re-dated so it is created when the scenario is
 * switched on, its updates arriving after that, and resolved (with a resolving update, as the page writes one) when
 * the scenario is switched off. Each switch-on is a new incident with new ids. Shapes are the fixture's, key for key;
 * only ids, times, status and which updates are listed differ.
 */
type Json = Record<string, unknown>;

/**
 * The fixture's half hour of updates (investigating, then components named, then identified 29 min in) plays out
 * this many times faster, so a demo act or a test sees the updates arrive within half a minute.
 */
export const INCIDENT_PACE = 60;

const RESOLVED_BODY = "This incident has been resolved.";

/** One switch-on of the incident scenario. */
export interface LiveIncident {
  id: string;
  switchedOnAt: number;
  template: Json;
}

let sequence = 0;

/** A new incident, created at `at`, from the fixture's open incident `template`. */
export function startIncident(template: Json, at: number): LiveIncident {
  sequence = (sequence + 1) % 36 ** 3;
  // Statuspage ids are 12 lowercase base-36 characters: the time keeps runs of the simulator apart, the counter
  // switch-ons within one millisecond.
  const id = `${at.toString(36).padStart(8, "0").slice(-8)}${sequence.toString(36).padStart(3, "0")}0`;
  return { id, switchedOnAt: at, template };
}

/** The incident as the page lists it at `now`: the updates whose time has come, newest first, and the status they set. */
export function renderIncident(live: LiveIncident, now: number): Json {
  const created = Date.parse(live.template.created_at as string);
  const when = (iso: unknown): number => live.switchedOnAt + Math.floor((Date.parse(iso as string) - created) / INCIDENT_PACE);
  const iso = (ms: number) => new Date(ms).toISOString();
  const updates = (live.template.incident_updates as Json[])
    .filter((u) => when(u.created_at) <= now)
    .map((u, i, all) => {
      const at = iso(when(u.created_at));
      return { ...u, id: `${live.id.slice(0, 11)}${(all.length - i).toString(36)}`, incident_id: live.id, created_at: at, updated_at: at, display_at: at } as Json;
    });
  const latest = updates[0]!;
  const components = (live.template.components as Json[]).map((c) => ({ ...c, updated_at: iso(live.switchedOnAt) }));
  return {
    ...live.template,
    id: live.id,
    status: latest.status,
    created_at: iso(live.switchedOnAt),
    updated_at: latest.created_at,
    started_at: iso(when(live.template.started_at)),
    incident_updates: updates,
    components,
  };
}

/** The incident resolved at `at`: the page's resolving update on top, its components operational again. */
export function resolveIncident(live: LiveIncident, at: number): Json {
  const open = renderIncident(live, at);
  const stamp = new Date(at).toISOString();
  const components = open.components as Json[];
  const latest = (open.incident_updates as Json[])[0]!;
  const resolving = {
    ...latest,
    id: `${live.id.slice(0, 11)}r`,
    status: "resolved",
    body: RESOLVED_BODY,
    created_at: stamp,
    updated_at: stamp,
    display_at: stamp,
    affected_components: components.map((c) => ({ code: c.id, name: c.name, old_status: c.status, new_status: "operational" })),
  };
  return {
    ...open,
    status: "resolved",
    updated_at: stamp,
    resolved_at: stamp,
    incident_updates: [resolving, ...(open.incident_updates as Json[])],
    components: components.map((c) => ({ ...c, status: "operational", updated_at: stamp })),
  };
}
