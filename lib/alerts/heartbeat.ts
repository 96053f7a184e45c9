/**
 * Who watches the watcher: a GET of `alerts.heartbeatUrl` every minute, but only while the worker is healthy (a
 * result was stored on time and the database takes a write), so an outside dead-man's switch (healthchecks.io style)
 * notices when Witness stops measuring, not only when its process dies. The URL is a secret: never logged.
 */
import type { Logger } from "@/lib/log";
import type { Db } from "@/db/client";
import { saveAlertState } from "@/db/queries/alerts";

export const HEARTBEAT_TIMEOUT_MS = 10_000;

export interface HeartbeatHealth {
  /** When the worker last stored a result, or null before the first. */
  lastStoredAt: number | null;
  /** Longer than this without a stored result is unhealthy (a few of the slowest probe's intervals). */
  maxSilenceMs: number;
  startedAt: number;
}

/** Why the worker is not healthy now, or null when it is. Also proves the database writable with one tiny write. */
export function unhealthyReason(db: Db, health: HeartbeatHealth, now: number): string | null {
  const since = health.lastStoredAt ?? health.startedAt;
  if (now - since > health.maxSilenceMs) return `no result stored for ${Math.round((now - since) / 1000)} s`;
  try {
    saveAlertState(db, "heartbeat", { at: now }, new Date(now));
  } catch (err) {
    return `database not writable: ${(err as Error).message}`;
  }
  return null;
}

/** One heartbeat: ping when healthy; returns what happened (for the log and tests). */
export async function beat(url: string, db: Db, health: HeartbeatHealth, log: Logger, now = Date.now()): Promise<"sent" | "skipped" | "failed"> {
  const reason = unhealthyReason(db, health, now);
  if (reason) {
    log.warn(`heartbeat not sent: ${reason}`);
    return "skipped";
  }
  try {
    const response = await fetch(url, { method: "GET", signal: AbortSignal.timeout(HEARTBEAT_TIMEOUT_MS), redirect: "follow" });
    void response.body?.cancel().catch(() => {});
    if (response.ok) return "sent";
    log.warn(`heartbeat: the heartbeat URL answered HTTP ${response.status}`);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    log.warn(`heartbeat: the heartbeat URL could not be reached${code ? ` (${code})` : ""}`);
  }
  return "failed";
}
