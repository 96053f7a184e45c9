/** The `edge` probe: a keyless Messages call. The expected 401 means DNS, TLS, Cloudflare and the API front door work. */
import { postMessages, requestIdOf } from "@/probes/anthropic";
import { classifyStatus, parseApiError, type Failure } from "@/probes/classify";
import type { TimedResponse } from "@/probes/http";
import { isResult, ProbeRun } from "@/probes/result";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** One keyless POST /v1/messages; up when it answers 401 authentication_error. Never throws. */
export async function probeEdge(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  // Whatever the caller passed, this probe is keyless by definition.
  const keyless: ProbeTarget = { ...target, apiKey: undefined };
  const run = new ProbeRun(keyless, "edge", signal);
  const got = await run.exchange((signal) => postMessages(keyless, false, run.clock, signal));
  if (isResult(got)) return got;
  const fields = { ...got.fields, requestId: requestIdOf(got.response, got.text) };
  return run.judge(judgeEdge(got.response, got.text), fields, fields.ttfbMs, "TTFB");
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
