/**
 * Fault names, the spec that selects one, and the board that decides which fault a given request gets.
 * Untrusted input (control-call JSON, path segments) is validated here so handlers only ever see clean specs.
 */
import type { ToolStep } from "./tool-use";

export const FAULTS = [
  "none",
  "http_500",
  "http_504",
  "http_502_html",
  "http_503_html",
  "cf_522",
  "overloaded",
  "overloaded_legacy",
  "rate_limited",
  "spend_cap",
  "unauthorized",
  "forbidden_1010",
  "challenge",
  "bad_request",
  "retired_model",
  "empty_content",
  "empty_text",
  "html_200",
  "invalid_json",
  "wrong_shape",
  "hang",
  "reset_before_headers",
  "reset_after_headers",
  "stream_error",
  "stream_truncated",
  "stream_no_text",
  "stream_stall",
  "one_byte_chunks",
  "crlf",
  "wrong_answer",
  // Seen in recorded real responses: answers of other shapes, headers and bodies the above lack.
  "overloaded_no_details",
  "thinking",
  "tool_use",
  "refusal",
  "citations",
  "chunked_json",
  // What a proxy may do unasked: compress (and get it wrong), or hold a close-delimited body open.
  "gzip",
  "br",
  "deflate",
  "gzip_garbage",
  "gzip_bomb",
  "gzip_cut",
  "close_delimited_stall",
  // A gateway that echoes request headers into its answer, x-api-key included.
  "echo_key",
  // A valid document with one key nested 400,000 deep (lib/simulator/deep-json.ts).
  "deep_json",
  // 403s from real recordings: a network or region refused (the API's edge, claude.ai), and a key without permission.
  "region_forbidden",
  "region_unavailable",
  "key_forbidden",
  // Cloudflare's 522 as the JSON problem document it sends a client that accepts JSON.
  "cf_522_json",
  // Tool calls gone wrong (lib/simulator/tool-use.ts): only a request that offers tools and awaits the call sees them.
  "tool_text",
  "tool_input_cut",
  "tool_unknown",
  "tool_missing_key",
  "tool_bad_json",
  // The app target (lib/simulator/app.ts): what a real browser meets behind a healthy front page.
  "bootstrap_500",
  "bootstrap_529",
  "bootstrap_429",
  "bootstrap_hang",
  "script_404",
  "script_throw",
  "page_error",
  "third_party_500",
  "challenge_clears",
  "challenge_stays",
] as const;
export type Fault = (typeof FAULTS)[number];

export const TARGETS = ["api", "web", "status", "console", "app"] as const;
export type Target = (typeof TARGETS)[number];

export interface FaultSpec {
  fault: Fault;
  ttfbMs?: number;
  gapMs?: number;
  models?: string[];
  mode?: "json" | "stream";
  /** API only: just the tool call, or just the request that carries its tool_result (a tool round trip's step 2). */
  step?: ToolStep;
  every?: number;
}

/** What one request actually gets once filters and `every` have been weighed. */
export interface Applied {
  fault: Fault;
  ttfbMs: number;
  gapMs: number;
}

export const HEALTHY: Applied = Object.freeze({ fault: "none", ttfbMs: 0, gapMs: 0 });

/** Bad input from a caller; the server turns it into a 400 rather than a crash. */
export class SpecError extends Error {}

/** True when `value` is one of FAULTS. */
export function isFault(value: unknown): value is Fault {
  return typeof value === "string" && (FAULTS as readonly string[]).includes(value);
}

/** True when `value` is one of TARGETS. */
export function isTarget(value: unknown): value is Target {
  return typeof value === "string" && (TARGETS as readonly string[]).includes(value);
}

/** Validate a fault name or spec-shaped object into a FaultSpec; throws SpecError naming the bad field. */
export function toFaultSpec(input: unknown): FaultSpec {
  if (typeof input === "string") input = { fault: input };
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new SpecError("fault spec must be an object");
  const raw = input as Record<string, unknown>;
  if (!isFault(raw.fault)) throw new SpecError(`unknown fault ${JSON.stringify(raw.fault)}; known: ${FAULTS.join(", ")}`);
  const spec: FaultSpec = { fault: raw.fault };
  if (raw.ttfbMs !== undefined) spec.ttfbMs = millis(raw.ttfbMs, "ttfbMs");
  if (raw.gapMs !== undefined) spec.gapMs = millis(raw.gapMs, "gapMs");
  if (raw.every !== undefined) spec.every = everyN(raw.every, "every");
  if (raw.mode !== undefined) {
    if (raw.mode !== "json" && raw.mode !== "stream") throw new SpecError('mode must be "json" or "stream"');
    spec.mode = raw.mode;
  }
  if (raw.step !== undefined) {
    if (raw.step !== "call" && raw.step !== "result") throw new SpecError('step must be "call" or "result"');
    spec.step = raw.step;
  }
  if (raw.models !== undefined) {
    if (!Array.isArray(raw.models) || !raw.models.every((m): m is string => typeof m === "string")) {
      throw new SpecError("models must be an array of model id strings");
    }
    spec.models = [...raw.models];
  }
  return spec;
}

/** Parse a path segment like `fault:overloaded,ttfb:300,gap:50,every:2`; throws SpecError on anything unknown. */
export function parsePathSpec(segment: string): FaultSpec {
  const spec: FaultSpec = { fault: "none" };
  for (const pair of segment.split(",")) {
    if (pair === "") continue;
    const colon = pair.indexOf(":");
    const key = colon < 0 ? pair : pair.slice(0, colon);
    const value = colon < 0 ? "" : pair.slice(colon + 1);
    if (key === "fault") {
      if (!isFault(value)) throw new SpecError(`unknown fault ${JSON.stringify(value)} in path; known: ${FAULTS.join(", ")}`);
      spec.fault = value;
    } else if (key === "ttfb") spec.ttfbMs = millis(Number(value), "ttfb");
    else if (key === "gap") spec.gapMs = millis(Number(value), "gap");
    else if (key === "every") spec.every = everyN(Number(value), "every");
    else throw new SpecError(`unknown key ${JSON.stringify(key)} in path spec; known: fault, ttfb, gap, every`);
  }
  return spec;
}

function millis(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new SpecError(`${name} must be a number >= 0`);
  return value;
}

function everyN(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new SpecError(`${name} must be an integer >= 1`);
  return value;
}

/** What the board needs to know about a request to apply `models`, `mode` and `every`. */
export interface RequestTraits {
  model: string | null;
  stream: boolean;
  /** The tool round trip's step, or null for a request that offers no tools. */
  step?: ToolStep | null;
  /** It carries an API key (the edge probe's request does not). */
  keyed?: boolean;
}

/** Per-target fault specs plus the counters behind `every`. */
export class FaultBoard {
  private readonly specs = new Map<Target, FaultSpec>();
  private readonly counters = new Map<string, number>();

  /** Replace a target's fault; its `every` counts restart so "every 3rd" means from now. */
  set(target: Target, spec: FaultSpec): void {
    this.specs.set(target, spec);
    for (const key of [...this.counters.keys()]) if (key.startsWith(`control:${target}|`)) this.counters.delete(key);
  }

  /** The current spec of each target. */
  snapshot(): Record<Target, FaultSpec> {
    return { api: this.get("api"), web: this.get("web"), status: this.get("status"), console: this.get("console"), app: this.get("app") };
  }

  /** All targets healthy and all counters cleared. */
  reset(): void {
    this.specs.clear();
    this.counters.clear();
  }

  /** Decide what this request gets. A path spec replaces the control spec outright; both count `every` apart. */
  resolve(target: Target, traits: RequestTraits, path: { segment: string; spec: FaultSpec } | null): Applied {
    const spec = path ? path.spec : this.get(target);
    // "Every N" counts per request shape, i.e. per probe series (model, streaming or not, keyed or not, tools or
    // not): each series then alternates whatever the others do, a tick skipped or late, or a new kind of client
    // (the demo's act 2 relies on messages, stream and edge each alternating).
    const shape = [traits.model ?? "-", traits.stream ? "stream" : "json", traits.keyed ? "keyed" : "keyless", traits.step ? "tools" : "plain"].join(",");
    const counted = `${path ? `path:${target}:${path.segment}` : `control:${target}`}|${shape}`;
    if (target === "api" && !matchesApiFilters(spec, traits)) return HEALTHY;
    const every = spec.every ?? 1;
    if (every > 1) {
      const n = (this.counters.get(counted) ?? 0) + 1;
      this.counters.set(counted, n);
      if (n % every !== 0) return HEALTHY;
    }
    return { fault: spec.fault, ttfbMs: spec.ttfbMs ?? 0, gapMs: spec.gapMs ?? 0 };
  }

  /** A target's current fault, without counting a request toward its `every`. */
  current(target: Target): Fault {
    return this.get(target).fault;
  }

  private get(target: Target): FaultSpec {
    return this.specs.get(target) ?? { fault: "none" };
  }
}

function matchesApiFilters(spec: FaultSpec, traits: RequestTraits): boolean {
  if (spec.models && (traits.model === null || !spec.models.includes(traits.model))) return false;
  if (spec.mode && spec.mode !== (traits.stream ? "stream" : "json")) return false;
  if (spec.step && spec.step !== traits.step) return false;
  return true;
}
