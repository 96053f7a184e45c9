/** Whether Witness itself can reach the internet now, from the results it stored: the dashboard's and API's view. */
import { isMonitorOffline, MONITOR_OFFLINE_PREFIX } from "@/lib/measure/connectivity";
import type { Db } from "@/db/client";
import { getFirstResultAfter, getLatestResults, getNewestResultWithoutPrefix } from "@/db/queries/probe-results";

export interface MonitorNetwork {
  /** False while the newest stored result is one the own-network rule made inconclusive. */
  online: boolean;
  /** The first result of the current offline run (ISO), null while online. */
  offlineSince: string | null;
}

/** Read the monitor's own network state. With no results at all it is online: nothing says otherwise. */
export function readMonitorNetwork(db: Db): MonitorNetwork {
  const [newest] = getLatestResults(db, { limit: 1 });
  if (!newest || !isMonitorOffline(newest)) return { online: true, offlineSince: null };
  const lastReached = getNewestResultWithoutPrefix(db, { prefix: MONITOR_OFFLINE_PREFIX });
  const first = getFirstResultAfter(db, { after: lastReached?.startedAt ?? new Date(-1) });
  return { online: false, offlineSince: (first ?? newest).startedAt.toISOString() };
}

/** "Witness cannot reach the internet since 14:02 UTC", or null while online. */
export function describeMonitorNetwork(state: MonitorNetwork): string | null {
  if (state.online || !state.offlineSince) return null;
  return `Witness cannot reach the internet since ${state.offlineSince.slice(11, 16)} UTC (${state.offlineSince.slice(0, 10)}): its probes failed at every host at once, so they say nothing about Claude.`;
}
