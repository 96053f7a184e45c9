/**
 * The worker loop: the one place where probe, decide and store meet. node-cron ticks each probe on its interval,
 * spread across it; a run still going at its next tick is skipped and counted, never overlapped.
 */
import cron, { type ScheduledTask } from "node-cron";
import { buildChannels } from "@/lib/alerts/channels";
import { Dispatcher } from "@/lib/alerts/dispatcher";
import { beat } from "@/lib/alerts/heartbeat";
import type { Channel } from "@/lib/alerts/types";
import type { Config } from "@/lib/config";
import { ownNetworkOf, type OwnNetwork } from "@/lib/measure/connectivity";
import type { Logger } from "@/lib/log";
import { runProbe, type RunOutput } from "@/lib/measure/run-probe";
import type { PlannedProbe } from "@/lib/measure/targets";
import { recordIncidentHistory } from "@/lib/measure/official-record";
import { Recorder } from "@/lib/measure/recorder";
import { backupCronPattern, takeScheduledBackup } from "@/lib/keep/backup-schedule";
import { describeWriteError } from "@/lib/keep/database-file";
import { prunePayloads, pruneRawResults, rawCutoff } from "@/lib/keep/retention";
import type { Db } from "@/db/client";
import { pruneBrowserScreenshots } from "@/db/queries/browser-screenshots";
import { probeIncidentHistory } from "@/probes/status-history";
import type { ProbeResult } from "@/probes/types";

export interface WorkerStats {
  runs: number;
  stored: number;
  /** Ticks skipped because the previous run of the same series was still going, per series. */
  skippedTicks: Record<string, number>;
}

/** The cron pattern (with seconds) for a tick every `intervalSeconds`, shifted by `offsetSeconds` into the interval. */
export function cronPattern(intervalSeconds: number, offsetSeconds: number): string {
  if (intervalSeconds <= 60) {
    const seconds = intervalSeconds === 60 ? `${offsetSeconds}` : `${offsetSeconds}-59/${intervalSeconds}`;
    return `${seconds} * * * * *`;
  }
  const minutes = intervalSeconds / 60;
  return `${offsetSeconds % 60} ${Math.floor(offsetSeconds / 60)}-59/${minutes} * * * *`;
}

/** Offsets that spread the probes sharing an interval evenly across it, so they never fire together. */
export function spreadOffsets(probes: readonly PlannedProbe[]): number[] {
  const byInterval = new Map<number, number>();
  const counts = new Map<number, number>();
  for (const p of probes) counts.set(p.intervalSeconds, (counts.get(p.intervalSeconds) ?? 0) + 1);
  return probes.map((p) => {
    const index = byInterval.get(p.intervalSeconds) ?? 0;
    byInterval.set(p.intervalSeconds, index + 1);
    return Math.floor((index * p.intervalSeconds) / (counts.get(p.intervalSeconds) ?? 1));
  });
}

/**
 * The second of the minute farthest from every other probe's tick (the middle of the widest gap between them), for
 * the browser probe: its Chromium costs seconds of CPU, and the other probes' timings must not pay for them.
 */
export function quietSecond(busySeconds: readonly number[]): number {
  const busy = [...new Set(busySeconds.map((s) => ((s % 60) + 60) % 60))].sort((a, b) => a - b);
  if (busy.length === 0) return 0;
  let best = { from: busy[0]!, gap: 0 };
  busy.forEach((from, i) => {
    const gap = ((busy[i + 1] ?? busy[0]! + 60) - from + 60) % 60 || 60;
    if (gap > best.gap) best = { from, gap };
  });
  return (best.from + Math.floor(best.gap / 2)) % 60;
}

/** Offsets of spreadOffsets, with every browser probe moved to the quiet second of the others (see quietSecond). */
export function scheduleOffsets(probes: readonly PlannedProbe[]): number[] {
  const offsets = spreadOffsets(probes);
  const busy = probes.flatMap((p, i) => (p.kind === "browser" ? [] : ticksInMinute(p.intervalSeconds, offsets[i] ?? 0)));
  const quiet = quietSecond(busy);
  return probes.map((p, i) => (p.kind === "browser" ? quiet : (offsets[i] ?? 0)));
}

function ticksInMinute(intervalSeconds: number, offset: number): number[] {
  if (intervalSeconds >= 60) return [offset % 60];
  return Array.from({ length: 60 / intervalSeconds }, (_, k) => (offset + k * intervalSeconds) % 60);
}

/** alerts.heartbeatUrl is pinged this often while the worker is healthy. */
export const HEARTBEAT_EVERY_MS = 60_000;

export interface WorkerOptions {
  /** The heartbeat's period and silence limit (tests); default every minute, three of the slowest intervals + 30 s. */
  heartbeat?: { everyMs?: number; maxSilenceMs?: number };
}

export class Worker {
  private readonly tasks: ScheduledTask[] = [];
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** The browser probe's run while it goes (inSlot). */
  private browserRun: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  private readonly stats: WorkerStats = { runs: 0, stored: 0, skippedTicks: {} };
  private readonly recorder: Recorder;
  private readonly network: OwnNetwork;
  /** Delivers the alert outbox beside the probes; the recorder only writes it. */
  readonly dispatcher: Dispatcher;
  private lastStoredAt: number | null = null;
  private readonly startedAt = Date.now();

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly log: Logger,
    private readonly onResult: (run: RunOutput) => void = () => {},
    /** The built channels (default: from config.alerts; throws ConfigError for a type that cannot be built). */
    channels: readonly Channel[] = buildChannels(config.alerts.channels),
    private readonly opts: WorkerOptions = {},
  ) {
    this.recorder = new Recorder(config, db, log);
    this.network = ownNetworkOf(config);
    this.dispatcher = new Dispatcher(config.alerts, db, log, channels);
  }

  /** Schedule every planned probe, the official history beside the status probe, and raw-result pruning. */
  start(probes: readonly PlannedProbe[]): void {
    this.scheduleHousekeeping(probes.find((p) => p.kind === "status"));
    this.scheduleHeartbeat(probes);
    this.dispatcher.start();
    const offsets = scheduleOffsets(probes);
    probes.forEach((probe, i) => {
      const pattern = cronPattern(probe.intervalSeconds, offsets[i] ?? 0);
      const task = cron.schedule(pattern, () => this.runAndStore(probe), { name: probe.target.name, noOverlap: true, logger: silentCronLogger(this.log) });
      task.on("execution:overlap", () => {
        const skipped = (this.stats.skippedTicks[probe.target.name] ?? 0) + 1;
        this.stats.skippedTicks[probe.target.name] = skipped;
        this.log.warn(`${probe.target.name}: previous run still going, tick skipped (${skipped} so far)`);
      });
      this.tasks.push(task);
      this.log.info(`scheduled ${probe.target.name} every ${probe.intervalSeconds}s (cron "${pattern}")`);
    });
  }

  /** Run one probe now and store its result; the result is returned, or null when shutdown cancelled it. */
  runAndStore(probe: PlannedProbe): Promise<ProbeResult | null> {
    return this.track(this.runOnce(probe));
  }

  getStats(): WorkerStats {
    return structuredClone(this.stats);
  }

  /** Stop ticking, give in-flight probes `graceMs` to finish, then cancel them; their results are not stored. */
  async stop(graceMs = this.config.shutdownGraceMs): Promise<void> {
    for (const task of this.tasks) await task.destroy();
    this.tasks.length = 0;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    // Deliveries in flight are cancelled; their rows stay pending and go out after the next start.
    await this.dispatcher.stop();
    if (this.inFlight.size === 0) return;
    this.log.info(`waiting up to ${graceMs} ms for ${this.inFlight.size} probe(s) in flight`);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private async runOnce(probe: PlannedProbe): Promise<ProbeResult | null> {
    this.stats.runs += 1;
    const run = await this.inSlot(probe, () => runProbe(probe.kind, probe.target, this.stopping.signal, this.network));
    // A run cut short by our own shutdown measured nothing about Claude: drop it rather than record a false failure.
    if (this.stopping.signal.aborted) {
      this.log.warn(`${probe.target.name}: cancelled by shutdown, not stored`);
      return null;
    }
    const { result } = run;
    if (result.outcome === "inconclusive" && result.errorClass === null) this.log.error(`${result.probe}: ${result.message ?? "probe crashed"}`);
    try {
      this.recorder.record(run);
      this.stats.stored += 1;
      this.lastStoredAt = Date.now();
      this.dispatcher.nudge();
    } catch (err) {
      this.log.error(`${result.probe}: result not stored: ${describeWriteError(err, this.config.databasePath)}`);
    }
    this.log.info(describeResult(result));
    this.onResult(run);
    return result;
  }

  /** The official incident history (resolved ones too), read beside the summary on a slower schedule. */
  async syncOfficialHistory(status: PlannedProbe): Promise<void> {
    const history = await probeIncidentHistory(status.target, this.stopping.signal);
    if (this.stopping.signal.aborted) return;
    if (history.error) this.log.warn(`official incident history: ${history.error}`);
    try {
      const at = new Date();
      await recordIncidentHistory(this.db, { at, incidents: history.incidents, raw: history.raw }, (tx, changes) => this.recorder.alerts.officialChanges(tx, changes, at.getTime()));
      if (history.incidents) this.db.transaction((tx) => this.recorder.alerts.officialVanished(tx as unknown as Db, at.getTime()));
      this.dispatcher.nudge();
    } catch (err) {
      this.log.error(`official incident history not stored: ${describeWriteError(err, this.config.databasePath)}`);
    }
  }

  /** Delete raw results and official payloads past retention, in small batches between probes; returns raw rows deleted. */
  async pruneNow(now = new Date()): Promise<number> {
    try {
      const { rawDays, payloadKeep, payloadDays } = this.config.retention;
      const deleted = await pruneRawResults(this.db, { olderThan: rawCutoff(now, rawDays) });
      if (deleted > 0) this.log.info(`pruned ${deleted} raw results older than ${rawDays} days (rollups kept)`);
      // A screenshot illustrates raw results: it goes with them.
      pruneBrowserScreenshots(this.db, rawCutoff(now, rawDays));
      const payloads = await prunePayloads(this.db, { keep: payloadKeep, olderThan: new Date(now.getTime() - payloadDays * 86_400_000) });
      if (payloads > 0) this.log.info(`pruned ${payloads} official payloads (keeping the newest ${payloadKeep} per endpoint, none over ${payloadDays} days)`);
      return deleted;
    } catch (err) {
      this.log.error(`pruning failed: ${describeWriteError(err, this.config.databasePath)}`);
      return 0;
    }
  }

  private scheduleHousekeeping(status: PlannedProbe | undefined): void {
    const silent = { noOverlap: true, logger: silentCronLogger(this.log), timezone: "Etc/UTC" };
    if (status) {
      const every = this.config.official.historyIntervalMinutes;
      const track = () => this.track(this.syncOfficialHistory(status));
      this.tasks.push(cron.schedule(`30 */${every} * * * *`, track, { ...silent, name: "official-history" }));
      // Once at start, so incidents resolved while Witness was down get their resolution.
      void track();
    }
    // Daily, at a quiet minute: pruning is batched anyway, but there is no reason to do it on the hour.
    this.tasks.push(cron.schedule("45 17 3 * * *", () => this.track(this.pruneNow()), { ...silent, name: "prune" }));
    const backup = this.config.backup;
    if (backup) this.tasks.push(cron.schedule(backupCronPattern(backup.atHour), () => this.track(takeScheduledBackup(this.db.$client, backup, this.log)), { ...silent, name: "backup" }));
  }

  /** alerts.heartbeatUrl, every minute while healthy: a result stored within three of the slowest intervals. */
  private scheduleHeartbeat(probes: readonly PlannedProbe[]): void {
    const url = this.config.alerts.heartbeatUrl;
    if (!url || probes.length === 0) return;
    const maxSilenceMs = this.opts.heartbeat?.maxSilenceMs ?? 3 * Math.max(...probes.map((p) => p.intervalSeconds)) * 1000 + 30_000;
    let pinging = false;
    // A timer, not cron: the period is the test seam. A ping still going at the next period is skipped, never doubled.
    const ping = () => {
      if (pinging) return;
      pinging = true;
      void this.track(beat(url, this.db, { lastStoredAt: this.lastStoredAt, maxSilenceMs, startedAt: this.startedAt }, this.log)).finally(() => (pinging = false));
    };
    this.heartbeatTimer = setInterval(ping, this.opts.heartbeat?.everyMs ?? HEARTBEAT_EVERY_MS);
  }

  /**
   * The browser's time slot: no other probe starts while Chromium runs (a tick that falls inside it waits for the run,
   * bounded by the browser's hard deadline, then goes), so no other probe's timing includes Chromium's CPU. The
   * browser's tick sits in the others' quiet second (scheduleOffsets), so normally nobody waits.
   */
  private async inSlot<T>(probe: PlannedProbe, work: () => Promise<T>): Promise<T> {
    if (probe.kind !== "browser") {
      while (this.browserRun) await this.browserRun;
      return work();
    }
    const running = work();
    const slot = running.then(() => undefined, () => undefined);
    this.browserRun = slot;
    void slot.finally(() => {
      if (this.browserRun === slot) this.browserRun = null;
    });
    return running;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }
}

/** "stream:claude-haiku-4-5 up 412 ms (ttfb 120, ttft 380)" or "... down overloaded: HTTP 529 ...". */
export function describeResult(r: ProbeResult): string {
  const timing = [r.ttfbMs != null ? `ttfb ${Math.round(r.ttfbMs)}` : null, r.ttftMs != null ? `ttft ${Math.round(r.ttftMs)}` : null].filter(Boolean).join(", ");
  const head = `${r.probe} ${r.outcome}${r.totalMs != null ? ` ${Math.round(r.totalMs)} ms` : ""}${timing ? ` (${timing})` : ""}`;
  return r.errorClass ? `${head} ${r.errorClass}: ${r.message ?? ""}` : head;
}

/** node-cron's own warnings go through our logger (and its redaction), at debug level dropped. */
function silentCronLogger(log: Logger) {
  return {
    info: () => {},
    debug: () => {},
    // Overlaps are reported by our own handler with the series name; repeating node-cron's line adds nothing.
    warn: (message: string) => {
      if (!message.includes("overlap")) log.warn(`node-cron: ${message}`);
    },
    error: (message: string | Error) => log.error(`node-cron: ${message instanceof Error ? message.message : message}`),
  };
}
