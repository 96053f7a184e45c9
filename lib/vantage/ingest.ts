/**
 * The hub's side of a vantage's batch (PRODUCT.md "Vantage points"): verify the signature with the secret of the
 * vantage the URL names (the vantage is the one whose secret verified, never a field of the body), then store each
 * result once per (vantage, series, startedAt) in one transaction. Only rows really inserted go on to that vantage's
 * rollups, coverage and detector; a repeated batch or row changes nothing but the duplicate count.
 *
 * Runs in the worker, the database's one writer; the web process forwards the requests here (lib/vantage/hub-server.ts).
 */
import { detectorPolicy, incidentColumns } from "@/lib/measure/recorder";
import { gapMs, type Config } from "@/lib/config";
import { initialSeriesState, nextIncidentState, type SeriesState } from "@/lib/judge/detector";
import { surfaceOfSeries } from "@/lib/judge/surfaces";
import { updateRollupsForResults } from "@/lib/keep/rollup-writer";
import type { Logger } from "@/lib/log";
import { parseBatch, verifySigned, type VerifyError } from "@/lib/vantage/wire";
import type { Db } from "@/db/client";
import { LOCAL_VANTAGE } from "@/db/schema";
import { getDetectorStates, insertMeasuredIncident, saveDetectorState, updateMeasuredIncident } from "@/db/queries/measured-incidents";
import { insertVantageResult } from "@/db/queries/probe-results";
import { recordAuthFailure, recordBatch } from "@/db/queries/vantage-writes";
import type { ProbeResult } from "@/probes/types";
import { quorumPolicy } from "@/lib/vantage/evidence";
import type { Verdicts } from "@/lib/vantage/verdict";

/** What the hub answers; `body` is JSON. */
export interface IngestAnswer {
  status: number;
  body: Record<string, unknown>;
  /** 503 while the hub cannot store: when to try again. */
  retryAfterSeconds?: number;
}

/** When the hub cannot write (a full or failing disk), vantages keep their rows and come back this much later. */
const STORAGE_RETRY_AFTER_S = 30;

/** One log line per vantage and reason at most this often: a misconfigured vantage retries for ever. */
const AUTH_LOG_EVERY_MS = 60_000;

export class Ingest {
  private readonly secrets: Map<string, string>;
  private readonly detectors: VantageDetectors;
  private readonly authLogged = new Map<string, number>();

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly log: Logger,
    /** The hub's verdict, decided again after each stored batch (absent: evidence is stored, nothing decided). */
    private readonly verdicts: Verdicts | null = null,
  ) {
    this.secrets = new Map(config.vantages.map((v) => [v.id, v.secret]));
    this.detectors = new VantageDetectors(config, db, log, verdicts);
  }

  /** Checks a signed request of vantage `id` (a batch, or the plan's empty body): the vantage, or the 401 to answer. */
  authenticate(id: string, headers: Record<string, string | string[] | undefined>, body: string, now: number): { ok: true; skewMs: number } | { ok: false; answer: IngestAnswer } {
    const verified = verifySigned(this.secrets.get(id), headers, body, now);
    if (verified.ok) return { ok: true, skewMs: verified.skewMs };
    this.refused(id, verified.error, now);
    return { ok: false, answer: { status: 401, body: { error: verified.error } } };
  }

  /** A POSTed batch of vantage `id`, as received: the answer to send. Never throws for what a client sent. */
  receive(id: string, headers: Record<string, string | string[] | undefined>, body: string, now: number): IngestAnswer {
    const auth = this.authenticate(id, headers, body, now);
    if (!auth.ok) return auth.answer;
    const batch = parseBatch(body);
    if ("error" in batch) return { status: batch.status, body: { error: batch.error } };
    const receivedAt = new Date(now);
    let accepted = 0;
    let newest = 0;
    try {
      this.db.transaction((tx) => {
        const db = tx as unknown as Db;
        const stored: ProbeResult[] = [];
        for (const { result } of batch.results) {
          if (insertVantageResult(db, id, result, receivedAt) === null) continue;
          stored.push(result);
          newest = Math.max(newest, Date.parse(result.startedAt));
        }
        accepted = stored.length;
        // Each bucket the batch touched is recomputed once, then the detector folds the rows in order.
        updateRollupsForResults(db, stored, (r) => gapMs(this.config, [r.kind]), id);
        for (const result of stored) this.detectors.observe(db, id, result, now);
        this.detectors.save(db);
        recordBatch(db, id, { at: receivedAt, newestResultAt: newest > 0 ? new Date(newest) : null, backlog: batch.backlog, clockSkewMs: auth.skewMs, accepted, duplicates: batch.results.length - accepted, rejected: batch.rejected.length, dropped: batch.dropped });
      });
    } catch (err) {
      // Nothing of the batch was stored: the vantage keeps its rows and sends them again.
      this.detectors.rollback();
      this.log.error(`vantage ${id}: batch ${batch.batchId} not stored: ${(err as Error).message}`);
      return { status: 503, body: { error: "storage_unavailable" }, retryAfterSeconds: STORAGE_RETRY_AFTER_S };
    }
    // Only once committed: a rolled-back batch must not leave the detectors believing it happened.
    this.detectors.commit();
    // Never throws; a refused write is logged once a minute, and the 10 s tick decides again.
    if (accepted > 0) this.verdicts?.evaluate(now);
    if (batch.rejected.length > 0) this.log.warn(`vantage ${id}: ${batch.rejected.length} result(s) of batch ${batch.batchId} rejected (first: #${batch.rejected[0]!.index} ${batch.rejected[0]!.reason})`);
    return { status: 200, body: { accepted, duplicates: batch.results.length - accepted, rejected: batch.rejected } };
  }

  private refused(id: string, error: VerifyError, now: number): void {
    // Only a refusal the vantage's own secret signed is the vantage's (its clock is off): anyone can send a bad
    // signature under its id, and must not be able to make a silent vantage look as if it were trying.
    if (error === "timestamp_out_of_tolerance") {
      try {
        recordAuthFailure(this.db, id, new Date(now), error);
      } catch (err) {
        this.log.error(`vantage ${id}: refused request not recorded: ${(err as Error).message}`);
      }
    }
    const key = `${id}\u0000${error}`;
    if (now - (this.authLogged.get(key) ?? -Infinity) < AUTH_LOG_EVERY_MS) return;
    this.authLogged.set(key, now);
    // The id as the URL gave it, bounded by the route's pattern; never a header or the secret.
    this.log.warn(`vantage ${JSON.stringify(id)}: request refused (${error})`);
  }
}

/**
 * Each vantage's own incident detector, per series, as the existing detector runs it for this install's results.
 * Its incidents are the vantage's evidence (measured_incidents with its vantage): they are neither alerts nor feed
 * items, since one place failing is not yet Claude failing (the verdict across vantages is the hub's, per series).
 */
class VantageDetectors {
  private readonly states = new Map<string, SeriesState>();
  private pending = new Map<string, SeriesState>();

  constructor(
    private readonly config: Config,
    db: Db,
    private readonly log: Logger,
    private readonly verdicts: Verdicts | null,
  ) {
    for (const { vantage, series, state } of getDetectorStates(db)) {
      if (vantage !== LOCAL_VANTAGE && !series.startsWith("elevated:")) this.states.set(key(vantage, series), state as SeriesState);
    }
  }

  /** The detector for one newly stored result of `vantage`, inside the batch's transaction (its state is saved by save()). */
  observe(db: Db, vantage: string, result: ProbeResult, now: number): void {
    const surface = surfaceOfSeries(this.config.surfaces, result.probe);
    if (!surface) return;
    const k = key(vantage, result.probe);
    const prev = this.pending.get(k) ?? this.states.get(k) ?? initialSeriesState();
    const at = Date.parse(result.startedAt);
    const { state, transition } = nextIncidentState(prev, { at, outcome: result.outcome, errorClass: result.errorClass, requestId: result.requestId }, detectorPolicy(this.config, result.kind));
    if (transition?.type === "opened") {
      const id = insertMeasuredIncident(db, { ...incidentColumns(transition.incident), vantage, surface: surface.id, series: result.probe, model: result.model, scope: null });
      state.open = { ...transition.incident, id };
      this.log.info(`vantage ${vantage}: ${surface.name} ${result.probe} failing since ${new Date(transition.incident.startedAt).toISOString()}`);
    } else if (transition && transition.incident.id !== null) {
      const endedAt = transition.type === "resolved" ? new Date(transition.endedAt) : null;
      updateMeasuredIncident(db, transition.incident.id, { ...incidentColumns(transition.incident), endedAt });
    }
    // A row from after the freshness window never decides anything (the live verdict cannot see it): what its
    // vantage saw is noted on the published incidents it overlaps, once the vantage's own incident ended.
    const late = now - at > quorumPolicy(this.config, result.kind).freshMs;
    const ended = transition?.type === "resolved" ? transition : null;
    if (late && ended && ended.incident.id !== null && this.verdicts) {
      this.verdicts.lateEvidence(db, vantage, result.probe, { id: ended.incident.id, startedAt: ended.incident.startedAt, endedAt: ended.endedAt }, now);
    }
    this.pending.set(k, state);
  }

  /** The states the batch moved, written once each (a state holds its window: one write per row was most of a batch's time). */
  save(db: Db): void {
    for (const [k, state] of this.pending) {
      const [vantage, series] = k.split("\u0000") as [string, string];
      saveDetectorState(db, series, state, new Date(state.lastAt ?? Date.now()), vantage);
    }
  }

  commit(): void {
    for (const [k, state] of this.pending) this.states.set(k, state);
    this.pending = new Map();
  }

  rollback(): void {
    this.pending = new Map();
  }
}

function key(vantage: string, series: string): string {
  return `${vantage}\u0000${series}`;
}
