/** The `web` probe: one GET of claude.ai. A Cloudflare challenge means reachable-but-blocked, not down. */
import { classifyStatus, type Failure } from "@/probes/classify";
import { Clock, headerValue, joinUrl, readText, timedRequest, type TimedResponse } from "@/probes/http";
import { buildResult, createDeadline, errorResult, failureResult, slowFailure } from "@/probes/result";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** One GET of the web app's front page, not following redirects. Never throws. */
export async function probeWeb(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const clock = new Clock();
  const deadline = createDeadline(signal, target.timeoutMs);
  let response: TimedResponse;
  try {
    const headers = { accept: "text/html,application/xhtml+xml", "user-agent": target.userAgent };
    response = await timedRequest(joinUrl(target.baseUrl, "/"), { method: "GET", headers, signal: deadline.signal }, clock);
  } catch (err) {
    return errorResult(target, "web", clock, err, "request", deadline);
  }
  const known = { ...response.phases, httpStatus: response.status, requestId: headerValue(response.headers, "cf-ray") };
  let text: string;
  try {
    text = await readText(response.body);
  } catch (err) {
    return errorResult(target, "web", clock, err, "body", deadline, known);
  }
  const fields = { ...known, totalMs: clock.elapsed() };
  const failure = judgeWeb(response, text);
  if (failure) return failureResult(target, "web", clock, failure, fields);
  const slow = slowFailure(fields.totalMs, target.slowMs, "total");
  return slow ? failureResult(target, "web", clock, slow, fields) : buildResult(target, "web", clock, fields);
}

function judgeWeb(response: TimedResponse, text: string): Failure | null {
  const failed = classifyStatus("web", response.status, response.headers, text);
  if (failed) return failed;
  // A redirect (to a login or a locale) is the app answering; following it would be a second request.
  if (response.status >= 300) return null;
  if (text.trim() === "") return { errorClass: "empty_response", message: `HTTP ${response.status} with an empty page` };
  if (!/<html|<!doctype html/i.test(text.slice(0, 2048))) {
    return { errorClass: "malformed_response", message: `HTTP ${response.status} that is not an HTML page` };
  }
  return null;
}
