/**
 * GET /api/v1/badges/<surface>.svg?metric=state|uptime&window=24h|7d|30d|90d: an SVG badge of the surface's measured
 * state now (default) or its measured uptime over the window (30 days by default; a window alone means uptime).
 * Unknown surface: 404; unknown metric or window, or a window with metric=state: 400 (JSON, naming the parameter).
 */
import { oneOf, parseQuery, pathSegment } from "@/lib/web/api";
import { BADGE_METRICS, BADGE_WINDOWS, badgeRequest, badgeSurfaceId, surfaceBadge, SVG_CONTENT_TYPE } from "@/lib/web/badges";
import { getWebContext } from "@/lib/web/context";
import { apiError, conditionalResponse, DOCUMENT_CACHE, guarded, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(request: Request, { params }: { params: Promise<{ surface: string }> }): Promise<Response> {
  return guarded(async () => {
    const id = badgeSurfaceId(pathSegment((await params).surface));
    const { config, store } = getWebContext();
    const surface = config.surfaces.find((s) => s.id === id);
    if (!surface) return apiError(404, `surface: no surface ${JSON.stringify(id)} (one of ${config.surfaces.map((s) => s.id).join(", ")})`);
    const query = parseQuery(request.url, { metric: oneOf(BADGE_METRICS).optional(), window: oneOf(BADGE_WINDOWS).optional() });
    if (!query.ok) return apiError(400, query.error);
    const badge = badgeRequest(query.value);
    if (!badge.ok) return apiError(400, badge.error);
    const svg = surfaceBadge(store?.db ?? null, config, surface, badge.metric, Date.now(), badge.window);
    return conditionalResponse(request, { body: svg, contentType: SVG_CONTENT_TYPE, lastModified: null, cacheControl: DOCUMENT_CACHE });
  });
}

export function OPTIONS(): Response {
  return preflight();
}
