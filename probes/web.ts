/**
 * The `web` probe, one GET of claude.ai, and the `console` probe, one GET of the Claude Console: the same front-page
 * check for two sites. A Cloudflare challenge means reachable-but-blocked, not down.
 */
import { classifyStatus, type Failure } from "@/probes/classify";
import { headerValue, joinUrl, timedRequest, type TimedResponse } from "@/probes/http";
import { isResult, ProbeRun } from "@/probes/result";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** One GET of the web app's front page, not following redirects. Never throws. */
export function probeWeb(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  return probeFrontPage("web", target, signal);
}

/** One GET of the Console's front page, judged exactly like claude.ai's. Never throws. */
export function probeConsole(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  return probeFrontPage("console", target, signal);
}

async function probeFrontPage(kind: "web" | "console", target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const run = new ProbeRun(target, kind, signal);
  const headers = { accept: "text/html,application/xhtml+xml", "user-agent": target.userAgent };
  const got = await run.exchange(
    (signal) => timedRequest(joinUrl(target.baseUrl, "/"), { method: "GET", headers, signal }, run.clock),
    (response) => ({ requestId: headerValue(response.headers, "cf-ray") }),
  );
  if (isResult(got)) return got;
  return run.judge(judgeFrontPage(kind, got.response, got.text), got.fields, got.fields.totalMs, "total");
}

function judgeFrontPage(kind: "web" | "console", response: TimedResponse, text: string): Failure | null {
  const failed = classifyStatus(kind, response.status, response.headers, text);
  if (failed) return failed;
  // A redirect (to a login or a locale) is the app answering; following it would be a second request.
  if (response.status >= 300) return null;
  if (text.trim() === "") return { errorClass: "empty_response", message: `HTTP ${response.status} with an empty page` };
  if (!/<html|<!doctype html/i.test(text.slice(0, 2048))) {
    return { errorClass: "malformed_response", message: `HTTP ${response.status} that is not an HTML page` };
  }
  return null;
}
