/**
 * The noise rules between the recorder's facts and the outbox. Every method runs inside the recorder's transaction,
 * so an alert commits with its fact or not at all, and keeps its state in alert_states (read back after a restart):
 *
 * - one thread per surface: a second series failing while the first is open joins it; once every series recovered,
 *   the "resolved" is held RESOLVE_HOLD_MS, and a failure within the hold folds into the thread (no new "opened"; the
 *   "resolved" says it flapped); once "resolved" was written, the next failure is a new thread and pages again. Its
 *   "opened" and "resolved" carry the same incident id;
 * - the figures are the one definitions of lib/judge/: the failure share, the official state, the acknowledgement;
 * - `minIncidentMinutes` per channel: its "opened" is written only once the thread lasted that long, and a thread
 *   that ends before sends that channel neither "opened" nor "resolved";
 * - a disagreement is announced only after `alerts.disagreementMinutes`, and ends once;
 * - monitor.offline/online from the own-network rule's inconclusive results, never as Claude's outage.
 */
import { MONITOR_OFFLINE_PREFIX, isMonitorOffline } from "@/lib/measure/connectivity";
import type { Config, Surface } from "@/lib/config";
import {
  disagreementEndedEvent,
  disagreementStartedEvent,
  incidentOpenedEvent,
  incidentResolvedEvent,
  monitorOfflineEvent,
  monitorOnlineEvent,
  officialOpenedEvent,
  officialResolvedEvent,
  officialVanishedEvent,
  officialUpdatedEvent,
  type DisagreementKind,
  type Links,
  type MeasuredFact,
  type Reach,
} from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import type { AlertEvent, ChannelConfig, OfficialAtTheTime } from "@/lib/alerts/types";
import { describeAckDelay } from "@/lib/judge/acknowledgement";
import { readAcknowledgement } from "@/lib/judge/read-acknowledgement";
import type { IncidentChange } from "@/lib/judge/official";
import { failedModel, shownAt } from "@/lib/judge/official-claims";
import { readOfficialNow, type OfficialNow, type OfficialState } from "@/lib/judge/official-state";
import { readFailureShare } from "@/lib/judge/read-share";
import { readPageReading, toOfficialView } from "@/lib/judge/report";
import { failureShare } from "@/lib/judge/share";
import type { Db } from "@/db/client";
import { deleteAlertState, getAlertState, getChannelsWithEvent, saveAlertState } from "@/db/queries/alerts";
import { ensureInstanceId } from "@/db/queries/instance";
import { getMeasuredIncidentById } from "@/db/queries/measured-incidents";
import { getLatestComponentStatus, getOfficialIncidentById, getOfficialIncidentsRange } from "@/db/queries/official";
import { getSeriesNames } from "@/db/queries/rollups";
import type { MeasuredIncidentRow } from "@/db/schema";
import type { ProbeResult } from "@/probes/types";

/**
 * A thread's resolution is held this long after its last series recovered: a failure within it is the same trouble
 * flapping (no new "opened", the resolution says it flapped); after it, the recovery is confirmed and "resolved" is
 * sent, and the next failure is a new thread with its own "opened". Short, so a second outage always pages.
 */
/** The default of alerts.resolveHoldMinutes, in ms. */
export const RESOLVE_HOLD_MS = 5 * 60_000;
/** Official facts older than this when first read (a first start reading months of history) are not news. */
export const OFFICIAL_NEWS_MS = 3 * 60 * 60_000;

interface ThreadState {
  rootId: number;
  rootStartedAt: number;
  runStartedAt: number;
  open: number[];
  /** When its last run ended (every series recovered); null while a series is failing. */
  endedAt: number | null;
  /** The incident whose end closed the run, while its resolution is held (RESOLVE_HOLD_MS). */
  pending: MeasuredFact | null;
  /** Its "resolved" was written: the thread is over. */
  resolved?: boolean;
  reopenings: number;
  /** The models of every incident of the run (ANY_MODEL for a pooled one): the acknowledgement is the run's, as on the page. */
  models?: (string | null)[];
  [key: string]: unknown;
}


export class AlertRules {
  private readonly channels: readonly ChannelConfig[];
  private instance: string | null = null;

  constructor(private readonly config: Config) {
    this.channels = config.alerts.channels;
  }

  get isActive(): boolean {
    return this.channels.length > 0;
  }

  /** A hub's: how widely a stored incident failed, for its "opened" (lib/vantage/verdict.ts); absent on a single install. */
  reachOf: ((row: MeasuredIncidentRow) => Reach | undefined) | null = null;

  /** The links every event carries (an event built outside these rules: a hub's regional ones). */
  linksOf(db: Db): Links {
    return this.links(db);
  }

  /** Event ids carry this database's instance id (db/queries/instance.ts), made once by the writer. */
  private links(db: Db): Links {
    this.instance ??= ensureInstanceId(db);
    return { publicUrl: this.config.publicUrl, instance: this.instance };
  }

  /** The detector confirmed an incident (already stored with `incident.id`). */
  incidentOpened(db: Db, incident: MeasuredFact, at: number): void {
    if (!this.isActive) return;
    const key = `thread:${incident.surface.id}`;
    const st = getAlertState(db, key) as ThreadState | undefined;
    if (st && !st.resolved && st.open.length > 0) {
      const models = [...(st.models ?? []), failedModel(incident)];
      saveAlertState(db, key, { ...st, open: [...st.open, incident.id], runStartedAt: Math.min(st.runStartedAt, incident.startedAt), models }, new Date(at));
    } else if (st && !st.resolved && st.pending) {
      // Failing again while its recovery was held: the same trouble, flapping.
      saveAlertState(db, key, { ...st, open: [incident.id], runStartedAt: incident.startedAt, endedAt: null, pending: null, reopenings: st.reopenings + 1, models: [failedModel(incident)] }, new Date(at));
    } else {
      const thread: ThreadState = { rootId: incident.id, rootStartedAt: incident.startedAt, runStartedAt: incident.startedAt, open: [incident.id], endedAt: null, pending: null, resolved: false, reopenings: 0, models: [failedModel(incident)] };
      saveAlertState(db, key, thread, new Date(at));
    }
    this.announceDue(db, incident.surface, at);
  }

  /**
   * Every result of a surface: write the "opened" of channels whose minIncidentMinutes just passed, and the held
   * "resolved" once the recovery lasted RESOLVE_HOLD_MS.
   */
  tick(db: Db, surface: Pick<Surface, "id" | "name">, at: number): void {
    if (!this.isActive) return;
    const st = getAlertState(db, `thread:${surface.id}`) as ThreadState | undefined;
    if (!st || st.resolved) return;
    if (st.open.length > 0 && this.channels.some((c) => c.minIncidentMinutes > 0)) this.announceDue(db, surface, at, st);
    if (st.pending && st.endedAt !== null && at - st.endedAt >= this.config.alerts.resolveHoldMinutes * 60_000) this.resolveThread(db, st, at);
  }

  /** The detector resolved incident `incident.id` at `endedAt`. The thread's run ends once none of its incidents is open. */
  incidentResolved(db: Db, incident: MeasuredFact, endedAt: number, at: number): void {
    if (!this.isActive) return;
    const key = `thread:${incident.surface.id}`;
    const st = getAlertState(db, key) as ThreadState | undefined;
    // Opened before alerts were configured: nothing was announced, so nothing is resolved.
    if (!st || st.resolved || !st.open.includes(incident.id)) return;
    const open = st.open.filter((id) => id !== incident.id);
    const next: ThreadState = { ...st, open, endedAt: open.length === 0 ? endedAt : null, pending: open.length === 0 ? incident : null };
    saveAlertState(db, key, next, new Date(at));
    if (open.length > 0) return;
    // A thread that reaches a channel's minimum exactly as it ends still gets its "opened" first.
    this.announceDue(db, incident.surface, endedAt, next);
    this.tick(db, incident.surface, at);
  }

  /** Write the thread's "resolved": to the channels told "opened" (or that filter it out and whose minimum it lasted). */
  private resolveThread(db: Db, st: ThreadState, at: number): void {
    const last = st.pending!;
    const endedAt = st.endedAt!;
    saveAlertState(db, `thread:${last.surface.id}`, { ...st, pending: null, resolved: true }, new Date(at));
    const links = this.links(db);
    const announced = getChannelsWithEvent(db, incidentOpenedEventId(links, st.rootId), this.channels.map((c) => c.name));
    const lasted = endedAt - st.rootStartedAt;
    const surface = this.surface(last.surface.id);
    const ack = surface ? readAcknowledgement(db, this.config, surface, { startedAt: st.runStartedAt, endedAt, severity: last.severity, models: st.models ?? [failedModel(last)] }, at) : null;
    const share = surface ? readFailureShare(db, this.config, surface, getSeriesNames(db), { from: st.runStartedAt, to: endedAt }, at) : failureShare([], []);
    const event = incidentResolvedEvent(
      { last, rootId: st.rootId, runStartedAt: st.runStartedAt, endedAt, reopenings: st.reopenings, threadStartedAt: st.rootStartedAt, acknowledgementDelayMs: ack?.delayMs ?? null },
      this.officialAt(db, last.surface, at),
      share,
      describeAckDelay(ack ?? { delayMs: null }),
      links,
    );
    enqueueEvent(db, this.channels, event, new Date(at), { also: (c) => announced.has(c.name) || (!c.events.includes("incident.opened") && lasted >= c.minIncidentMinutes * 60_000) });
  }

  /** What a status reading stored that was new: official opened, updated and resolved events, recent facts only. */
  officialChanges(db: Db, changes: readonly IncidentChange[], at: number, reading: { listed?: boolean } = {}): void {
    if (!this.isActive) return;
    const fresh = (ms: number) => at - ms <= OFFICIAL_NEWS_MS;
    for (const { incident, isNew, isNewlyResolved, newUpdates } of changes) {
      const surfaces = this.config.surfaces.filter((s) => incident.componentIds.length === 0 || incident.componentIds.includes(s.componentId));
      const surface = surfaces[0] ?? null;
      const state = surface ? (getLatestComponentStatus(db, surface.componentId)?.status ?? null) : null;
      const fact = { id: incident.id, name: incident.name, status: incident.status, impact: incident.impact, shortlink: incident.shortlink ?? null, createdAt: incident.createdAt.getTime(), resolvedAt: incident.resolvedAt?.getTime() ?? null };
      const opts = { surfaces: surfaces.map((s) => s.id) };
      const write = (e: AlertEvent) => enqueueEvent(db, this.channels, e, new Date(at), opts);
      const links = this.links(db);
      // New to Witness: news when recent, or when the summary lists it open whatever its date (an incident posted today
      // and dated 8 Oct is today's news, told as backdated); one first read from the history and dated long ago is not.
      if (isNew && (fresh(fact.createdAt) || (reading.listed === true && fact.resolvedAt === null))) {
        write(officialOpenedEvent(fact, surface, state, links, shownAt(fact.createdAt, at, this.config.probes.status.intervalSeconds * 1000)));
      }
      if (!isNew) {
        for (const u of newUpdates) {
          if (isNewlyResolved && u.status === "resolved") continue; // the resolution says it
          if (fresh(u.createdAt.getTime())) write(officialUpdatedEvent(fact, { id: u.id, status: u.status, body: u.body, createdAt: u.createdAt.getTime() }, surface, state, links));
        }
      }
      if (isNewlyResolved && fresh(fact.resolvedAt ?? at)) write(officialResolvedEvent(fact, surface, state, at, links));
    }
  }

  /**
   * After an incidents.json reading: official incidents the page stopped listing unresolved, by the page's one rule
   * (lib/judge/official-claims.ts `vanished`), are told as ended; recent ones only, like every official event.
   */
  officialVanished(db: Db, at: number): void {
    if (!this.isActive) return;
    const reading = readPageReading(db, this.config);
    const views = getOfficialIncidentsRange(db, { from: new Date(at - OFFICIAL_NEWS_MS), to: new Date(at + 1) }).map((row) => toOfficialView(row, reading));
    for (const o of views) {
      if (!o.vanished || o.resolvedAt === null || at - o.resolvedAt > OFFICIAL_NEWS_MS) continue;
      const surfaces = this.config.surfaces.filter((s) => o.componentIds.length === 0 || o.componentIds.includes(s.componentId));
      const surface = surfaces[0] ?? null;
      const state = surface ? (getLatestComponentStatus(db, surface.componentId)?.status ?? null) : null;
      const fact = { id: o.id, name: o.name, status: o.status, impact: o.impact, shortlink: o.shortlink ?? null, createdAt: o.createdAt, resolvedAt: null };
      enqueueEvent(db, this.channels, officialVanishedEvent(fact, o.resolvedAt, surface, state, this.links(db)), new Date(at), { surfaces: surfaces.map((s) => s.id) });
    }
  }

  /**
   * After each result of a surface: has the official page disagreed with the measurement for disagreementMinutes? The
   * page's side is its state by the one definition (lib/judge/official-state.ts): component status and the incidents
   * it lists, so an open incident on an "operational" component is not "operational".
   */
  surfaceState(db: Db, surface: Surface, measuredDown: boolean, at: number): void {
    if (!this.isActive) return;
    const official = this.officialNow(db, surface, at);
    // An unread page proves nothing either way: the state in force holds until the page is read again.
    if (official.state === "unknown") return;
    const kind = disagreementKind(measuredDown, official.state);
    const key = `disagreement:${surface.id}`;
    let st = getAlertState(db, key) as { kind: DisagreementKind; since: number; announced: boolean } | undefined;
    if (st && st.kind !== kind) {
      if (st.announced) enqueueEvent(db, this.channels, disagreementEndedEvent(surface, st.kind, st.since, at, this.officialAt(db, surface, at), this.links(db)), new Date(at));
      deleteAlertState(db, key);
      st = undefined;
    }
    if (!kind) return;
    if (!st) {
      saveAlertState(db, key, { kind, since: at, announced: false }, new Date(at));
    } else if (!st.announced && at - st.since >= this.config.alerts.disagreementMinutes * 60_000) {
      enqueueEvent(db, this.channels, disagreementStartedEvent(surface, kind, st.since, this.officialAt(db, surface, at), this.links(db)), new Date(at));
      saveAlertState(db, key, { ...st, announced: true }, new Date(at));
    }
  }

  /** Every stored result: the own-network rule's inconclusive results take the monitor offline, any other brings it back. */
  monitorResult(db: Db, result: ProbeResult): boolean {
    if (!this.isActive) return false;
    const at = Date.parse(result.startedAt);
    const offline = isMonitorOffline(result);
    const st = getAlertState(db, "monitor") as { offlineSince: number | null } | undefined;
    if (offline && !st?.offlineSince) {
      saveAlertState(db, "monitor", { offlineSince: at }, new Date(at));
      const detail = (result.message ?? MONITOR_OFFLINE_PREFIX).slice(0, 200);
      enqueueEvent(db, this.channels, monitorOfflineEvent(at, detail, this.links(db)), new Date(at));
    } else if (!offline && st?.offlineSince) {
      saveAlertState(db, "monitor", { offlineSince: null }, new Date(at));
      enqueueEvent(db, this.channels, monitorOnlineEvent(st.offlineSince, at, this.links(db)), new Date(at));
    }
    return offline;
  }

  /** Write the thread's "opened" for every channel whose minimum the thread has now lasted (insert-or-ignore). */
  private announceDue(db: Db, surface: Pick<Surface, "id" | "name">, at: number, known?: ThreadState): void {
    const st = known ?? (getAlertState(db, `thread:${surface.id}`) as ThreadState | undefined);
    if (!st || st.resolved) return;
    const due = this.channels.filter((c) => at - st.rootStartedAt >= c.minIncidentMinutes * 60_000);
    if (due.length === 0) return;
    const links = this.links(db);
    const have = getChannelsWithEvent(db, incidentOpenedEventId(links, st.rootId), due.map((c) => c.name));
    if (due.every((c) => have.has(c.name))) return;
    const root = getMeasuredIncidentById(db, st.rootId);
    if (!root) return;
    const fact: MeasuredFact = { id: root.id, surface, series: root.series, model: root.model, severity: root.severity, startedAt: root.startedAt.getTime(), peakFailureRatio: root.peakFailureRatio, errorClassCounts: root.errorClassCounts, reach: this.reachOf?.(root) };
    const configured = this.surface(surface.id);
    // The share the page shows at this moment: every request of the surface from the start to now.
    const share = configured ? readFailureShare(db, this.config, configured, getSeriesNames(db), { from: fact.startedAt, to: at }, at) : failureShare([], []);
    const event = incidentOpenedEvent(fact, this.officialAt(db, surface, at), share, links);
    const dueNames = new Set(due.map((c) => c.name));
    enqueueEvent(db, this.channels, event, new Date(at), { also: (c) => dueNames.has(c.name) });
  }

  private surface(id: string): Surface | null {
    return this.config.surfaces.find((x) => x.id === id) ?? null;
  }

  /** The page's state of the surface at `at` by the one definition, with the incidents it listed then. */
  private officialNow(db: Db, surface: Pick<Surface, "id">, at: number): OfficialNow {
    const s = this.surface(surface.id);
    if (!s) return { state: "unknown", componentStatus: null, incidents: [] };
    const reading = readPageReading(db, this.config);
    const views = getOfficialIncidentsRange(db, { from: new Date(at), to: new Date(at + 1) }).map((row) => toOfficialView(row, reading));
    return readOfficialNow(db, this.config, s, views, at);
  }

  /** What the official page said about the surface at `at`: its state, component status and the incident it listed. */
  officialAt(db: Db, surface: Pick<Surface, "id">, at: number): OfficialAtTheTime {
    const official = this.officialNow(db, surface, at);
    const newest = official.incidents[0];
    const row = newest ? getOfficialIncidentById(db, newest.id) : null;
    const latest = row?.updates.at(-1);
    const incident = row
      ? { id: row.id, name: row.name, status: row.status, url: row.shortlink, latestUpdate: latest ? latest.body.slice(0, 500) : null, latestUpdateAt: latest ? latest.createdAt.toISOString() : null }
      : null;
    return { componentState: official.componentStatus === "unknown" ? null : official.componentStatus, state: official.state, incident };
  }
}

/** The id of a thread's "opened", as incidentOpenedEvent makes it. */
function incidentOpenedEventId(links: Links, rootId: number): string {
  return `incident.opened:${links.instance ? `${links.instance}:` : ""}m-${rootId}`;
}

/** Which way the page and the measurement disagree, or null when they do not (degraded counts as in trouble on both sides). */
export function disagreementKind(measuredDown: boolean, official: OfficialState): DisagreementKind | null {
  if (measuredDown && official === "operational") return "official_up_measured_down";
  if (!measuredDown && (official === "down" || official === "degraded")) return "official_down_measured_up";
  return null;
}
