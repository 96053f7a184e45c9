/** The `edge` probe: a keyless Messages call. The expected 401 means DNS, TLS, Cloudflare and the API front door work. */
import { postMessages, requestIdOf } from "@/probes/anthropic";
import { classifyStatus, parseApiError, type Failure } from "@/probes/classify";
import { Clock, readText, type TimedResponse } from "@/probes/http";
import { buildResult, createDeadline, errorResult, failureResult, slowFailure } from "@/probes/result";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** One keyless POST /v1/messages; up when it answers 401 authentication_error. Never throws. */
export async function probeEdge(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const clock = new Clock();
  const deadline = createDeadline(signal, target.timeoutMs);
  // Whatever the caller passed, this probe is keyless by definition.
  const keyless: ProbeTarget = { ...target, apiKey: undefined };
  let response: TimedResponse;
  try {
    response = await postMessages(keyless, false, clock, deadline.signal);
  } catch (err) {
    return errorResult(keyless, "edge", clock, err, "request", deadline);
  }
  const known = { ...response.phases, httpStatus: response.status };
  let text: string;
  try {
    text = await readText(response.body);
  } catch (err) {
    return errorResult(keyless, "edge", clock, err, "body", deadline, known);
  }
  const fields = { ...known, totalMs: clock.elapsed(), requestId: requestIdOf(response, text) };
  const failure = judgeEdge(response, text);
  if (failure) return failureResult(keyless, "edge", clock, failure, fields);
  const slow = slowFailure(fields.ttfbMs, target.slowMs, "TTFB");
  return slow ? failureResult(keyless, "edge", clock, slow, fields) : buildResult(keyless, "edge", clock, fields);
}

function judgeEdge(response: TimedResponse, text: string): Failure | null {
  if (response.status === 401 && parseApiError(text)?.type === "authentication_error") return null;
  const failed = classifyStatus("edge", response.status, response.headers, text);
  // A 401 of another shape, or a 2xx to a request with no key, is not the API we know answering.
  if (!failed || response.status === 401) {
    return { errorClass: "malformed_response", message: `HTTP ${response.status} where a keyless request expects 401 authentication_error` };
  }
  return failed;
}
