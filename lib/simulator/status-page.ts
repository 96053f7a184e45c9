/**
 * Statuspage v2 state. Operational, every document is a fixture's exact bytes but incidents.json, which lists only
 * the fixture's resolved incidents (the fixture's open one is the incident scenario's). The incident scenario's
 * incident is fresh (lib/simulator/live-incident.ts): created when switched on, resolved when switched off, and then
 * kept in incidents.json as history. A test's own changes edit the state the documents are built from.
 */
import { readFileSync } from "node:fs";
import { SpecError } from "./faults";
import { renderIncident, resolveIncident, startIncident, type LiveIncident } from "./live-incident";
import { isRecord } from "./wire";

export type Scenario = "operational" | "incident";
export type Indicator = "none" | "minor" | "major" | "critical" | "maintenance";

export interface StatusChange {
  scenario?: Scenario;
  components?: Record<string, string>;
  incidents?: unknown[];
  indicator?: Indicator;
  description?: string;
  /** Replace the incidents with this many generated unresolved ones: a page far larger than any real one. */
  bulkIncidents?: BulkIncidents;
}

/** A generated flood of open incidents (benchmarks, bounds tests). */
export interface BulkIncidents {
  count: number;
  /** Updates per incident; 0 gives the barest incident Statuspage can send. */
  updates?: number;
  /** Characters of each update's body. */
  bodyChars?: number;
  /** Every document read moves every incident's updated_at to now, as a page under a storm of edits would. */
  churn?: boolean;
}

// A page is read in full by the probe, which stops at 1 MiB: bigger floods only test that cut-off.
const MAX_BULK = { count: 20_000, updates: 100, bodyChars: 100_000 };

/** The documents the status target serves. */
export type StatusDoc = "summary" | "status" | "components" | "incidents" | "unresolved" | "maintenances" | "upcoming" | "rss" | "atom";

type Json = Record<string, unknown>;

const text = (name: string): string => readFileSync(new URL(`./fixtures/statuspage/${name}`, import.meta.url), "utf8");
const renderFixtureLayout = (doc: Json): string => `${JSON.stringify(doc, null, 2)}\n`; // the fixtures' own layout, newline included

// summary.json holds status.json, components.json and incidents/unresolved.json whole: those are built from it, and
// come out byte for byte as their fixtures (the fixtures share one layout).
const SUMMARY = { operational: text("summary.operational.json"), incident: text("summary.incident.json") };
const FIXED = {
  maintenances: text("scheduled-maintenances.json"),
  upcoming: text("scheduled-maintenances-upcoming.json"),
  rss: text("history.rss"),
  atom: text("history.atom"),
};
const HISTORY = (JSON.parse(text("incidents.json")) as { incidents: Json[] }).incidents;
/** The fixture's open incident: the template of every fresh one. */
const OPEN_TEMPLATE = HISTORY.find(isUnresolved)!;
// incidents.json lists the page's 50 most recent incidents.
const MAX_RESOLVED = 50;
const DESCRIPTIONS: Record<Indicator, string> = {
  none: "All Systems Operational",
  minor: "Minor Service Outage",
  major: "Partial System Outage",
  critical: "Major System Outage",
  maintenance: "Service Under Maintenance",
};

/** True for an incident whose status is not resolved or postmortem. */
export function isUnresolved(incident: unknown): boolean {
  const status = isRecord(incident) ? incident.status : undefined;
  return status !== "resolved" && status !== "postmortem";
}

/** The status page's current state and the documents it yields. */
export class StatusBoard {
  private summary: Json = {};
  /** A test's own incident list (`incidents`, `bulkIncidents`); null: the scenario's. */
  private incidents: unknown[] | null = null;
  /** The incident scenario's incident, while the scenario is on. */
  private live: LiveIncident | null = null;
  /** Incidents resolved by switching the incident scenario off, newest first. */
  private resolved: Json[] = [];
  private bulk: Required<BulkIncidents> | null = null;
  /** A steady flood's documents, rendered once: building a megabyte on every request would stall the server. */
  private rendered = new Map<StatusDoc, string>();

  constructor() {
    this.reset();
  }

  /** Back to the operational fixtures, byte for byte, with no incident of its own in the history. */
  reset(): void {
    this.live = null;
    this.resolved = [];
    this.load("operational");
  }

  /**
   * Apply a change; a scenario loads its fixture set first (switching the incident scenario on creates a new
   * incident, switching it off resolves it), anything else then edits it.
   */
  apply(change: StatusChange): void {
    this.rendered.clear();
    if (change.scenario) this.switchTo(change.scenario, Date.now());
    const { components, incidents, indicator, description, bulkIncidents } = change;
    if (components === undefined && incidents === undefined && indicator === undefined && description === undefined && bulkIncidents === undefined) return;
    const now = new Date().toISOString();
    if (components) this.setComponents(components, now);
    if (incidents) {
      this.incidents = structuredClone(incidents);
      this.bulk = null;
    }
    if (bulkIncidents) {
      this.bulk = { updates: 0, bodyChars: 40, churn: false, ...bulkIncidents };
      this.incidents = bulkIncidentList(this.bulk, now);
    }
    if (indicator !== undefined || description !== undefined) {
      const status = this.summary.status as Json;
      if (indicator !== undefined) status.indicator = indicator;
      status.description = description ?? (indicator !== undefined ? DESCRIPTIONS[indicator] : status.description);
    }
    (this.summary.page as Json).updated_at = now;
  }

  /** The body of one document in the current state. */
  document(doc: StatusDoc): string {
    if (doc === "maintenances" || doc === "upcoming" || doc === "rss" || doc === "atom") return FIXED[doc];
    if (this.bulk?.churn) this.touchBulk();
    else if (this.bulk) {
      const body = this.rendered.get(doc) ?? this.build(doc);
      this.rendered.set(doc, body);
      return body;
    }
    return this.build(doc);
  }

  private build(doc: "summary" | "status" | "components" | "incidents" | "unresolved"): string {
    const { components, status } = this.summary;
    const listed = this.incidents ?? this.scenarioIncidents(Date.now());
    const unresolved = listed.filter(isUnresolved);
    // The page's own clock moves with its newest incident update.
    const newest = this.live && this.incidents === null ? String(renderIncident(this.live, Date.now()).updated_at) : "";
    const page = { ...(this.summary.page as Json) };
    if (newest > String(page.updated_at)) page.updated_at = newest;
    // Statuspage itself sends compact JSON; the fixtures are indented for reading. A flood is sent as the real
    // page would, or 9,000 incidents would be mostly whitespace.
    const render = this.bulk ? (doc: Json) => JSON.stringify(doc) : renderFixtureLayout;
    switch (doc) {
      case "summary":
        return render({ page, components, incidents: unresolved, scheduled_maintenances: this.summary.scheduled_maintenances, status });
      case "status":
        return render({ page, status });
      case "components":
        return render({ page, components });
      case "incidents":
        return render({ page, incidents: listed });
      case "unresolved":
        return render({ page, incidents: unresolved });
    }
  }

  /** What the scenario lists, newest first: its live incident, those it resolved, the fixture's resolved history. */
  private scenarioIncidents(now: number): Json[] {
    const live = this.live ? [renderIncident(this.live, now)] : [];
    return [...live, ...this.resolved, ...HISTORY.filter((i) => !isUnresolved(i))];
  }

  private switchTo(scenario: Scenario, now: number): void {
    if (scenario === "incident" && !this.live) this.live = startIncident(OPEN_TEMPLATE, now);
    if (scenario === "operational" && this.live) {
      this.resolved = [resolveIncident(this.live, now), ...this.resolved].slice(0, MAX_RESOLVED);
      this.live = null;
    }
    this.load(scenario);
  }

  private load(scenario: Scenario): void {
    this.rendered.clear();
    this.bulk = null;
    this.incidents = null;
    this.summary = JSON.parse(SUMMARY[scenario]) as Json;
    // The components an incident changed changed when it was posted, or when it was resolved; so did the page.
    const changedBy = this.live ?? null;
    const last = this.resolved[0];
    const at = changedBy ? new Date(changedBy.switchedOnAt).toISOString() : scenario === "operational" ? (last?.resolved_at as string | undefined) : undefined;
    if (!at) return;
    const touched = new Set(((changedBy?.template ?? last)!.components as Json[]).map((c) => c.id));
    for (const c of this.summary.components as Json[]) if (touched.has(c.id)) c.updated_at = at;
    (this.summary.page as Json).updated_at = at;
  }

  private touchBulk(): void {
    const now = new Date().toISOString();
    for (const incident of (this.incidents ?? []) as Json[]) incident.updated_at = now;
    (this.summary.page as Json).updated_at = now;
  }

  private setComponents(changes: Record<string, string>, now: string): void {
    const list = this.summary.components as Json[];
    const page = this.summary.page as Json;
    for (const [id, status] of Object.entries(changes)) {
      const found = list.find((c) => c.id === id);
      if (found) {
        found.status = status;
        found.updated_at = now;
        continue;
      }
      list.push({
        id,
        name: id,
        status,
        created_at: now,
        updated_at: now,
        position: list.length + 1,
        description: null,
        showcase: true,
        start_date: now.slice(0, 10),
        group_id: null,
        page_id: page.id,
        group: false,
        only_show_if_degraded: false,
      });
    }
  }
}

/** Validate untrusted JSON into a StatusChange; throws SpecError naming the bad field. */
export function toStatusChange(input: unknown): StatusChange {
  if (!isRecord(input)) throw new SpecError("status change must be an object");
  const change: StatusChange = {};
  if (input.scenario !== undefined) {
    if (input.scenario !== "operational" && input.scenario !== "incident") throw new SpecError('scenario must be "operational" or "incident"');
    change.scenario = input.scenario;
  }
  if (input.components !== undefined) {
    const c = input.components;
    if (!isRecord(c) || !Object.values(c).every((s) => typeof s === "string")) throw new SpecError("components must map ids to status strings");
    change.components = c as Record<string, string>;
  }
  if (input.incidents !== undefined) {
    if (!Array.isArray(input.incidents)) throw new SpecError("incidents must be an array");
    change.incidents = input.incidents;
  }
  if (input.indicator !== undefined) {
    if (typeof input.indicator !== "string" || !Object.hasOwn(DESCRIPTIONS, input.indicator)) throw new SpecError(`indicator must be one of ${Object.keys(DESCRIPTIONS).join(", ")}`);
    change.indicator = input.indicator as Indicator;
  }
  if (input.description !== undefined) {
    if (typeof input.description !== "string") throw new SpecError("description must be a string");
    change.description = input.description;
  }
  if (input.bulkIncidents !== undefined) change.bulkIncidents = toBulkIncidents(input.bulkIncidents);
  return change;
}

function toBulkIncidents(input: unknown): BulkIncidents {
  if (!isRecord(input)) throw new SpecError("bulkIncidents must be an object");
  const bulk: BulkIncidents = { count: 0 };
  for (const key of ["count", "updates", "bodyChars"] as const) {
    const value = input[key];
    if (value === undefined && key !== "count") continue;
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_BULK[key]) throw new SpecError(`bulkIncidents.${key} must be an integer from 0 to ${MAX_BULK[key]}`);
    bulk[key] = value as number;
  }
  if (input.churn !== undefined) {
    if (typeof input.churn !== "boolean") throw new SpecError("bulkIncidents.churn must be a boolean");
    bulk.churn = input.churn;
  }
  return bulk;
}

/**
 * `count` unresolved incidents, newest first as Statuspage lists them. Only the keys a reader cannot do without,
 * so 9,000 of them fit in the 1 MiB a probe reads; updated_at only when churning, updates only when asked.
 */
function bulkIncidentList(bulk: Required<BulkIncidents>, now: string): Json[] {
  const start = Date.parse(now);
  const body = "Investigating. ".repeat(Math.ceil(bulk.bodyChars / 15)).slice(0, bulk.bodyChars);
  return Array.from({ length: bulk.count }, (_, i) => {
    const id = `f${i.toString(36).padStart(4, "0")}`;
    const at = new Date(start - i * 1000).toISOString();
    const incident: Json = { id, name: `F${i}`, status: "investigating", impact: "minor", created_at: at };
    if (bulk.churn) incident.updated_at = at;
    if (bulk.updates > 0) {
      incident.incident_updates = Array.from({ length: bulk.updates }, (_, u) => ({ id: `${id}u${u}`, status: "investigating", body, created_at: new Date(Date.parse(at) - u * 1000).toISOString() }));
    }
    return incident;
  });
}
