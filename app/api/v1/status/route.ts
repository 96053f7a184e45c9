/** GET /api/v1/status: every surface now, measured beside official (StatusNow in lib/dashboard/types.ts). */
import { getStatusNow } from "@/lib/dashboard/now";
import { emptyStatus } from "@/lib/web/api";
import { readThrough } from "@/lib/web/cache";
import { getWebContext } from "@/lib/web/context";
import { API_CACHE, conditionalResponse, guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/**
 * Through the web cache, so the body (and its strong ETag) stays the same while the database does: the home page
 * polls this with If-None-Match and gets a 304 until something changed.
 */
export function GET(request: Request = new Request("http://localhost/api/v1/status")): Promise<Response> {
  return guarded(() => {
    const context = getWebContext();
    const snapshot = readThrough(context, "api:status", getStatusNow);
    if (!snapshot) return json(emptyStatus(context.config, Date.now()));
    return conditionalResponse(request, { body: JSON.stringify(snapshot.value), contentType: "application/json; charset=utf-8", lastModified: null, cacheControl: API_CACHE, dataTag: snapshot.dataTag });
  });
}

export function OPTIONS(): Response {
  return preflight();
}
