/** One probe run from start to ProbeResult, so every probe fills the same fields the same way. */
import { type Failure, OUTCOME_OF, classifyError, type Stage } from "@/probes/classify";
import { isUnreadableBody } from "@/probes/body";
import { Clock, readText, type Phases, type TimedResponse } from "@/probes/http";
import { sanitizeMessage, sanitizeRequestId } from "@/probes/sanitize";
import type { ProbeKind, ProbeResult, ProbeTarget } from "@/probes/types";

export type ResultFields = Partial<Omit<ProbeResult, "probe" | "kind" | "model" | "startedAt" | "outcome">>;

/** A response read to its end, with the fields it already tells. */
export interface Exchanged {
  response: TimedResponse;
  text: string;
  fields: ResultFields;
}

/** The clock, the deadline and the result-building of one run. */
export class ProbeRun {
  readonly clock = new Clock();
  /** Aborts on the caller's signal (worker stopping) or the probe's own timeout, whichever first. */
  readonly signal: AbortSignal;
  /** The timeout alone, so the classifier can tell a deadline from a cancellation. */
  private readonly timeout: AbortSignal;

  constructor(
    readonly target: ProbeTarget,
    readonly kind: ProbeKind,
    signal: AbortSignal,
  ) {
    this.timeout = AbortSignal.timeout(target.timeoutMs);
    this.signal = AbortSignal.any([signal, this.timeout]);
  }

  /** The result. Outcome follows errorClass (PRODUCT.md's table); no class means `up`. */
  result(fields: ResultFields): ProbeResult {
    return buildProbeResult(this.target, this.kind, this.clock.startedAt, { totalMs: this.clock.elapsed(), ...fields });
  }

  /** The failure if there is one, else `slow` when `measuredMs` passed the threshold, else up. */
  judge(failure: Failure | null, fields: ResultFields, measuredMs: number | null | undefined, what: string): ProbeResult {
    const slowMs = this.target.slowMs;
    const slow: Failure | null =
      measuredMs != null && measuredMs > slowMs ? { errorClass: "slow", message: `${what} ${Math.round(measuredMs)} ms over the ${slowMs} ms threshold` } : null;
    const found = failure ?? slow;
    return this.result(found ? { ...fields, ...found } : fields);
  }

  /** A result for a thrown network error at `stage`; the phases the request reached ride on the error. */
  thrown(err: unknown, stage: Stage, fields: ResultFields = {}): ProbeResult {
    const phases = (err as { phases?: Phases } | null)?.phases ?? {};
    return this.result({ ...phases, ...fields, ...classifyError(err, stage, this.timeout) });
  }

  /** Send one request and read its whole body. A network failure at either stage comes back as a finished result. */
  async exchange(send: (signal: AbortSignal) => Promise<TimedResponse>, extra: (r: TimedResponse) => ResultFields = () => ({})): Promise<Exchanged | ProbeResult> {
    let response: TimedResponse;
    try {
      response = await send(this.signal);
    } catch (err) {
      return this.thrown(err, "request");
    }
    const known = { ...response.phases, httpStatus: response.status, ...extra(response) };
    try {
      const text = await readText(response.body, this.signal);
      return { response, text, fields: { ...known, totalMs: this.clock.elapsed() } };
    } catch (err) {
      // malformed_response is for 2xx: an error page whose bytes do not decode is still that status's failure.
      if (response.status >= 300 && isUnreadableBody(err)) return { response, text: "", fields: { ...known, totalMs: this.clock.elapsed() } };
      return this.thrown(err, "body", known);
    }
  }
}

/**
 * A ProbeResult for `target`: outcome from errorClass, null for every field not given. Every field an upstream can
 * write (requestId, message) passes the secret redaction here, the one door to the database and the API.
 */
export function buildProbeResult(target: ProbeTarget, kind: ProbeKind, startedAt: Date, fields: ResultFields): ProbeResult {
  const errorClass = fields.errorClass ?? null;
  const secrets = target.apiKey ? [target.apiKey] : [];
  return {
    probe: target.name,
    kind,
    model: target.model,
    startedAt: startedAt.toISOString(),
    outcome: errorClass ? OUTCOME_OF[errorClass] : "up",
    errorClass,
    httpStatus: fields.httpStatus ?? null,
    dnsMs: fields.dnsMs ?? null,
    connectMs: fields.connectMs ?? null,
    tlsMs: fields.tlsMs ?? null,
    ttfbMs: fields.ttfbMs ?? null,
    ttftMs: fields.ttftMs ?? null,
    totalMs: fields.totalMs ?? null,
    outputTokens: fields.outputTokens ?? null,
    tokensPerSecond: fields.tokensPerSecond ?? null,
    requestId: sanitizeRequestId(fields.requestId, secrets),
    message: fields.message == null ? null : sanitizeMessage(fields.message, secrets),
    details: fields.details ?? null,
  };
}

/** Narrow an exchange to a finished result. */
export function isResult<T extends object>(value: T | ProbeResult): value is ProbeResult {
  return "outcome" in value;
}
