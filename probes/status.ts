/** The `status` probe: the official Statuspage v2 summary, fetched and parsed into what the page claims now. */
import { classifyStatus, isNotJson, type Failure } from "@/probes/classify";
import { Clock, joinUrl, readText, timedRequest, type TimedResponse } from "@/probes/http";
import { buildResult, createDeadline, errorResult, failureResult } from "@/probes/result";
import { parseSummary, type StatusSummary } from "@/probes/statuspage";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

export const SUMMARY_PATH = "/api/v2/summary.json";

export interface StatusProbeOutput {
  result: ProbeResult;
  /** What the page claimed; null whenever the page could not be read, which means "official status unknown". */
  summary: StatusSummary | null;
  /** The body as received, for audit; null when none was read. */
  raw: string | null;
}

/** One GET of summary.json. Never throws: an unreadable page is a failed result with no summary. */
export async function probeStatus(target: ProbeTarget, signal: AbortSignal): Promise<StatusProbeOutput> {
  const clock = new Clock();
  const deadline = createDeadline(signal, target.timeoutMs);
  let response: TimedResponse;
  try {
    const headers = { accept: "application/json", "user-agent": target.userAgent };
    response = await timedRequest(joinUrl(target.baseUrl, SUMMARY_PATH), { method: "GET", headers, signal: deadline.signal }, clock);
  } catch (err) {
    return { result: errorResult(target, "status", clock, err, "request", deadline), summary: null, raw: null };
  }
  const known = { ...response.phases, httpStatus: response.status };
  let text: string;
  try {
    text = await readText(response.body);
  } catch (err) {
    return { result: errorResult(target, "status", clock, err, "body", deadline, known), summary: null, raw: null };
  }
  const fields = { ...known, totalMs: clock.elapsed() };
  const failed = classifyStatus("status", response.status, response.headers, text) ?? notJson(response, text);
  if (failed) return { result: failureResult(target, "status", clock, failed, fields), summary: null, raw: text };
  const parsed = parseSummary(text);
  if ("error" in parsed) {
    const failure: Failure = { errorClass: "malformed_response", message: `summary.json ${parsed.error}` };
    return { result: failureResult(target, "status", clock, failure, fields), summary: null, raw: text };
  }
  const message = describeSummary(parsed.summary);
  return { result: buildResult(target, "status", clock, { ...fields, message }), summary: parsed.summary, raw: text };
}

function notJson(response: TimedResponse, text: string): Failure | null {
  if (response.status >= 300) return { errorClass: "malformed_response", message: `HTTP ${response.status} instead of summary.json` };
  return isNotJson(response.headers, text) ? { errorClass: "malformed_response", message: `HTTP ${response.status} HTML where JSON belongs` } : null;
}

/** "major: Partial System Outage; 2 components not operational; 1 open incident". */
function describeSummary(summary: StatusSummary): string {
  const notOperational = summary.components.filter((c) => c.status !== "operational").length;
  const open = summary.incidents.length;
  return `${summary.status.indicator}: ${summary.status.description}; ${notOperational} components not operational; ${open} open incident${open === 1 ? "" : "s"}`;
}
