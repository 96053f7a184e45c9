/**
 * GET /api/v1/series/<id>/results?since=24h&limit=100&before=<next>: one series' raw results (the ProbeResult
 * contract), newest first. `next` is the `before` of the following page, null on the last. Unknown series: 404.
 */
import { getSeriesNames } from "@/db/queries/rollups";
import { cursorParam, getResultsPage, parseQuery, pathSegment, SERIES_NAME, sinceParam, wholeNumber } from "@/lib/web/api";
import { getWebContext } from "@/lib/web/context";
import { apiError, guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return guarded(async () => {
    const series = pathSegment((await params).id);
    const { store, config } = getWebContext();
    // Rollups are kept for good, so a series whose raw results were pruned is still known (with an empty page).
    if (!SERIES_NAME.test(series) || !store || !getSeriesNames(store.db).includes(series)) return apiError(404, "id: no such series (GET /api/v1/status lists them)");
    const now = Date.now();
    const query = parseQuery(request.url, { since: sinceParam(now, "24h"), limit: wholeNumber(1, 1000, 100), before: cursorParam });
    if (!query.ok) return apiError(400, query.error);
    const { since, limit, before } = query.value;
    return json({ series, since: new Date(since).toISOString(), ...getResultsPage(store.db, { series, since, before, limit, vantageId: config.vantage.id }) });
  });
}

export function OPTIONS(): Response {
  return preflight();
}
