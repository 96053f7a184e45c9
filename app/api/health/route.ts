/**
 * GET /api/health: is this Witness measuring? `{ web, database: "ok"|"missing", worker: { lastResultAt, fresh,
 * freshWithinMs }, monitor: { online, offlineSince }, storage: { state: "ok"|"warning"|"not_writable", walBytes,
 * reason } }`. HTTP 200 when the newest stored result is younger than 3 × the shortest probe interval, Witness can reach
 * the internet and its database can be written, 503 otherwise (no database yet, the worker stopped writing, its own
 * network is down and it measures nothing of Claude, or a read-only or failing disk loses every result), so an uptime
 * checker pointed here alerts when the monitor itself is down. A storage warning (a WAL past its bound behind a long
 * reader, checkpoints failing) keeps 200 and says why in `storage.reason`. The web process answering at all is `web: "ok"`: a liveness probe that restarts the web
 * server should check for any answer, not for 200, since restarting it cannot fix the worker.
 */
import { readStorageHealth } from "@/lib/keep/storage-health";
import { getHealth } from "@/lib/web/api";
import { getWebContext } from "@/lib/web/context";
import { guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(): Promise<Response> {
  return guarded(() => {
    const { config, store } = getWebContext();
    const now = Date.now();
    const health = getHealth(store?.db ?? null, config, now);
    const storage = readStorageHealth(store?.sqlite.name ?? config.databasePath, store?.db ?? null, now);
    const ok = health.worker.fresh && health.monitor.online && storage.state !== "not_writable";
    // Never cached: a checker must see the state of this moment.
    return json({ ...health, storage }, ok ? 200 : 503, "no-store");
  });
}

export function OPTIONS(): Response {
  return preflight();
}
