/**
 * How much of one Statuspage document Witness keeps. A real page sits far inside every bound (Claude's lists a few
 * open incidents with a few updates each, and 6 components); a page beyond them has gone wrong, and keeping all of
 * it would let one document stall the probes and fill the disk. The bounds apply to the parsed JSON, before schema
 * validation, so what is cut off is never validated, copied or stored.
 */
import { JsonParser } from "@/probes/json-thread";

export interface DocumentLimits {
  incidents: number;
  updates: number;
  components: number;
}

export const DOCUMENT_LIMITS: DocumentLimits = {
  // incidents.json lists the 50 most recent by design; an unresolved list that long is already a page gone wrong.
  incidents: 50,
  // Per incident: the earliest (the first acknowledgement, which the grade rests on) and the 24 newest. Real ones
  // have under 15; those in between are kept whenever Witness was watching, as each arrived newest.
  updates: 25,
  // Per document, per incident and per update's affected list. Claude's page lists 6; this leaves room for any page.
  components: 250,
};

/** What a document listed beyond the limits. Zero everywhere for any real page. */
export interface Cuts {
  incidentsListed: number;
  incidentsKept: number;
  maintenancesListed: number;
  maintenancesKept: number;
  updatesDropped: number;
  componentsDropped: number;
}

export interface Bounded {
  value: unknown;
  cuts: Cuts;
}

/**
 * Cut a parsed summary.json or incidents.json to the limits: the most recently updated incidents and maintenances
 * first (ties keep the page's order, so an unchanged page keeps the same ones), then the updates and component lists
 * of each. Anything that is not the expected shape is left for the schema to reject. Self-contained: it also runs
 * on the parser thread as source text.
 */
export function boundStatusDocument(json: unknown, limits: DocumentLimits): Bounded {
  const cuts: Cuts = { incidentsListed: 0, incidentsKept: 0, maintenancesListed: 0, maintenancesKept: 0, updatesDropped: 0, componentsDropped: 0 };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const time = (v: unknown) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : -Infinity);
  const recency = (v: unknown) => (isObject(v) ? Math.max(time(v.updated_at), time(v.created_at)) : -Infinity);
  const newestFirst = (items: unknown[], at: (v: unknown) => number) =>
    items
      .map((item, index) => ({ item, index, t: at(item) }))
      .sort((a, b) => (b.t > a.t ? 1 : b.t < a.t ? -1 : a.index - b.index))
      .map((e) => e.item);
  const capList = (owner: Record<string, unknown>, key: string) => {
    const list = owner[key];
    if (!Array.isArray(list) || list.length <= limits.components) return;
    cuts.componentsDropped += list.length - limits.components;
    owner[key] = list.slice(0, limits.components);
  };
  const boundIncident = (incident: unknown) => {
    if (!isObject(incident)) return;
    capList(incident, "components");
    const updates = incident.incident_updates;
    if (!Array.isArray(updates)) return;
    if (updates.length > limits.updates) {
      const sorted = newestFirst(updates, (u) => (isObject(u) ? time(u.created_at) : -Infinity));
      cuts.updatesDropped += updates.length - limits.updates;
      incident.incident_updates = [...sorted.slice(0, limits.updates - 1), sorted[sorted.length - 1]];
    }
    for (const update of incident.incident_updates as unknown[]) if (isObject(update)) capList(update, "affected_components");
  };
  if (!isObject(json)) return { value: json, cuts };
  capList(json, "components");
  for (const [key, listed, kept] of [["incidents", "incidentsListed", "incidentsKept"], ["scheduled_maintenances", "maintenancesListed", "maintenancesKept"]] as const) {
    const list = json[key];
    if (!Array.isArray(list)) continue;
    const keptList = newestFirst(list, recency).slice(0, limits.incidents);
    keptList.forEach(boundIncident);
    json[key] = keptList;
    cuts[listed] = list.length;
    cuts[kept] = keptList.length;
  }
  return { value: json, cuts };
}

/** "9000 incidents listed, the 50 most recently updated kept; 3 updates dropped", or null when nothing was cut. */
export function describeCuts(cuts: Cuts): string | null {
  const parts: string[] = [];
  if (cuts.incidentsKept < cuts.incidentsListed) parts.push(`${cuts.incidentsListed} incidents listed, the ${cuts.incidentsKept} most recently updated kept`);
  if (cuts.maintenancesKept < cuts.maintenancesListed) parts.push(`${cuts.maintenancesListed} maintenances listed, ${cuts.maintenancesKept} kept`);
  if (cuts.updatesDropped > 0) parts.push(`${cuts.updatesDropped} incident updates over ${DOCUMENT_LIMITS.updates} per incident dropped`);
  if (cuts.componentsDropped > 0) parts.push(`${cuts.componentsDropped} components over ${DOCUMENT_LIMITS.components} per list dropped`);
  return parts.length > 0 ? parts.join("; ") : null;
}

/** The one parser (and thread) both Statuspage documents go through. */
export const statusDocumentParser = new JsonParser(boundStatusDocument);
