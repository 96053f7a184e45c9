/** GET /api/v1/status: every surface now, measured beside official (StatusNow in lib/dashboard/types.ts). */
import { getStatusNow } from "@/lib/dashboard/now";
import { emptyStatus } from "@/lib/web/api";
import { getWebContext } from "@/lib/web/context";
import { guarded, json, preflight } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(): Promise<Response> {
  return guarded(() => {
    const { config, store } = getWebContext();
    const now = Date.now();
    return json(store ? getStatusNow(store.db, config, now) : emptyStatus(config, now));
  });
}

export function OPTIONS(): Response {
  return preflight();
}
