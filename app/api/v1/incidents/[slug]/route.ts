/** GET /api/v1/incidents/<slug>: one incident with its timeline (IncidentDetail), or 404. */
import { getIncident } from "@/lib/dashboard/incidents";
import { INCIDENT_SLUG, pathSegment } from "@/lib/web/api";
import { getWebContext } from "@/lib/web/context";
import { apiError, guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(_request: Request, { params }: { params: Promise<{ slug: string }> }): Promise<Response> {
  return guarded(async () => {
    const slug = pathSegment((await params).slug);
    if (!INCIDENT_SLUG.test(slug)) return apiError(400, "slug: must look like m-123 (measured) or o-<official id>");
    const { config, store } = getWebContext();
    const incident = store ? getIncident(store.db, config, slug, Date.now()) : null;
    return incident ? json(incident) : apiError(404, `slug: no incident ${slug}`);
  });
}

export function OPTIONS(): Response {
  return preflight();
}
