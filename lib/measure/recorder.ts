/**
 * Where a probe's result becomes stored facts: the raw row, its rollups, the detector's verdict and, for the status
 * probe, what the official page claimed. One transaction per result, so a crash loses at most the probe in flight.
 */
import { AlertRules } from "@/lib/alerts/facts";
import { gapMs, type Config, type Surface } from "@/lib/config";
import { initialSeriesState, nextIncidentState, type DetectorPolicy, type OpenIncident, type SeriesState } from "@/lib/judge/detector";
import { DEFAULT_ELEVATED, forgetBefore, initialElevatedState, nextElevatedState, type ElevatedIncident, type ElevatedPolicy, type ElevatedState } from "@/lib/judge/elevated";
import type { Logger } from "@/lib/log";
import { recordStatusObservation } from "@/lib/measure/official-record";
import { FeedPublisher } from "@/lib/publish/feed-items";
import { updateRollupsForResult } from "@/lib/keep/rollup-writer";
import type { RunOutput } from "@/lib/measure/run-probe";
import { surfaceOfSeries } from "@/lib/judge/surfaces";
import type { Db } from "@/db/client";
import { LOCAL_VANTAGE } from "@/db/schema";
import { getDetectorStates, insertMeasuredIncident, saveDetectorState, updateMeasuredIncident } from "@/db/queries/measured-incidents";
import { insertBrowserScreenshot } from "@/db/queries/browser-screenshots";
import { insertVantageResult } from "@/db/queries/probe-results";
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

/** The pooled elevated-errors policy of one surface: the default statistics, the gap of its slowest kind. */
export function elevatedPolicy(config: Config, surface: Surface): ElevatedPolicy {
  return { ...DEFAULT_ELEVATED, gapMs: gapMs(config, surface.kinds) };
}

/** The detector_states key (and measured_incidents series) of a surface's pooled elevated-errors state. */
export const elevatedSeries = (surface: Pick<Surface, "id">) => `elevated:${surface.id}`;

export class Recorder {
  private readonly states = new Map<string, SeriesState>();
  /** Per surface: every conclusive result of its series pooled (lib/judge/elevated.ts), keyed by elevatedSeries. */
  private readonly elevated = new Map<string, ElevatedState>();
  /** The alert rules; their outbox rows are written in the same transaction as the facts they report. */
  readonly alerts: AlertRules;
  private readonly feed: FeedPublisher;
  /**
   * A single install publishes its own incidents (global: one vantage decides). A hub's own are evidence for its
   * verdict across vantages (lib/vantage/verdict.ts), which publishes and alerts instead.
   */
  private readonly publishes: boolean;

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    this.alerts = new AlertRules(config);
    this.feed = new FeedPublisher(config, log);
    this.publishes = config.vantages.length === 0;
    // Restored so a restart neither opens a second incident for an outage in progress nor alerts again.
    for (const { vantage, series, state } of getDetectorStates(db)) {
      if (vantage !== LOCAL_VANTAGE) continue;
      if (series.startsWith("elevated:")) this.elevated.set(series, state as ElevatedState);
      else this.states.set(series, state as SeriesState);
    }
  }

  /** Store one run and everything that follows from it, all or nothing. */
  record(run: RunOutput): void {
    const { result } = run;
    const wasOpen = this.openState(result.probe);
    const next = this.db.transaction((tx) => {
      // A transaction is a Db for every query helper; drizzle only types it apart.
      const db = tx as unknown as Db;
      // The one way in, as for a vantage's results at a hub (lib/vantage/ingest.ts): a result is stored once.
      if (insertVantageResult(db, LOCAL_VANTAGE, result, null) === null) return null;
      if (run.screenshot) insertBrowserScreenshot(db, { series: result.probe, takenAt: new Date(result.startedAt), errorClass: result.errorClass, jpeg: run.screenshot });
      updateRollupsForResult(db, result, { gapMs: gapMs(this.config, [result.kind]) });
      const offline = this.alerts.monitorResult(db, result);
      const alerts = this.publishes ? this.alerts : null;
      let officialChanged = false;
      if (run.status) {
        const at = new Date(result.startedAt);
        const stored = recordStatusObservation(db, { at, summary: run.status.summary, raw: run.status.raw }, { heartbeatMs: this.config.official.heartbeatMinutes * 60_000 });
        this.alerts.officialChanges(db, stored.incidentChanges, at.getTime(), { listed: true });
        officialChanged = stored.incidentChanges.length > 0;
      }
      const next = this.detect(db, result);
      const pooled = this.detectElevated(db, result, next);
      // Late announcements (minIncidentMinutes) and held resolutions come due with the surface's results.
      const surface = surfaceOfSeries(this.config.surfaces, result.probe);
      // At a hub the verdict's rules own the threads and tick them (lib/vantage/verdict.ts): not twice.
      if (surface && this.publishes) this.alerts.tick(db, surface, Date.parse(result.startedAt));
      // While the monitor is offline nothing is measured, so nothing can disagree with the official page.
      if (!offline && alerts?.isActive) this.checkDisagreement(db, result, next, pooled);
      return { next, pooled, officialChanged };
    });
    if (next === null) {
      this.log.warn(`${result.probe}: a result started at ${result.startedAt} is stored already: not recorded twice`);
      return;
    }
    // Only once committed: a rolled-back write must not leave the detector believing it happened.
    if (next.next) this.states.set(result.probe, next.next);
    if (next.pooled) this.elevated.set(next.pooled.key, next.pooled.state);
    // Feed items are published here, by the writer, never by the read-only web process: at once when an incident
    // opened or closed or the official page changed, else at most once a minute (lib/publish/feed-items.ts).
    const changed = next.officialChanged || this.openState(result.probe) !== wasOpen;
    this.feed.afterResult(this.db, Date.parse(result.startedAt), changed);
  }

  /** What the recorder's incidents are: published (global) on a single install, a hub's own evidence otherwise. */
  private get scope(): "global" | null {
    return this.publishes ? "global" : null;
  }

  /** Which of the series' incident and its surface's pooled one are open (as committed): "10", "01"… */
  private openState(series: string): string {
    const surface = surfaceOfSeries(this.config.surfaces, series);
    const pooled = surface !== null && this.elevated.get(elevatedSeries(surface))?.open != null;
    return `${Number(this.states.get(series)?.open != null)}${Number(pooled)}`;
  }

  /**
   * The surface's pooled elevated-errors state (lib/judge/elevated.ts): intermittent failures no single series'
   * detector sees. It opens only while no series incident of the surface is open (that one already tells the outage),
   * and the failures a series incident spent never open it afterwards.
   */
  private detectElevated(db: Db, result: ProbeResult, series: SeriesState | null): { key: string; state: ElevatedState } | null {
    const surface = surfaceOfSeries(this.config.surfaces, result.probe);
    if (!surface || result.outcome === "inconclusive") return null;
    const key = elevatedSeries(surface);
    let prev = this.elevated.get(key) ?? initialElevatedState();
    // A series incident that ended spent its failures: they must not open this one afterwards.
    if (series?.lastEndedAt != null && series.lastEndedAt > (prev.since ?? -Infinity)) prev = forgetBefore(prev, series.lastEndedAt);
    const at = Date.parse(result.startedAt);
    let { state, transition } = nextElevatedState(prev, { at, outcome: result.outcome, errorClass: result.errorClass, requestId: result.requestId }, elevatedPolicy(this.config, surface));
    if (transition?.type === "opened" && this.surfaceHasOpenSeries(surface, result.probe, series)) {
      state = { ...state, open: null };
      transition = null;
    }
    if (transition?.type === "opened") {
      const id = insertMeasuredIncident(db, { ...elevatedColumns(transition.incident), surface: surface.id, series: key, model: null, scope: this.scope });
      state = { ...state, open: { ...transition.incident, id } };
      if (this.publishes) this.alerts.incidentOpened(db, { id, surface: { id: surface.id, name: surface.name }, series: key, model: null, severity: "degraded", startedAt: transition.incident.startedAt, peakFailureRatio: transition.incident.peakFailureRatio, errorClassCounts: transition.incident.errorClassCounts }, at);
      if (this.publishes) this.log.warn(`incident opened: ${surface.name} elevated errors since ${new Date(transition.incident.startedAt).toISOString()}`);
      else this.log.info(`own evidence: ${surface.name} elevated errors since ${new Date(transition.incident.startedAt).toISOString()} (the hub's verdict decides)`);
    } else if (transition && transition.incident.id !== null) {
      const endedAt = transition.type === "resolved" ? new Date(transition.endedAt) : null;
      updateMeasuredIncident(db, transition.incident.id, { ...elevatedColumns(transition.incident), endedAt });
      const fact = { id: transition.incident.id, surface: { id: surface.id, name: surface.name }, series: key, model: null, severity: "degraded" as const, startedAt: transition.incident.startedAt, peakFailureRatio: transition.incident.peakFailureRatio, errorClassCounts: transition.incident.errorClassCounts };
      if (endedAt) {
        if (this.publishes) this.alerts.incidentResolved(db, fact, endedAt.getTime(), at);
        this.log.info(`incident resolved: ${surface.name} elevated errors at ${endedAt.toISOString()}`);
      }
    }
    saveDetectorState(db, key, state, new Date(at));
    return { key, state };
  }

  /** Is any series incident of `surface` open, counting this result's own uncommitted state? */
  private surfaceHasOpenSeries(surface: Surface, own: string, ownState: SeriesState | null): boolean {
    if (ownState?.open) return true;
    return [...this.states].some(([series, state]) => series !== own && state.open !== null && surfaceOfSeries(this.config.surfaces, series)?.id === surface.id);
  }

  /** Disagreement per surface: is any of its series (or its pooled state) in an open incident, counting this result's uncommitted state? */
  private checkDisagreement(db: Db, result: ProbeResult, next: SeriesState | null, pooled: { key: string; state: ElevatedState } | null): void {
    const own = surfaceOfSeries(this.config.surfaces, result.probe);
    const surfaces = result.kind === "status" ? this.config.surfaces : own ? [own] : [];
    for (const surface of surfaces) {
      const open = [...this.states].some(([series, state]) => series !== result.probe && state.open !== null && surfaceOfSeries(this.config.surfaces, series)?.id === surface.id);
      const ownOpen = next?.open != null && own?.id === surface.id;
      const key = elevatedSeries(surface);
      const elevated = (pooled?.key === key ? pooled.state : this.elevated.get(key))?.open != null;
      this.alerts.surfaceState(db, surface, open || ownOpen || elevated, Date.parse(result.startedAt));
    }
  }

  private detect(db: Db, result: ProbeResult): SeriesState | null {
    const surface = surfaceOfSeries(this.config.surfaces, result.probe);
    if (!surface) return null;
    const prev = this.states.get(result.probe) ?? initialSeriesState();
    const observation = { at: Date.parse(result.startedAt), outcome: result.outcome, errorClass: result.errorClass, requestId: result.requestId };
    const { state, transition } = nextIncidentState(prev, observation, detectorPolicy(this.config, result.kind));
    if (transition?.type === "opened") {
      const id = insertMeasuredIncident(db, { ...incidentColumns(transition.incident), surface: surface.id, series: result.probe, model: result.model, scope: this.scope });
      state.open = { ...transition.incident, id };
      if (this.publishes) this.alerts.incidentOpened(db, measuredFact(surface, result, { ...transition.incident, id }), observation.at);
      if (this.publishes) this.log.warn(`incident opened: ${surface.name} ${result.probe} ${transition.incident.severity} since ${new Date(transition.incident.startedAt).toISOString()}`);
      else this.log.info(`own evidence: ${surface.name} ${result.probe} ${transition.incident.severity} since ${new Date(transition.incident.startedAt).toISOString()} (the hub's verdict decides)`);
    } else if (transition && transition.incident.id !== null) {
      const endedAt = transition.type === "resolved" ? new Date(transition.endedAt) : null;
      updateMeasuredIncident(db, transition.incident.id, { ...incidentColumns(transition.incident), endedAt });
      if (endedAt) {
        if (this.publishes) this.alerts.incidentResolved(db, measuredFact(surface, result, transition.incident), endedAt.getTime(), observation.at);
        this.log.info(`incident resolved: ${surface.name} ${result.probe} at ${endedAt.toISOString()}`);
      }
    }
    saveDetectorState(db, result.probe, state, new Date(observation.at));
    return state;
  }
}

function measuredFact(surface: Surface, result: ProbeResult, i: OpenIncident & { id: number | null }) {
  return { id: i.id ?? 0, surface: { id: surface.id, name: surface.name }, series: result.probe, model: result.model, severity: i.severity, startedAt: i.startedAt, peakFailureRatio: i.peakFailureRatio, errorClassCounts: i.errorClassCounts };
}

/** A pooled elevated-errors incident as measured_incidents columns: always degraded (intermittent, not an outage). */
function elevatedColumns(i: ElevatedIncident) {
  return {
    startedAt: new Date(i.startedAt),
    confirmedAt: new Date(i.confirmedAt),
    severity: "degraded" as const,
    peakFailureRatio: i.peakFailureRatio,
    errorClassCounts: i.errorClassCounts,
    sampleRequestIds: i.sampleRequestIds,
    failedResults: i.failedResults,
    totalResults: i.totalResults,
    lastResultAt: new Date(i.lastResultAt),
  };
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
