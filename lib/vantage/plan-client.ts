/**
 * A vantage's side of the plan (GET /api/v1/vantages/{id}/plan, signed with an empty body): ask the hub, keep what it
 * said, and fall back on the last plan kept while the hub cannot be reached, so a vantage probes on through a hub outage.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "@/lib/log";
import type { SqliteShipStore } from "@/lib/vantage/ship-store";
import { describeNetworkError, readCapped } from "@/lib/alerts/channels/http";
import { hubErrorCode, parseJson, signedHeaders } from "@/lib/vantage/wire";

/** What a vantage needs to reach its hub: from WITNESS_HUB_URL, WITNESS_VANTAGE_ID, WITNESS_VANTAGE_SECRET. */
export interface HubLink {
  hubUrl: string;
  vantageId: string;
  secret: string;
}

const PLAN_TIMEOUT_MS = 10_000;
/** A plan is a few KB of config; an answer past this is not one. */
const MAX_PLAN_BYTES = 256 * 1024;

/** The hub's plan now; throws with a one-line reason (never the secret) when it cannot be had. */
export async function fetchPlan(link: HubLink, now: Date = new Date()): Promise<Record<string, unknown>> {
  const url = `${link.hubUrl.replace(/\/+$/, "")}/api/v1/vantages/${link.vantageId}/plan`;
  let res: Response;
  try {
    res = await fetch(url, { headers: signedHeaders(link.secret, `plan-${randomUUID()}`, "", now), redirect: "manual", signal: AbortSignal.timeout(PLAN_TIMEOUT_MS) });
  } catch (err) {
    throw new Error(`the hub at ${link.hubUrl} cannot be reached (${(err as Error).name === "TimeoutError" ? "timed out" : describeNetworkError(err)})`);
  }
  const text = await readCapped(res, MAX_PLAN_BYTES);
  if (res.status === 401) throw new Error(`the hub refused this vantage (${hubErrorCode(text) ?? "refused"}): check WITNESS_VANTAGE_ID, WITNESS_VANTAGE_SECRET and this machine's clock`);
  if (!res.ok) throw new Error(`the hub answered HTTP ${res.status} for the plan`);
  // A page that is not the hub's (a proxy, a portal) is no plan; its text is not ours to print.
  const plan = (parseJson(text) as { plan?: unknown } | null)?.plan;
  if (!plan || typeof plan !== "object" || Array.isArray(plan)) throw new Error("the hub's answer holds no plan");
  return plan as Record<string, unknown>;
}

/**
 * The plan to start with, as `run` makes it runnable (it throws for a plan this vantage cannot run, say from a newer
 * hub): the hub's, kept for next time; else the last one kept; else it keeps asking every `retryMs` until the hub
 * answers with one (a vantage that never had a plan has nothing to probe).
 */
export async function obtainPlan<T>(link: HubLink, store: SqliteShipStore, log: Logger, run: (plan: unknown) => T, retryMs = 10_000): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const plan = await fetchPlan(link);
      const runnable = run(plan);
      store.savePlan(plan, new Date());
      return runnable;
    } catch (err) {
      const saved = store.savedPlan();
      if (saved !== null) {
        log.warn(`vantage ${link.vantageId}: ${(err as Error).message}; probing with the last plan the hub sent`);
        return run(saved);
      }
      if (attempt === 0) log.warn(`vantage ${link.vantageId}: ${(err as Error).message}; no plan kept yet, asking again every ${Math.round(retryMs / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
