/** Anything under /api that no route serves: a JSON 404 (not the HTML not-found page), whatever the method. */
import { apiError } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

function notFound(request: Request): Response {
  return apiError(404, `path: no endpoint ${new URL(request.url).pathname} (see /api/v1/status, /api/v1/incidents, /api/v1/uptime, /api/health)`);
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE, notFound as OPTIONS };
