/**
 * GET /api/health: is this Witness measuring? `{ web, database: "ok"|"missing", worker: { lastResultAt, fresh,
 * freshWithinMs }, monitor: { online, offlineSince } }`. HTTP 200 when the newest stored result is younger than 3 ×
 * the shortest probe interval and Witness can reach the internet, 503 otherwise (no database yet, the worker stopped
 * writing, or its own network is down and it measures nothing of Claude), so an uptime checker pointed here alerts when the
 * monitor itself is down. The web process answering at all is `web: "ok"`: a liveness probe that restarts the web
 * server should check for any answer, not for 200, since restarting it cannot fix the worker.
 */
import { getHealth } from "@/lib/web/api";
import { getWebContext } from "@/lib/web/context";
import { guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(): Promise<Response> {
  return guarded(() => {
    const { config, store } = getWebContext();
    const health = getHealth(store?.db ?? null, config, Date.now());
    // Never cached: a checker must see the state of this moment.
    return json(health, health.worker.fresh && health.monitor.online ? 200 : 503, "no-store");
  });
}

export function OPTIONS(): Response {
  return preflight();
}
