/** GET /api/v1/incidents?days=1..90&surface=<id>: incidents newest first, measured (with their match) and official alone. */
import { listIncidents } from "@/lib/dashboard/incidents";
import { oneOf, parseQuery, surfaceIds, wholeNumber } from "@/lib/web/api";
import { getWebContext } from "@/lib/web/context";
import { apiError, guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(request: Request): Promise<Response> {
  return guarded(() => {
    const { config, store } = getWebContext();
    const query = parseQuery(request.url, { days: wholeNumber(1, 90, 90), surface: oneOf(surfaceIds(config)).optional() });
    if (!query.ok) return apiError(400, query.error);
    const { days, surface = null } = query.value;
    const now = Date.now();
    const all = store ? listIncidents(store.db, config, now, days) : [];
    // An official incident naming no component has no surface: it concerns every one, so a filter keeps it.
    const incidents = surface === null ? all : all.filter((i) => i.surface === surface || (i.kind === "official" && i.surface === null));
    return json({ generatedAt: now, days, surface, incidents });
  });
}

export function OPTIONS(): Response {
  return preflight();
}
