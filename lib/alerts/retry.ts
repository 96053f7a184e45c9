/** When a delivery is tried again, as functions of their inputs: the receiver's backoff and the give-up rule. */
import type { AlertsConfig, DeliveryOutcome } from "@/lib/alerts/types";
import type { AlertOutboxRow } from "@/db/schema";

/** The wait before attempt `attempts + 1`: firstDelayMs doubled per attempt up to maxDelayMs, half of it random. */
export function backoffMs(attempts: number, retry: AlertsConfig["retry"], random: () => number = Math.random): number {
  const base = Math.min(retry.maxDelayMs, retry.firstDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base / 2 + (base / 2) * random());
}

export type NextStep = { state: "pending"; nextAttemptAt: number } | { state: "failed"; why: string };

/** After a failed attempt at `at`: try again later, or give up (refused, or not accepted within giveUpAfterMinutes). */
export function afterFailure(row: Pick<AlertOutboxRow, "attempts" | "createdAt">, outcome: Extract<DeliveryOutcome, { ok: false }>, at: number, config: AlertsConfig, random?: () => number): NextStep {
  const giveUpAt = row.createdAt.getTime() + config.giveUpAfterMinutes * 60_000;
  if (!outcome.retryable) return { state: "failed", why: "refused" };
  if (at >= giveUpAt) return { state: "failed", why: `not accepted within ${config.giveUpAfterMinutes} min` };
  // The receiver said when: honour it (it is rate limiting us), but never past the give-up time.
  const wait = outcome.retryAfterMs !== null ? Math.max(outcome.retryAfterMs, 0) : backoffMs(row.attempts + 1, config.retry, random);
  return { state: "pending", nextAttemptAt: Math.min(at + wait, giveUpAt) };
}
