/**
 * Where a probe's result becomes stored facts: the raw row, its rollups, the detector's verdict and, for the status
 * probe, what the official page claimed. One transaction per result, so a crash loses at most the probe in flight.
 */
import { gapMs, type Config } from "@/lib/config";
import { initialSeriesState, nextIncidentState, type DetectorPolicy, type OpenIncident, type SeriesState } from "@/lib/detector";
import type { Logger } from "@/lib/log";
import { recordStatusObservation } from "@/lib/official";
import { updateRollupsForResult } from "@/lib/rollup-writer";
import type { RunOutput } from "@/lib/run-probe";
import { surfaceOfSeries } from "@/lib/surfaces";
import type { Db } from "@/db/client";
import { getDetectorStates, insertMeasuredIncident, saveDetectorState, updateMeasuredIncident } from "@/db/queries/measured-incidents";
import { insertProbeResult } from "@/db/queries/probe-results";
import type { ProbeKind, ProbeResult } from "@/probes/types";

/** The detector policy of one kind: the config's rule, with the gap measured in that kind's intervals. */
export function detectorPolicy(config: Config, kind: ProbeKind): DetectorPolicy {
  const p = config.incidents;
  return {
    openAfter: p.openAfter,
    failureRatio: p.failureRatio,
    windowMs: p.windowMinutes * 60_000,
    minWindowResults: p.minWindowResults,
    resolveAfter: p.resolveAfter,
    gapMs: gapMs(config, [kind]),
  };
}

export class Recorder {
  private readonly states = new Map<string, SeriesState>();

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    // Restored so a restart neither opens a second incident for an outage in progress nor alerts again.
    for (const { series, state } of getDetectorStates(db)) this.states.set(series, state as SeriesState);
  }

  /** Store one run and everything that follows from it, all or nothing. */
  record(run: RunOutput): void {
    const { result } = run;
    const next = this.db.transaction((tx) => {
      // A transaction is a Db for every query helper; drizzle only types it apart.
      const db = tx as unknown as Db;
      insertProbeResult(db, result);
      updateRollupsForResult(db, result, { gapMs: gapMs(this.config, [result.kind]) });
      if (run.status) {
        const at = new Date(result.startedAt);
        recordStatusObservation(db, { at, summary: run.status.summary, raw: run.status.raw }, { heartbeatMs: this.config.official.heartbeatMinutes * 60_000 });
      }
      return this.detect(db, result);
    });
    // Only once committed: a rolled-back write must not leave the detector believing it happened.
    if (next) this.states.set(result.probe, next);
  }

  private detect(db: Db, result: ProbeResult): SeriesState | null {
    const surface = surfaceOfSeries(this.config.surfaces, result.probe);
    if (!surface) return null;
    const prev = this.states.get(result.probe) ?? initialSeriesState();
    const observation = { at: Date.parse(result.startedAt), outcome: result.outcome, errorClass: result.errorClass, requestId: result.requestId };
    const { state, transition } = nextIncidentState(prev, observation, detectorPolicy(this.config, result.kind));
    if (transition?.type === "opened") {
      const id = insertMeasuredIncident(db, { ...incidentColumns(transition.incident), surface: surface.id, series: result.probe, model: result.model });
      state.open = { ...transition.incident, id };
      this.log.warn(`incident opened: ${surface.name} ${result.probe} ${transition.incident.severity} since ${new Date(transition.incident.startedAt).toISOString()}`);
    } else if (transition && transition.incident.id !== null) {
      const endedAt = transition.type === "resolved" ? new Date(transition.endedAt) : null;
      updateMeasuredIncident(db, transition.incident.id, { ...incidentColumns(transition.incident), endedAt });
      if (endedAt) this.log.info(`incident resolved: ${surface.name} ${result.probe} at ${endedAt.toISOString()}`);
    }
    saveDetectorState(db, result.probe, state, new Date(observation.at));
    return state;
  }
}

/** A detector incident as measured_incidents columns (the caller adds surface, series, model and end). */
export function incidentColumns(i: OpenIncident) {
  return {
    startedAt: new Date(i.startedAt),
    confirmedAt: new Date(i.confirmedAt),
    severity: i.severity,
    peakFailureRatio: i.peakFailureRatio,
    errorClassCounts: i.errorClassCounts,
    sampleRequestIds: i.sampleRequestIds,
    failedResults: i.failedResults,
    totalResults: i.totalResults,
    lastResultAt: new Date(i.lastResultAt),
  };
}
