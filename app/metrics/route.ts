/**
 * GET /metrics: Prometheus text exposition of what the database holds (lib/metrics). Read through the web cache, so
 * scrapes between two of the worker's commits reuse one read, and the status part is the same read /api/v1/status
 * serves. Before the worker has created a database it still answers, with every surface at `nodata`.
 */
import { getStatusNow } from "@/lib/dashboard/now";
import { readStorageHealth } from "@/lib/keep/storage-health";
import { renderMetrics, METRICS_CONTENT_TYPE } from "@/lib/metrics/exposition";
import { readMetrics, type MetricsData } from "@/lib/metrics/read";
import { emptyStatus } from "@/lib/web/api";
import { readThrough } from "@/lib/web/cache";
import { getWebContext } from "@/lib/web/context";
import { guarded } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(): Promise<Response> {
  return guarded(async () => {
    const context = getWebContext();
    const now = Date.now();
    const status = readThrough(context, "api:status", getStatusNow);
    const store = context.store;
    const data: MetricsData =
      (status && store && readThrough(context, "metrics", (_db, config, at) => readMetrics(store, config, at, status.value))?.value) ||
      { now, status: emptyStatus(context.config, now), totals: new Map(), ttfbMs: new Map(), outbox: { pending: 0, failed: 0 }, worker: null };
    // Read at every scrape, not through the cache: a disk that turns read-only changes no data version.
    const storage = readStorageHealth(store?.sqlite.name ?? context.config.databasePath, store?.db ?? null, now);
    // A scrape is a reading of this moment: never kept by a cache in between.
    return new Response(await renderMetrics({ ...data, storage }), { headers: { "Content-Type": METRICS_CONTENT_TYPE, "Cache-Control": "no-store" } });
  });
}
