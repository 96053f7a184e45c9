/**
 * Whether a probe worker is running on this database, for the pages that have no result yet: right after `npm start`
 * the worker is up and the first results are on their way ("waiting"), which is not the same as no worker ("start it").
 * The worker's writer lease (lib/keep/writer-lease.ts) is the sign of life: renewed every few seconds while it runs.
 */
import type { Config } from "@/lib/config";
import { isLeaseStale, readWriterLease } from "@/lib/keep/writer-lease";
import { PROBE_KINDS } from "@/probes/types";
import type { Db } from "@/db/client";

export interface WorkerState {
  running: boolean;
  /** The most frequent enabled probe's interval: how soon the first result can come. */
  everySeconds: number;
}

/** The worker's state now: running while its lease's heartbeat is fresh. */
export function readWorkerState(db: Db, config: Config, now: number): WorkerState {
  const lease = readWriterLease(db);
  const intervals = PROBE_KINDS.filter((k) => config.probes[k].enabled).map((k) => config.probes[k].intervalSeconds);
  return { running: lease !== null && !isLeaseStale(lease.heartbeatAt, new Date(now)), everySeconds: intervals.length ? Math.min(...intervals) : 60 };
}

/** What a page with no results says (a title, one line, a paragraph): wait for a running worker, or start one. */
export function describeNoResults(state: WorkerState | null): { title: string; line: string; text: string } {
  if (state?.running) {
    const line = `The worker is running: waiting for the first results (probes run every ${state.everySeconds} s).`;
    return { title: "Waiting for the first results", line, text: `${line} This page fills in as they arrive.` };
  }
  return {
    title: "No data yet: start the worker (npm start)",
    line: "Witness has no probe results yet, and no worker is running: start the worker (npm start).",
    text: "Witness has not recorded any probe results yet, and no worker is running on its database. Start it with npm start (the web app and the probe worker together) or npm run worker; the first results arrive within a minute. To look around without waiting, npm run demo runs everything against the built-in simulator.",
  };
}
