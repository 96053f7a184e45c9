/**
 * Writes what the official page showed, as lib/judge/official.ts plans it. Each reading goes read → plan → write:
 * everything the plan needs is read first, the plan is a pure function of it and of the page's document, and the
 * writes apply the plan, all in one transaction so a crash leaves either the whole reading or none of it.
 */
import { setImmediate } from "node:timers/promises";
import type { Db } from "@/db/client";
import {
  getLatestComponentStatuses,
  getLatestPayloadSha,
  getMissingUpdateIds,
  getOfficialIncidentsByIds,
  insertComponentStatuses,
  insertPayload,
  markIncidentsListed,
  recordOfficialRead,
  touchOfficialIncidents,
  upsertIncidentUpdates,
  upsertMaintenances,
  upsertOfficialIncidents,
} from "@/db/queries/official";
import { maintenanceRow, planComponentRows, planIncidentRound, type IncidentChange, type IncidentRound, type ObservationRecord, type StoredOfficial } from "@/lib/judge/official";
import type { StatusIncident, StatusSummary } from "@/probes/statuspage";

type Conn = Parameters<typeof getLatestComponentStatuses>[0];

/** Record one summary reading (null summary: the page was unreadable) in one transaction; returns what it wrote. */
export function recordStatusObservation(db: Db, obs: { at: Date; summary: StatusSummary | null; raw: string | null }, opts: { heartbeatMs: number }): ObservationRecord {
  return db.transaction((tx) => {
    const components = planComponentRows(getLatestComponentStatuses(tx), obs.summary, obs.at, opts.heartbeatMs);
    insertComponentStatuses(tx, components.rows);
    const record = { changes: components.changes, heartbeats: components.heartbeats, unknownRows: components.unknowns, unknown: obs.summary === null };
    recordOfficialRead(tx, "summary", obs.at, obs.summary !== null);
    // An unreadable body is not a claim of the page: the status probe's result already says what came back.
    if (!obs.summary) return { ...record, incidentsUpserted: 0, incidentsUnchanged: 0, incidentsDeferred: 0, maintenancesUpserted: 0, payloadStored: false, incidentChanges: [] };
    const round = planIncidentRound(obs.summary.incidents, readStored(tx, obs.summary.incidents, "summary"), obs.raw, obs.at);
    writeRound(tx, round, "summary", obs.at);
    // What the summary lists is what the page claims now (touched ones were marked with their touch).
    markIncidentsListed(tx, round.plan.writes.map((w) => w.incident.id), obs.at);
    const maintenancesUpserted = upsertMaintenances(tx, obs.summary.scheduled_maintenances.map((m) => maintenanceRow(m, obs.at)));
    return { ...record, ...roundRecord(round), maintenancesUpserted, payloadStored: round.payload !== null };
  });
}

/**
 * Record one incidents.json reading: resolved incidents and their resolved_at arrive here. Null incidents write
 * nothing. Written in WRITE_BUDGET-sized transactions with the event loop let through between them.
 */
export async function recordIncidentHistory(
  db: Db,
  obs: { at: Date; incidents: StatusIncident[] | null; raw: string | null },
  /** Called inside each write's transaction, so what it writes (alerts) commits or rolls back with the incidents. */
  onChanges: (tx: Db, changes: IncidentChange[]) => void = () => {},
): Promise<{ incidentsUpserted: number; payloadStored: boolean }> {
  const { incidents } = obs;
  db.transaction((tx) => recordOfficialRead(tx, "incidents", obs.at, incidents !== null));
  if (!incidents) return { incidentsUpserted: 0, payloadStored: false };
  let incidentsUpserted = 0;
  let payloadStored = false;
  // Each round writes at least one incident, so this many rounds always finish.
  for (let round = 0; round <= incidents.length; round++) {
    const step = db.transaction((tx) => {
      // The payload is kept once per reading, with its first round.
      const planned = planIncidentRound(incidents, readStored(tx, incidents, "incidents"), round === 0 ? obs.raw : null, obs.at);
      writeRound(tx, planned, "incidents", obs.at);
      onChanges(tx as unknown as Db, planned.changes);
      return planned;
    });
    incidentsUpserted += step.plan.writes.length;
    payloadStored ||= step.payload !== null;
    if (step.plan.deferred === 0) break;
    await setImmediate();
  }
  return { incidentsUpserted, payloadStored };
}

/** Everything a round's plan is made from: the stored incidents the page lists, their unstored updates, the payload hash. */
function readStored(tx: Conn, incidents: readonly StatusIncident[], endpoint: string): StoredOfficial {
  const stored = new Map(getOfficialIncidentsByIds(tx, incidents.map((i) => i.id)).map((row) => [row.id, row]));
  const missingUpdateIds = getMissingUpdateIds(tx, incidents.flatMap((i) => (stored.has(i.id) ? i.incident_updates.map((u) => u.id) : [])));
  return { incidents: stored, missingUpdateIds, latestPayloadSha: getLatestPayloadSha(tx, endpoint) };
}

function writeRound(tx: Conn, { plan, payload }: IncidentRound, endpoint: string, at: Date): void {
  upsertOfficialIncidents(tx, plan.writes.map((w) => w.incident));
  upsertIncidentUpdates(tx, plan.writes.flatMap((w) => w.updates));
  // Deferred incidents are touched too: the summary listed them, only their fields wait for the next round.
  touchOfficialIncidents(tx, plan.touched, at, { listed: endpoint === "summary" });
  if (payload) insertPayload(tx, { endpoint, sha256: payload.sha256, body: payload.body, fetchedAt: at });
}

function roundRecord({ plan, changes }: IncidentRound): Pick<ObservationRecord, "incidentsUpserted" | "incidentsUnchanged" | "incidentsDeferred" | "incidentChanges"> {
  return { incidentsUpserted: plan.writes.length, incidentsUnchanged: plan.unchanged, incidentsDeferred: plan.deferred, incidentChanges: changes };
}
