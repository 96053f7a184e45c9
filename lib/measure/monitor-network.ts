/** Whether Witness itself can reach the internet now, from the results it stored: the dashboard's and API's view. */
import { isMonitorOffline, MONITOR_OFFLINE_PREFIX } from "@/lib/measure/connectivity";
import type { Db } from "@/db/client";
import { getFirstResultAfter, getLatestResults, getNewestResultWithoutPrefix, getResultTimesSince } from "@/db/queries/probe-results";

export interface MonitorNetwork {
  /** False while the newest stored result is one the own-network rule made inconclusive. */
  online: boolean;
  /** The first result of the current offline run (ISO), null while online. */
  offlineSince: string | null;
}

/**
 * Read the monitor's own network state. With no results at all it is online: nothing says otherwise. The offline run
 * starts at its first result after the last reachable one, or after the last gap of more than `gapMs` (Witness was
 * stopped then: it cannot say it was offline while it did not run).
 */
export function readMonitorNetwork(db: Db, gapMs = Infinity): MonitorNetwork {
  const [newest] = getLatestResults(db, { limit: 1 });
  if (!newest || !isMonitorOffline(newest)) return { online: true, offlineSince: null };
  const lastReached = getNewestResultWithoutPrefix(db, { prefix: MONITOR_OFFLINE_PREFIX });
  const after = lastReached?.startedAt ?? new Date(-1);
  const times = getResultTimesSince(db, { after, limit: MAX_RUN_RESULTS });
  let since = times[0] ?? newest.startedAt.getTime();
  for (let i = 1; i < times.length; i++) {
    if (times[i - 1]! - times[i]! > gapMs) break;
    since = times[i]!;
  }
  // A run longer than we read back is at least that long: its start is older still, read as the run's first result.
  if (times.length === MAX_RUN_RESULTS && since === times.at(-1)) since = (getFirstResultAfter(db, { after }) ?? newest).startedAt.getTime();
  return { online: false, offlineSince: new Date(since).toISOString() };
}

/** Results read back to find where the offline run began: a day of every probe at 10 s. */
const MAX_RUN_RESULTS = 50_000;

/** "Witness cannot reach the internet since 14:02 UTC", or null while online. */
export function describeMonitorNetwork(state: MonitorNetwork): string | null {
  if (state.online || !state.offlineSince) return null;
  return `Witness cannot reach the internet since ${state.offlineSince.slice(11, 16)} UTC (${state.offlineSince.slice(0, 10)}): its probes failed at every host at once, so they say nothing about Claude.`;
}
