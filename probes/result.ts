/** Turning what a probe saw into the one ProbeResult shape, so every probe fills the same fields the same way. */
import { type Clock, type Phases } from "@/probes/http";
import { type Failure, OUTCOME_OF, classifyError, type Stage } from "@/probes/classify";
import { sanitizeMessage } from "@/probes/sanitize";
import type { ProbeKind, ProbeResult, ProbeTarget } from "@/probes/types";

export type ResultFields = Partial<Omit<ProbeResult, "probe" | "kind" | "model" | "startedAt" | "outcome">>;

const NO_PHASES: Phases = { dnsMs: null, connectMs: null, tlsMs: null, ttfbMs: null };

/** A result for this target. Outcome follows errorClass (PRODUCT.md's table); no class means `up`. */
export function buildResult(target: ProbeTarget, kind: ProbeKind, clock: Clock, fields: ResultFields): ProbeResult {
  const errorClass = fields.errorClass ?? null;
  const secrets = target.apiKey ? [target.apiKey] : [];
  return {
    probe: target.name,
    kind,
    model: target.model,
    startedAt: clock.startedAt.toISOString(),
    outcome: errorClass ? OUTCOME_OF[errorClass] : "up",
    errorClass,
    httpStatus: fields.httpStatus ?? null,
    dnsMs: fields.dnsMs ?? null,
    connectMs: fields.connectMs ?? null,
    tlsMs: fields.tlsMs ?? null,
    ttfbMs: fields.ttfbMs ?? null,
    ttftMs: fields.ttftMs ?? null,
    totalMs: fields.totalMs ?? clock.elapsed(),
    outputTokens: fields.outputTokens ?? null,
    tokensPerSecond: fields.tokensPerSecond ?? null,
    requestId: fields.requestId ?? null,
    message: fields.message == null ? null : sanitizeMessage(fields.message, secrets),
  };
}

/** A result for a failure, keeping whatever phases were reached. */
export function failureResult(
  target: ProbeTarget,
  kind: ProbeKind,
  clock: Clock,
  failure: Failure,
  fields: ResultFields = {},
): ProbeResult {
  return buildResult(target, kind, clock, { ...fields, errorClass: failure.errorClass, message: failure.message });
}

/** A result for a thrown network error at `stage`; the phases the request reached ride on the error. */
export function errorResult(
  target: ProbeTarget,
  kind: ProbeKind,
  clock: Clock,
  err: unknown,
  stage: Stage,
  deadline: Deadline,
  fields: ResultFields = {},
): ProbeResult {
  const phases = (err as { phases?: Phases } | null)?.phases ?? NO_PHASES;
  return failureResult(target, kind, clock, classifyError(err, stage, deadline.timeout), { ...phases, ...fields });
}

/** `slow` when a working probe took longer than its threshold on the measure that matters for its kind. */
export function slowFailure(measuredMs: number | null, slowMs: number, what: string): Failure | null {
  if (measuredMs == null || measuredMs <= slowMs) return null;
  return { errorClass: "slow", message: `${what} ${Math.round(measuredMs)} ms over the ${slowMs} ms threshold` };
}

export interface Deadline {
  /** Aborts on the caller's signal (worker stopping) or the probe's own timeout, whichever first. */
  signal: AbortSignal;
  /** The timeout alone, so the classifier can tell a deadline from a cancellation. */
  timeout: AbortSignal;
}

/** The deadline of one run. */
export function createDeadline(signal: AbortSignal, timeoutMs: number): Deadline {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: AbortSignal.any([signal, timeout]), timeout };
}
