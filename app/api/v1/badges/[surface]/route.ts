/**
 * GET /api/v1/badges/<surface>.svg?metric=state|uptime: an SVG badge of the surface's measured state now (default)
 * or its measured uptime over 30 days. Unknown surface: 404; unknown metric: 400 (JSON, naming the parameter).
 */
import { oneOf, parseQuery, pathSegment } from "@/lib/web/api";
import { BADGE_METRICS, badgeSurfaceId, surfaceBadge, SVG_CONTENT_TYPE } from "@/lib/web/badges";
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
    const query = parseQuery(request.url, { metric: oneOf(BADGE_METRICS).default("state") });
    if (!query.ok) return apiError(400, query.error);
    const svg = surfaceBadge(store?.db ?? null, config, surface, query.value.metric, Date.now());
    return conditionalResponse(request, { body: svg, contentType: SVG_CONTENT_TYPE, lastModified: null, cacheControl: DOCUMENT_CACHE });
  });
}

export function OPTIONS(): Response {
  return preflight();
}
