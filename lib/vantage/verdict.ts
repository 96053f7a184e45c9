/**
 * The hub's verdict (PRODUCT.md "Vantage points"): per series, each vantage's own detector state is its evidence, and
 * the quorum rule (lib/vantage/quorum.ts) says whether Claude is failing for everyone (`global`), on some paths
 * (`regional`) or cannot be told (`unconfirmed`). The published incidents of a hub are these verdict rows
 * (measured_incidents with vantage VERDICT_VANTAGE and a scope); a vantage's own incidents are evidence only.
 *
 * The live path: evaluated at `now` on every ingested batch, every recorded result of the hub's own and every 10 s.
 * Only it opens, escalates and resolves incidents and writes alerts. A vantage's late rows reach it only as stale
 * evidence (not eligible), so they never open or resolve anything; they add notes instead (`lateEvidence`).
 *
 * Runs in the worker, the database's one writer. A single install (no vantages configured) never builds one.
 */
import { AlertRules } from "@/lib/alerts/facts";
import { limitErrors, type LimitedError } from "@/lib/alerts/log-limit";
import { describeWriteError } from "@/lib/keep/database-file";
import { enqueueEvent } from "@/lib/alerts/outbox";
import { regionalOpenedEvent, regionalResolvedEvent, type MeasuredFact, type Reach } from "@/lib/alerts/events";
import type { Config, Surface } from "@/lib/config";
import type { OpenIncident, SeriesState } from "@/lib/judge/detector";
import { surfaceOfSeries } from "@/lib/judge/surfaces";
import type { Logger } from "@/lib/log";
import { FeedPublisher } from "@/lib/publish/feed-items";
import { eligibleMembers, gatherEvidence, members, quorumPolicy, reachParts, readStoredEvidence, type Member, type SeriesVerdict } from "@/lib/vantage/evidence";
import { initialVerdictState, nextVerdict, type Verdict } from "@/lib/vantage/quorum";
import type { Db } from "@/db/client";
import { getMeasuredIncidentById, insertMeasuredIncident, saveDetectorState, updateMeasuredIncident } from "@/db/queries/measured-incidents";
import { insertLateEvidence, getVerdictIncidentsOverlapping } from "@/db/queries/verdict";
import { deleteAlertState, getAlertState, saveAlertState } from "@/db/queries/alerts";
import { VERDICT_VANTAGE, type Scope, type VantageWitness } from "@/db/schema";
import type { ProbeKind } from "@/probes/types";

/** What alert_states keeps of a surface's regional thread (`regional:<surface id>`). */
interface RegionalThread {
  rootId: number;
  rootStartedAt: number;
  /** Its regional rows still open. */
  open: number[];
  /** Its "opened" was sent (false: it began inside a global thread of the surface; absent in older states: true). */
  announced?: boolean;
  [key: string]: unknown;
}

const initialSeriesVerdict = (): SeriesVerdict => ({ verdict: initialVerdictState(), globalId: null, localId: null, localScope: null, witnesses: [] });

export class Verdicts {
  private readonly alerts: AlertRules;
  private readonly feed: FeedPublisher;
  private readonly members: Member[];
  private readonly names: Map<string, string>;
  private readonly errors: LimitedError;

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly log: Logger,
  ) {
    this.members = members(config);
    this.names = new Map(this.members.map((m) => [m.id, m.name]));
    // Its own rules and publisher: the recorder's of a hub neither alert nor publish incidents.
    this.alerts = new AlertRules(config);
    this.feed = new FeedPublisher(config, log);
    // An "opened" written later (a channel's minIncidentMinutes) says the reach as decided, or as the row keeps it.
    this.errors = limitErrors(log);
    this.alerts.reachOf = (row) => this.decided.get(row.id) ?? (row.scope && row.vantages ? this.reach(row.scope, row.vantages, row.vantages.map((w) => w.id), row.vantages.map((w) => w.id)) : undefined);
  }

  /** The reach of each incident as last decided in this process (the eligible count is not kept on the row). */
  private readonly decided = new Map<number, Reach>();

  /**
   * Decide every series at `now`, in one transaction: what changed is written with its alerts, or nothing is. Never
   * throws: a write the disk refuses is logged (one line a minute, however often it is asked) and decided again next
   * time; false then.
   */
  evaluate(now: number): boolean {
    try {
      this.decide(now);
      return true;
    } catch (err) {
      this.errors("verdict", `hub: verdict not decided: ${describeWriteError(err, this.config.databasePath)}`);
      return false;
    }
  }

  private decide(now: number): void {
    const changed = this.db.transaction((tx) => {
      const db = tx as unknown as Db;
      const { states: evidence, verdicts: kept, skew } = readStoredEvidence(db, this.config);
      let any = false;
      const surfacesDown = new Map<string, boolean>();
      const decisions = [...new Set([...evidence.keys(), ...kept.keys()])].flatMap((series) => {
        const surface = surfaceOfSeries(this.config.surfaces, series);
        const kind = series.split(":")[0] as ProbeKind;
        if (!surface || !(kind in this.config.probes)) return [];
        const prev = kept.get(series) ?? initialSeriesVerdict();
        // Read through the database's own handle: the same connection as the transaction, with prepared statements.
        const gathered = gatherEvidence(this.db, this.members, series, evidence.get(series) ?? new Map(), skew);
        return [{ series, surface, prev, verdict: nextVerdict(prev.verdict, gathered, quorumPolicy(this.config, kind), now) }];
      });
      // Global decisions first: a series failing from fewer places at the same moment is then told as part of them.
      decisions.sort((a, b) => Number(b.verdict.state.open !== null) - Number(a.verdict.state.open !== null));
      for (const { series, surface, prev, verdict } of decisions) {
        const next = this.apply(db, surface, series, prev, verdict, evidence.get(series) ?? new Map(), now);
        if (next.changed) any = true;
        if (JSON.stringify(next.state) !== JSON.stringify(prev)) saveDetectorState(db, series, next.state, new Date(now), VERDICT_VANTAGE);
        if (next.state.globalId !== null) surfacesDown.set(surface.id, true);
        else if (!surfacesDown.has(surface.id)) surfacesDown.set(surface.id, false);
      }
      // Disagreement with the official page reads global incidents only; held announcements and resolutions come due.
      for (const surface of this.config.surfaces) {
        this.alerts.tick(db, surface, now);
        if (surfacesDown.has(surface.id)) this.alerts.surfaceState(db, surface, surfacesDown.get(surface.id)!, now);
      }
      return any;
    });
    this.feed.afterResult(this.db, now, changed);
  }

  /** Write what the verdict changed: open, escalate, widen or close the series' published row, with its alerts. */
  private apply(db: Db, surface: Surface, series: string, prev: SeriesVerdict, v: Verdict, states: Map<string, SeriesState>, now: number): { state: SeriesVerdict; changed: boolean } {
    const eligible = eligibleMembers(this.members, v.count.eligible, states);
    const downNow = eligible.filter((id) => states.get(id)?.open != null);
    const witnessesNow: VantageWitness[] = downNow.map((id) => ({ id, firstFailureAt: states.get(id)!.open!.startedAt }));
    const merged = mergeWitnesses(prev.witnesses, witnessesNow);
    const columns = this.columns(downNow.map((id) => states.get(id)!.open!));
    const model = series.includes(":") ? series.slice(series.indexOf(":") + 1) : null;
    const fact = (id: number, scope: Scope, startedAt: number, witnesses: VantageWitness[], downIds: string[]): MeasuredFact => ({
      id,
      surface: { id: surface.id, name: surface.name },
      series,
      model,
      severity: columns?.severity ?? "down",
      startedAt,
      peakFailureRatio: columns?.peakFailureRatio ?? 1,
      errorClassCounts: columns?.errorClassCounts ?? {},
      reach: this.reach(scope, witnesses, downIds, eligible),
    });

    if (v.transition?.type === "opened") {
      const startedAt = v.transition.startedAt;
      const witnesses = merged.filter((w) => downNow.includes(w.id));
      const row = { scope: "global" as const, vantages: witnesses, decidedAt: new Date(now), startedAt: new Date(startedAt), confirmedAt: new Date(now), endedAt: null };
      let id: number;
      if (prev.localId !== null) {
        // The regional (or unconfirmed) incident of these paths is now the quorum's: one incident, one thread.
        id = prev.localId;
        this.regionalClosed(db, surface, fact(id, prev.localScope ?? "regional", startedAt, witnesses, downNow), now, true);
        updateMeasuredIncident(db, id, { ...(columns ?? {}), ...row });
      } else {
        id = insertMeasuredIncident(db, { ...(columns ?? emptyColumns(now)), ...row, vantage: VERDICT_VANTAGE, surface: surface.id, series, model });
      }
      const opened = fact(id, "global", startedAt, witnesses, downNow);
      // A regional incident made global is one thread: its channels read "now failing from 2 of 3 vantages".
      if (prev.localId !== null) opened.reach = { ...opened.reach!, words: opened.reach!.words.replace(/^is failing/, "is now failing") };
      this.decided.set(id, opened.reach!);
      this.alerts.incidentOpened(db, opened, now);
      this.log.warn(`incident opened: ${surface.name} ${series} ${opened.reach!.words} since ${new Date(startedAt).toISOString()}`);
      return { state: { verdict: v.state, globalId: id, localId: null, localScope: null, witnesses }, changed: true };
    }
    if (v.transition?.type === "resolved" && prev.globalId !== null) {
      const endedAt = v.transition.at;
      updateMeasuredIncident(db, prev.globalId, { ...(columns ?? {}), vantages: prev.witnesses, endedAt: new Date(endedAt) });
      const startedAt = v.state.open?.startedAt ?? prev.verdict.open?.startedAt ?? endedAt;
      this.alerts.incidentResolved(db, fact(prev.globalId, "global", startedAt, prev.witnesses, downNow), endedAt, now);
      this.log.info(`incident resolved: ${surface.name} ${series} at ${new Date(endedAt).toISOString()}`);
      // Any vantage still down is a regional record of its own.
      const after = this.local(db, surface, series, { ...initialSeriesVerdict(), verdict: v.state }, v, witnessesNow, columns, eligible, downNow, fact, now);
      return { state: after.state, changed: true };
    }
    if (v.state.open !== null && prev.globalId !== null) {
      // Open and holding (a vantage that went silent leaves it held, not resolved): who saw it, and its figures.
      // Written only when the evidence moved (a newer failing result, another vantage): the 10 s tick and every batch
      // of an unrelated series decide again, and a write each time would only grow the WAL.
      const row = columns ? getMeasuredIncidentById(db, prev.globalId) : undefined;
      if (columns && (row?.lastResultAt.getTime() !== columns.lastResultAt.getTime() || (row.vantages ?? []).length !== merged.length)) {
        updateMeasuredIncident(db, prev.globalId, { ...columns, vantages: merged });
      }
      return { state: { ...prev, verdict: v.state, witnesses: merged }, changed: false };
    }
    return this.local(db, surface, series, { ...prev, verdict: v.state }, v, witnessesNow, columns, eligible, downNow, fact, now);
  }

  /** Without a global incident: open, widen, re-scope or close the regional or unconfirmed row. */
  private local(
    db: Db,
    surface: Surface,
    series: string,
    prev: SeriesVerdict,
    v: Verdict,
    witnessesNow: VantageWitness[],
    columns: ReturnType<Verdicts["columns"]>,
    eligible: string[],
    downNow: string[],
    fact: (id: number, scope: Scope, startedAt: number, witnesses: VantageWitness[], downIds: string[]) => MeasuredFact,
    now: number,
  ): { state: SeriesVerdict; changed: boolean } {
    const scope = v.scope === "global" ? null : v.scope;
    if (scope !== null && witnessesNow.length > 0) {
      const witnesses = mergeWitnesses(prev.localId !== null ? prev.witnesses : [], witnessesNow);
      const startedAt = Math.min(...witnesses.map((w) => w.firstFailureAt));
      if (prev.localId === null) {
        const id = insertMeasuredIncident(db, { ...(columns ?? emptyColumns(now)), scope, vantages: witnesses, decidedAt: new Date(now), startedAt: new Date(startedAt), confirmedAt: new Date(now), vantage: VERDICT_VANTAGE, surface: surface.id, series, model: fact(0, scope, startedAt, witnesses, downNow).model });
        const opened = fact(id, scope, startedAt, witnesses, downNow);
        this.regionalOpened(db, surface, opened, now);
        this.log.info(`${scope} incident: ${surface.name} ${series} ${opened.reach!.words} since ${new Date(startedAt).toISOString()}`);
        return { state: { ...prev, localId: id, localScope: scope, witnesses }, changed: true };
      }
      if (columns) updateMeasuredIncident(db, prev.localId, { ...columns, scope, vantages: witnesses });
      return { state: { ...prev, localScope: scope, witnesses }, changed: scope !== prev.localScope };
    }
    if (prev.localId === null) return { state: prev, changed: false };
    // Nothing eligible is down any more: the regional row ends now.
    updateMeasuredIncident(db, prev.localId, { endedAt: new Date(now) });
    const startedAt = Math.min(...prev.witnesses.map((w) => w.firstFailureAt), now);
    const closed = fact(prev.localId, prev.localScope ?? "regional", startedAt, prev.witnesses, prev.witnesses.map((w) => w.id));
    this.regionalClosed(db, surface, closed, now, false);
    return { state: { ...prev, localId: null, localScope: null, witnesses: [] }, changed: true };
  }

  /**
   * One regional thread per surface, as global incidents have (lib/alerts/facts.ts): the first regional row of a
   * surface sends "opened" to the channels that list its scope; others of the surface while it is open join it.
   */
  private regionalOpened(db: Db, surface: Surface, opened: MeasuredFact, now: number): void {
    const key = `regional:${surface.id}`;
    const st = getAlertState(db, key) as RegionalThread | undefined;
    if (st && st.open.length > 0) {
      saveAlertState(db, key, { ...st, open: [...st.open, opened.id] } satisfies RegionalThread, new Date(now));
      return;
    }
    // While the surface's global thread is on (open, or its resolution held), a series failing from fewer places is
    // part of that story, not news: it is kept, and neither its opening nor its end is sent.
    const global = getAlertState(db, `thread:${surface.id}`) as { resolved?: boolean } | undefined;
    const announced = global === undefined || global.resolved === true;
    saveAlertState(db, key, { rootId: opened.id, rootStartedAt: opened.startedAt, open: [opened.id], announced } satisfies RegionalThread, new Date(now));
    if (!announced) return;
    enqueueEvent(db, this.config.alerts.channels, regionalOpenedEvent(opened, this.alerts.officialAt(db, surface, now), this.alerts.linksOf(db)), new Date(now));
  }

  /** A regional row closed, or made global (`escalated`: the global thread tells the rest); the last one sends "resolved". */
  private regionalClosed(db: Db, surface: Surface, closed: MeasuredFact, now: number, escalated: boolean): void {
    const key = `regional:${surface.id}`;
    const st = getAlertState(db, key) as RegionalThread | undefined;
    if (!st || !st.open.includes(closed.id)) return;
    const open = st.open.filter((id) => id !== closed.id);
    if (open.length > 0) {
      // The rest of a thread whose incident went global is the global thread's story: its end is not sent apart.
      saveAlertState(db, key, { ...st, open, announced: escalated ? false : st.announced } satisfies RegionalThread, new Date(now));
      return;
    }
    deleteAlertState(db, key);
    if (escalated || st.announced === false) return;
    const root = { ...closed, id: st.rootId, startedAt: st.rootStartedAt };
    enqueueEvent(db, this.config.alerts.channels, regionalResolvedEvent(root, now, this.alerts.officialAt(db, surface, now), this.alerts.linksOf(db)), new Date(now));
  }

  private reach(scope: Scope, witnesses: readonly VantageWitness[], downIds: readonly string[], eligible: readonly string[]): Reach {
    const name = (id: string) => this.names.get(id) ?? id;
    const down = (downIds.length > 0 ? downIds : witnesses.map((w) => w.id)).map(name);
    return {
      scope,
      vantages: witnesses.map((w) => ({ id: w.id, name: name(w.id), firstFailureAt: w.firstFailureAt })),
      eligible: eligible.length,
      ...(({ verb, note }) => ({ words: verb, note }))(reachParts(scope, down, eligible.map(name))),
    };
  }

  /** The verdict row's figures from the down vantages' own incidents: the worst severity, their failures summed. */
  private columns(open: readonly OpenIncident[]) {
    if (open.length === 0) return null;
    const counts: Record<string, number> = {};
    for (const i of open) for (const [k, n] of Object.entries(i.errorClassCounts)) counts[k] = (counts[k] ?? 0) + n;
    return {
      severity: open.some((i) => i.severity === "down") ? ("down" as const) : ("degraded" as const),
      peakFailureRatio: Math.max(...open.map((i) => i.peakFailureRatio)),
      errorClassCounts: counts,
      sampleRequestIds: open.flatMap((i) => i.sampleRequestIds).slice(0, 5),
      failedResults: open.reduce((a, i) => a + i.failedResults, 0),
      totalResults: open.reduce((a, i) => a + i.totalResults, 0),
      lastResultAt: new Date(Math.max(...open.map((i) => i.lastResultAt))),
    };
  }

  /**
   * A vantage's own incident that came in late (its rows arrived after the freshness window): notes on the published
   * incidents of the series it overlaps, never an edit of their start, end or severity. An `unconfirmed` one it
   * overlaps becomes `global`, marked confirmed late, and pages no one.
   */
  lateEvidence(db: Db, vantage: string, series: string, evidence: { id: number; startedAt: number; endedAt: number | null }, reportedAt: number): void {
    for (const published of getVerdictIncidentsOverlapping(db, series, evidence.startedAt, evidence.endedAt ?? reportedAt)) {
      if ((published.vantages ?? []).some((w) => w.id === vantage)) continue;
      insertLateEvidence(db, { incidentId: published.id, vantage, evidenceId: evidence.id, startedAt: new Date(evidence.startedAt), endedAt: evidence.endedAt === null ? null : new Date(evidence.endedAt), reportedAt: new Date(reportedAt) });
      if (published.scope === "unconfirmed" && this.members.length >= 2) {
        updateMeasuredIncident(db, published.id, { scope: "global", confirmedLate: true });
        this.log.info(`incident m-${published.id} confirmed late by ${vantage}: global, not paged`);
      }
    }
  }
}

function mergeWitnesses(kept: readonly VantageWitness[], now: readonly VantageWitness[]): VantageWitness[] {
  const out = new Map(kept.map((w) => [w.id, w]));
  for (const w of now) if (!out.has(w.id)) out.set(w.id, w);
  return [...out.values()];
}

function emptyColumns(now: number) {
  return { severity: "down" as const, peakFailureRatio: 1, errorClassCounts: {}, sampleRequestIds: [], failedResults: 0, totalResults: 0, lastResultAt: new Date(now) };
}
