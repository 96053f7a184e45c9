/** GET /api/v1/uptime?window=24h|7d|30d|90d (default 90d): per surface, the report's uptime, disagreement and grade. */
import { getUptime, oneOf, parseQuery } from "@/lib/web/api";
import { getWebContext } from "@/lib/web/context";
import { apiError, guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(request: Request): Promise<Response> {
  return guarded(() => {
    const query = parseQuery(request.url, { window: oneOf(["24h", "7d", "30d", "90d"]).default("90d") });
    if (!query.ok) return apiError(400, query.error);
    const { config, store } = getWebContext();
    return json(getUptime(store?.db ?? null, config, query.value.window, Date.now()));
  });
}

export function OPTIONS(): Response {
  return preflight();
}
