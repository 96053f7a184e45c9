/**
 * A vantage's side of the plan (GET /api/v1/vantages/{id}/plan, signed with an empty body): ask the hub, keep what it
 * said, and fall back on the last plan kept while the hub cannot be reached, so a vantage probes on through a hub outage.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@/lib/log";
import type { SqliteShipStore } from "@/lib/vantage/ship-store";
import { signedHeaders } from "@/lib/vantage/wire";

/** What a vantage needs to reach its hub: from WITNESS_HUB_URL, WITNESS_VANTAGE_ID, WITNESS_VANTAGE_SECRET. */
export interface HubLink {
  hubUrl: string;
  vantageId: string;
  secret: string;
}

const PLAN_TIMEOUT_MS = 10_000;

/** The hub's plan now; throws with a one-line reason (never the secret) when it cannot be had. */
export async function fetchPlan(link: HubLink, now: Date = new Date()): Promise<Record<string, unknown>> {
  const url = `${link.hubUrl.replace(/\/+$/, "")}/api/v1/vantages/${link.vantageId}/plan`;
  let res: Response;
  try {
    res = await fetch(url, { headers: signedHeaders(link.secret, `plan-${randomUUID()}`, "", now), redirect: "manual", signal: AbortSignal.timeout(PLAN_TIMEOUT_MS) });
  } catch (err) {
    throw new Error(`the hub at ${link.hubUrl} cannot be reached (${(err as Error).name === "TimeoutError" ? "timed out" : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message)})`);
  }
  const text = await res.text().catch(() => "");
  if (res.status === 401) throw new Error(`the hub refused this vantage (${safeError(text)}): check WITNESS_VANTAGE_ID, WITNESS_VANTAGE_SECRET and this machine's clock`);
  if (!res.ok) throw new Error(`the hub answered HTTP ${res.status} for the plan`);
  const plan = (JSON.parse(text) as { plan?: unknown }).plan;
  if (!plan || typeof plan !== "object" || Array.isArray(plan)) throw new Error("the hub's answer holds no plan");
  return plan as Record<string, unknown>;
}

/**
 * The plan to start with: the hub's, kept for next time; else the last one kept; else it keeps asking every
 * `retryMs` until the hub answers (a vantage that never had a plan has nothing to probe). Null if `stopped` first.
 */
export async function obtainPlan(link: HubLink, store: SqliteShipStore, log: Logger, options: { retryMs?: number; stopped?: () => boolean } = {}): Promise<Record<string, unknown> | null> {
  const retryMs = options.retryMs ?? 10_000;
  for (let attempt = 0; ; attempt++) {
    try {
      const plan = await fetchPlan(link);
      store.savePlan(plan, new Date());
      return plan;
    } catch (err) {
      const saved = store.savedPlan();
      if (saved && typeof saved === "object") {
        log.warn(`vantage ${link.vantageId}: ${(err as Error).message}; probing with the last plan the hub sent`);
        return saved as Record<string, unknown>;
      }
      if (attempt === 0) log.warn(`vantage ${link.vantageId}: ${(err as Error).message}; no plan kept yet, asking again every ${Math.round(retryMs / 1000)} s`);
    }
    if (options.stopped?.()) return null;
    await new Promise((r) => setTimeout(r, retryMs));
    if (options.stopped?.()) return null;
  }
}

/** The hub's error code from a 401 body, or "refused": never more of the body than a known code. */
function safeError(body: string): string {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    return typeof error === "string" && /^[a-z_]{1,40}$/.test(error) ? error : "refused";
  } catch {
    return "refused";
  }
}
