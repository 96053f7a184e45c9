/**
 * GET /api/v1/incidents?days=1..90&surface=<id>&scope=global|regional|unconfirmed: incidents newest first, measured
 * (with their match, every scope unless one is asked for) and official alone.
 */
import { listIncidents } from "@/lib/dashboard/incidents";
import { oneOf, parseQuery, surfaceIds, wholeNumber } from "@/lib/web/api";
import { getWebContext } from "@/lib/web/context";
import { apiError, guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(request: Request): Promise<Response> {
  return guarded(() => {
    const { config, store } = getWebContext();
    const query = parseQuery(request.url, { days: wholeNumber(1, 90, 90), surface: oneOf(surfaceIds(config)).optional(), scope: oneOf(["global", "regional", "unconfirmed"]).optional() });
    if (!query.ok) return apiError(400, query.error);
    const { days, surface = null, scope = null } = query.value;
    const now = Date.now();
    const all = store ? listIncidents(store.db, config, now, days) : [];
    // An official incident naming no component has no surface: it concerns every one, so a filter keeps it.
    const bySurface = surface === null ? all : all.filter((i) => i.surface === surface || (i.kind === "official" && i.surface === null));
    // A scope keeps the measured incidents of it (official ones have none and stay: the page's own word).
    const incidents = scope === null ? bySurface : bySurface.filter((i) => i.kind === "official" || i.scope === scope);
    return json({ generatedAt: now, days, surface, scope, incidents });
  });
}

export function OPTIONS(): Response {
  return preflight();
}
