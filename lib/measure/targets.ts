/** From configuration to the list of probe runs: one per kind, and one per model for the keyed kinds. */
import type { Config } from "@/lib/config";
import { KEYED_KINDS, PROBE_KINDS, type ProbeKind, type ProbeTarget } from "@/probes/types";

export interface PlannedProbe {
  kind: ProbeKind;
  target: ProbeTarget;
  intervalSeconds: number;
}

export interface Plan {
  probes: PlannedProbe[];
  /** Kinds selected but skipped because ANTHROPIC_API_KEY is unset. */
  skippedForKey: ProbeKind[];
}

export interface PlanOptions {
  only?: readonly ProbeKind[];
  /** Replaces every probe's deadline and caps its stream idle timeout (the CLI's --timeout). */
  timeoutMs?: number;
}

/** The series name: `stream:claude-haiku-4-5` for per-model kinds, the kind alone for the others. */
export function seriesName(kind: ProbeKind, model: string | null): string {
  return model ? `${kind}:${model}` : kind;
}

/** Every probe the configuration asks for, in a stable order. */
export function planProbes(config: Config, options: PlanOptions = {}): Plan {
  const selected = PROBE_KINDS.filter((kind) => (options.only ? options.only.includes(kind) : config.probes[kind].enabled));
  const skippedForKey = config.apiKey ? [] : selected.filter((kind) => KEYED_KINDS.includes(kind));
  const probes: PlannedProbe[] = [];
  for (const kind of selected) {
    if (skippedForKey.includes(kind)) continue;
    const models = KEYED_KINDS.includes(kind) ? config.models : [null];
    for (const model of models) probes.push({ kind, target: buildTarget(config, kind, model, options), intervalSeconds: config.probes[kind].intervalSeconds });
  }
  return { probes, skippedForKey };
}

function buildTarget(config: Config, kind: ProbeKind, model: string | null, options: PlanOptions): ProbeTarget {
  const settings = config.probes[kind];
  const timeoutMs = options.timeoutMs ?? settings.timeoutMs;
  return {
    name: seriesName(kind, model),
    baseUrl: baseUrlOf(config, kind),
    model,
    apiKey: KEYED_KINDS.includes(kind) ? (config.apiKey ?? undefined) : undefined,
    timeoutMs,
    idleTimeoutMs: Math.min(settings.idleTimeoutMs, timeoutMs),
    slowMs: settings.slowMs,
    maxTokens: config.maxTokens,
    answer: config.answer,
    userAgent: config.userAgent,
  };
}

/** Where a kind's requests go. */
export function baseUrlOf(config: Config, kind: ProbeKind): string {
  if (kind === "web" || kind === "browser") return config.webUrl;
  if (kind === "console") return config.consoleUrl;
  if (kind === "status") return config.statusPageUrl;
  return config.anthropicBaseUrl;
}
