/**
 * Statuspage v2 state. Until a test changes something beyond the scenario, every document is a fixture's exact
 * bytes; after that, documents are rebuilt from the state.
 */
import { readFileSync } from "node:fs";
import { SpecError } from "./faults";
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

const SUMMARY = { operational: text("summary.operational.json"), incident: text("summary.incident.json") };
const FIXED = {
  operational: { summary: SUMMARY.operational, status: text("status.operational.json"), components: text("components.json") },
  incident: { summary: SUMMARY.incident, status: text("status.incident.json") },
  incidents: text("incidents.json"),
  unresolved: text("incidents-unresolved.json"),
  maintenances: text("scheduled-maintenances.json"),
  upcoming: text("scheduled-maintenances-upcoming.json"),
  rss: text("history.rss"),
  atom: text("history.atom"),
};
const HISTORY = (JSON.parse(FIXED.incidents) as { incidents: unknown[] }).incidents;
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
  private scenario: Scenario = "operational";
  private modified = false;
  private summary: Json = {};
  private incidents: unknown[] = [];
  private bulk: Required<BulkIncidents> | null = null;
  /** A steady flood's documents, rendered once: building a megabyte on every request would stall the server. */
  private rendered = new Map<StatusDoc, string>();

  constructor() {
    this.reset();
  }

  /** Back to the operational fixtures, byte for byte. */
  reset(): void {
    this.load("operational");
  }

  /** Apply a change; a scenario loads its fixture set first, anything else then edits it. */
  apply(change: StatusChange): void {
    this.rendered.clear();
    if (change.scenario) this.load(change.scenario);
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
    this.modified = true;
  }

  /** The body of one document in the current state. */
  document(doc: StatusDoc): string {
    if (doc === "maintenances" || doc === "upcoming" || doc === "rss" || doc === "atom") return FIXED[doc];
    if (!this.modified) return this.fixture(doc);
    if (this.bulk?.churn) this.touchBulk();
    else if (this.bulk) {
      const body = this.rendered.get(doc) ?? this.build(doc);
      this.rendered.set(doc, body);
      return body;
    }
    return this.build(doc);
  }

  private build(doc: "summary" | "status" | "components" | "incidents" | "unresolved"): string {
    const { page, components, status } = this.summary;
    const unresolved = this.incidents.filter(isUnresolved);
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
        return render({ page, incidents: this.incidents });
      case "unresolved":
        return render({ page, incidents: unresolved });
    }
  }

  private fixture(doc: "summary" | "status" | "components" | "incidents" | "unresolved"): string {
    if (doc === "incidents") return FIXED.incidents;
    if (this.scenario === "incident") {
      if (doc === "unresolved") return FIXED.unresolved;
      if (doc === "components") return renderFixtureLayout({ page: this.summary.page, components: this.summary.components });
      return FIXED.incident[doc];
    }
    if (doc === "unresolved") return renderFixtureLayout({ page: this.summary.page, incidents: [] });
    return FIXED.operational[doc];
  }

  private load(scenario: Scenario): void {
    this.rendered.clear();
    this.scenario = scenario;
    this.modified = false;
    this.bulk = null;
    this.summary = JSON.parse(SUMMARY[scenario]) as Json;
    // The history fixture carries the live incident too; an operational page must not show it as unresolved.
    const history = structuredClone(HISTORY);
    this.incidents = scenario === "incident" ? history : history.filter((i) => !isUnresolved(i));
  }

  private touchBulk(): void {
    const now = new Date().toISOString();
    for (const incident of this.incidents as Json[]) incident.updated_at = now;
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
