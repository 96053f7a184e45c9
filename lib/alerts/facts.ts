/**
 * The noise rules between the recorder's facts and the outbox. Every method runs inside the recorder's transaction,
 * so an alert commits with its fact or not at all, and keeps its state in alert_states (read back after a restart):
 *
 * - one thread per surface: a second series failing while the first is open joins it, and a series re-opening within
 *   FLAP_WINDOW_MS of the thread's resolution folds into it (no new "opened"; the next "resolved" says it flapped);
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
  officialUpdatedEvent,
  type DisagreementKind,
  type MeasuredFact,
} from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import type { AlertEvent, ChannelConfig, OfficialAtTheTime } from "@/lib/alerts/types";
import { firstAcknowledgedAt, officialLevel, type IncidentChange } from "@/lib/judge/official";
import type { Db } from "@/db/client";
import { deleteAlertState, getAlertState, getChannelsWithEvent, saveAlertState } from "@/db/queries/alerts";
import { getMeasuredIncidentById } from "@/db/queries/measured-incidents";
import { getLatestComponentStatus, getOfficialIncidentsRange } from "@/db/queries/official";
import type { ProbeResult } from "@/probes/types";

/** A series re-opening this soon after its surface's thread resolved is the same trouble flapping, not news. */
export const FLAP_WINDOW_MS = 30 * 60_000;
/** Official facts older than this when first read (a first start reading months of history) are not news. */
export const OFFICIAL_NEWS_MS = 3 * 60 * 60_000;

interface ThreadState {
  rootId: number;
  rootStartedAt: number;
  runStartedAt: number;
  open: number[];
  endedAt: number | null;
  reopenings: number;
  [key: string]: unknown;
}

export class AlertRules {
  private readonly channels: readonly ChannelConfig[];

  constructor(private readonly config: Config) {
    this.channels = config.alerts.channels;
  }

  get isActive(): boolean {
    return this.channels.length > 0;
  }

  /** The detector confirmed an incident (already stored with `incident.id`). */
  incidentOpened(db: Db, incident: MeasuredFact, at: number): void {
    if (!this.isActive) return;
    const key = `thread:${incident.surface.id}`;
    const st = getAlertState(db, key) as ThreadState | undefined;
    if (st && st.open.length > 0) {
      saveAlertState(db, key, { ...st, open: [...st.open, incident.id], runStartedAt: Math.min(st.runStartedAt, incident.startedAt) }, new Date(at));
    } else if (st && st.endedAt !== null && incident.startedAt - st.endedAt <= FLAP_WINDOW_MS) {
      saveAlertState(db, key, { ...st, open: [incident.id], runStartedAt: incident.startedAt, endedAt: null, reopenings: st.reopenings + 1 }, new Date(at));
    } else {
      const thread: ThreadState = { rootId: incident.id, rootStartedAt: incident.startedAt, runStartedAt: incident.startedAt, open: [incident.id], endedAt: null, reopenings: 0 };
      saveAlertState(db, key, thread, new Date(at));
    }
    this.announceDue(db, incident.surface, at);
  }

  /** A result of a series with an open incident: write the "opened" of channels whose minIncidentMinutes just passed. */
  incidentContinues(db: Db, surface: Surface, at: number): void {
    if (!this.channels.some((c) => c.minIncidentMinutes > 0)) return;
    this.announceDue(db, surface, at);
  }

  /** The detector resolved incident `incidentId` at `endedAt`. The thread ends once none of its incidents is open. */
  incidentResolved(db: Db, incident: MeasuredFact, endedAt: number, at: number): void {
    if (!this.isActive) return;
    const key = `thread:${incident.surface.id}`;
    const st = getAlertState(db, key) as ThreadState | undefined;
    // Opened before alerts were configured: nothing was announced, so nothing is resolved.
    if (!st || !st.open.includes(incident.id)) return;
    const open = st.open.filter((id) => id !== incident.id);
    saveAlertState(db, key, { ...st, open, endedAt: open.length === 0 ? endedAt : null }, new Date(at));
    if (open.length > 0) return;
    // A thread that reaches a channel's minimum exactly as it ends still gets its "opened" first.
    this.announceDue(db, incident.surface, endedAt, st);
    const announced = getChannelsWithEvent(db, `incident.opened:m-${st.rootId}`, this.channels.map((c) => c.name));
    const lasted = endedAt - st.rootStartedAt;
    const event = incidentResolvedEvent(
      { last: incident, rootId: st.rootId, runStartedAt: st.runStartedAt, endedAt, reopenings: st.reopenings, threadStartedAt: st.rootStartedAt, acknowledgementDelayMs: this.ackDelay(db, incident.surface, st.runStartedAt, endedAt) },
      this.officialAt(db, incident.surface, at),
      this.config,
    );
    // Told "resolved" only where "opened" was told (or where opened is filtered out and the thread lasted long enough).
    enqueueEvent(db, this.channels, event, new Date(at), { also: (c) => announced.has(c.name) || (!c.events.includes("incident.opened") && lasted >= c.minIncidentMinutes * 60_000) });
  }

  /** What a status reading stored that was new: official opened, updated and resolved events, recent facts only. */
  officialChanges(db: Db, changes: readonly IncidentChange[], at: number): void {
    if (!this.isActive) return;
    const fresh = (ms: number) => at - ms <= OFFICIAL_NEWS_MS;
    for (const { incident, isNew, isNewlyResolved, newUpdates } of changes) {
      const surfaces = this.config.surfaces.filter((s) => incident.componentIds.length === 0 || incident.componentIds.includes(s.componentId));
      const surface = surfaces[0] ?? null;
      const state = surface ? (getLatestComponentStatus(db, surface.componentId)?.status ?? null) : null;
      const fact = { id: incident.id, name: incident.name, status: incident.status, impact: incident.impact, shortlink: incident.shortlink ?? null, createdAt: incident.createdAt.getTime(), resolvedAt: incident.resolvedAt?.getTime() ?? null };
      const opts = { surfaces: surfaces.map((s) => s.id) };
      const write = (e: AlertEvent) => enqueueEvent(db, this.channels, e, new Date(at), opts);
      if (isNew && fresh(fact.createdAt)) write(officialOpenedEvent(fact, surface, state, this.config));
      if (!isNew) {
        for (const u of newUpdates) {
          if (isNewlyResolved && u.status === "resolved") continue; // the resolution says it
          if (fresh(u.createdAt.getTime())) write(officialUpdatedEvent(fact, { id: u.id, status: u.status, body: u.body, createdAt: u.createdAt.getTime() }, surface, state, this.config));
        }
      }
      if (isNewlyResolved && fresh(fact.resolvedAt ?? at)) write(officialResolvedEvent(fact, surface, state, at, this.config));
    }
  }

  /** After each result of a surface: has the official page disagreed with the measurement for disagreementMinutes? */
  surfaceState(db: Db, surface: Surface, measuredDown: boolean, at: number): void {
    if (!this.isActive) return;
    const status = getLatestComponentStatus(db, surface.componentId)?.status ?? null;
    const level = status === null ? "unknown" : officialLevel(status);
    // An unread page proves nothing either way: the state in force holds until the page is read again.
    if (level === "unknown") return;
    const kind: DisagreementKind | null = measuredDown && level === "operational" ? "official_up_measured_down" : !measuredDown && level === "down" ? "official_down_measured_up" : null;
    const key = `disagreement:${surface.id}`;
    let st = getAlertState(db, key) as { kind: DisagreementKind; since: number; announced: boolean } | undefined;
    if (st && st.kind !== kind) {
      if (st.announced) enqueueEvent(db, this.channels, disagreementEndedEvent(surface, st.kind, st.since, at, this.officialAt(db, surface, at), this.config), new Date(at));
      deleteAlertState(db, key);
      st = undefined;
    }
    if (!kind) return;
    if (!st) {
      saveAlertState(db, key, { kind, since: at, announced: false }, new Date(at));
    } else if (!st.announced && at - st.since >= this.config.alerts.disagreementMinutes * 60_000) {
      enqueueEvent(db, this.channels, disagreementStartedEvent(surface, kind, st.since, this.officialAt(db, surface, at), this.config), new Date(at));
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
      enqueueEvent(db, this.channels, monitorOfflineEvent(at, detail), new Date(at));
    } else if (!offline && st?.offlineSince) {
      saveAlertState(db, "monitor", { offlineSince: null }, new Date(at));
      enqueueEvent(db, this.channels, monitorOnlineEvent(st.offlineSince, at), new Date(at));
    }
    return offline;
  }

  /** Write the thread's "opened" for every channel whose minimum the thread has now lasted (insert-or-ignore). */
  private announceDue(db: Db, surface: Pick<Surface, "id" | "name">, at: number, known?: ThreadState): void {
    const st = known ?? (getAlertState(db, `thread:${surface.id}`) as ThreadState | undefined);
    if (!st) return;
    const due = this.channels.filter((c) => at - st.rootStartedAt >= c.minIncidentMinutes * 60_000);
    if (due.length === 0) return;
    const eventId = `incident.opened:m-${st.rootId}`;
    const have = getChannelsWithEvent(db, eventId, due.map((c) => c.name));
    if (due.every((c) => have.has(c.name))) return;
    const root = getMeasuredIncidentById(db, st.rootId);
    if (!root) return;
    const fact: MeasuredFact = { id: root.id, surface, series: root.series, model: root.model, severity: root.severity, startedAt: root.startedAt.getTime(), peakFailureRatio: root.peakFailureRatio, errorClassCounts: root.errorClassCounts };
    const event = incidentOpenedEvent(fact, this.officialAt(db, surface, at), this.config);
    const dueNames = new Set(due.map((c) => c.name));
    enqueueEvent(db, this.channels, event, new Date(at), { also: (c) => dueNames.has(c.name) });
  }

  /** What the official page said about the surface at `at`: its component state and the incident in force. */
  private officialAt(db: Db, surface: Pick<Surface, "id">, at: number): OfficialAtTheTime {
    const s = this.config.surfaces.find((x) => x.id === surface.id);
    if (!s) return { componentState: null, incident: null };
    const componentState = getLatestComponentStatus(db, s.componentId)?.status ?? null;
    const open = getOfficialIncidentsRange(db, { from: new Date(at), to: new Date(at + 1) })
      .filter((o) => o.resolvedAt === null && (o.componentIds.length === 0 || o.componentIds.includes(s.componentId)))
      .at(-1);
    const latest = open?.updates.at(-1);
    const incident = open
      ? { id: open.id, name: open.name, status: open.status, url: open.shortlink, latestUpdate: latest ? latest.body.slice(0, 500) : null, latestUpdateAt: latest ? latest.createdAt.toISOString() : null }
      : null;
    return { componentState: componentState === "unknown" ? null : componentState, incident };
  }

  /** How long after the measured start the official page first admitted trouble on this surface; null: never. */
  private ackDelay(db: Db, surface: Pick<Surface, "id">, startedAt: number, endedAt: number): number | null {
    const s = this.config.surfaces.find((x) => x.id === surface.id);
    if (!s) return null;
    const grace = this.config.incidents.matchGraceMinutes * 60_000;
    const acks = getOfficialIncidentsRange(db, { from: new Date(startedAt - grace), to: new Date(endedAt) })
      .filter((o) => o.componentIds.length === 0 || o.componentIds.includes(s.componentId))
      .map((o) => firstAcknowledgedAt(o, o.updates).getTime())
      .filter((t) => t >= startedAt - grace && t <= endedAt);
    return acks.length === 0 ? null : Math.max(0, Math.min(...acks) - startedAt);
  }
}
