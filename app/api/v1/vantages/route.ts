/** GET /api/v1/vantages: each configured vantage as the hub sees it now (lib/vantage/listing.ts); never a secret. */
import { listVantages, readVantageListing } from "@/lib/vantage/listing";
import { readThrough } from "@/lib/web/cache";
import { getWebContext } from "@/lib/web/context";
import { API_CACHE, conditionalResponse, guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Through the web cache like /api/v1/status: the same body and ETag while the database is unchanged. */
export function GET(request: Request = new Request("http://localhost/api/v1/vantages")): Promise<Response> {
  return guarded(() => {
    const context = getWebContext();
    // A hub that lists no vantages has nothing to read.
    if (context.config.vantages.length === 0) return json({ vantages: [] });
    const snapshot = readThrough(context, "api:vantages", readVantageListing);
    // No database yet: every configured vantage, never heard from.
    if (!snapshot) return json({ vantages: listVantages(context.config, [], Date.now()) });
    return conditionalResponse(request, { body: JSON.stringify(snapshot.value), contentType: "application/json; charset=utf-8", lastModified: null, cacheControl: API_CACHE, dataTag: snapshot.dataTag });
  });
}

export function OPTIONS(): Response {
  return preflight();
}
