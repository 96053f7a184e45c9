/**
 * The probe plan between a hub and its vantages: the hub answers its own (`planOf`), a vantage runs it over its local
 * config (`applyPlan`): its key, base URLs, database and connectivity check stay its own.
 */
import { planSchema, type Config, type ProbePlan } from "@/lib/config";

/** A vantage's worker exits with this when the hub's plan changed; `npm run vantage` then starts it again at once. */
export const PLAN_CHANGED_EXIT = 75;

/** The plan this hub runs and hands out. */
export function planOf(config: Config): ProbePlan {
  return { models: config.models, probes: config.probes, answer: config.answer, maxTokens: config.maxTokens };
}

/** `config` running `plan` (as JSON from the hub or the vantage's own store); throws with the first problem when it is not a plan. */
export function applyPlan(config: Config, plan: unknown): Config {
  const parsed = planSchema.safeParse(plan);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`the hub's probe plan is not valid: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return { ...config, ...parsed.data };
}

/** The same plan, whatever the key order: what a vantage compares to see whether it changed. */
export function samePlan(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
