/** From configuration to the list of probe runs: one per kind, and one per model for the keyed kinds. */
import type { Config } from "@/lib/config";
import { CHROMIUM_CANDIDATES, findChromium } from "@/probes/browser";
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
  /** The one log line when the browser kind was selected but no Chromium was found; null otherwise. */
  skippedForBrowser: string | null;
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
  const skippedForKey = selected.filter((kind) => lacksKey(config, kind));
  const chromium = selected.includes("browser") ? findChromium(config.chromiumPath) : null;
  const skippedForBrowser = selected.includes("browser") && !chromium ? noChromiumLine(config.chromiumPath) : null;
  const probes: PlannedProbe[] = [];
  for (const kind of selected) {
    if (skippedForKey.includes(kind) || (kind === "browser" && !chromium)) continue;
    const models = KEYED_KINDS.includes(kind) ? config.models : [null];
    for (const model of models) {
      const target = buildTarget(config, kind, model, options);
      if (kind === "browser" && chromium) {
        const { readySelector, firstPartyHosts } = config.probes.browser;
        target.browser = { chromiumPath: chromium, readySelector, firstPartyHosts, childScript: config.browserChild };
      }
      probes.push({ kind, target, intervalSeconds: config.probes[kind].intervalSeconds });
    }
  }
  return { probes, skippedForKey, skippedForBrowser };
}

function noChromiumLine(configured: string | null): string {
  const looked = configured ? `CHROMIUM_PATH=${configured} is not an executable file` : `no Chromium in ${CHROMIUM_CANDIDATES.join(", ")}`;
  return `${looked}: skipping browser (install chromium, or set CHROMIUM_PATH to a Chromium or Chrome binary, to enable it)`;
}

/** A keyed kind with no ANTHROPIC_API_KEY: planned out, with one log line. */
function lacksKey(config: Pick<Config, "apiKey">, kind: ProbeKind): boolean {
  return !config.apiKey && KEYED_KINDS.includes(kind);
}

/**
 * Why the plan probes none of `kinds` (a surface's), or null when it probes at least one: every kind turned off, or
 * only keyed kinds and no key. The page says it instead of "no recent measurements".
 */
export function unprobedReason(config: Pick<Config, "probes" | "apiKey">, kinds: readonly ProbeKind[]): string | null {
  const enabled = kinds.filter((k) => config.probes[k].enabled);
  if (enabled.length === 0) return "its probes are turned off in the configuration";
  if (enabled.every((k) => lacksKey(config, k))) return "it needs ANTHROPIC_API_KEY";
  return null;
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
