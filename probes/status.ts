/** The `status` probe: the official Statuspage v2 summary, fetched and parsed into what the page claims now. */
import { classifyStatus, isNotJson, type Failure } from "@/probes/classify";
import { joinUrl, timedRequest, type TimedResponse } from "@/probes/http";
import { isResult, ProbeRun } from "@/probes/result";
import { readSummary, type StatusSummary } from "@/probes/statuspage";
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
  const run = new ProbeRun(target, "status", signal);
  const headers = { accept: "application/json", "user-agent": target.userAgent };
  const got = await run.exchange((signal) => timedRequest(joinUrl(target.baseUrl, SUMMARY_PATH), { method: "GET", headers, signal }, run.clock));
  if (isResult(got)) return { result: got, summary: null, raw: null };
  const failed = classifyStatus("status", got.response.status, got.response.headers, got.text) ?? notJson(got.response, got.text);
  if (failed) return { result: run.result({ ...got.fields, ...failed }), summary: null, raw: got.text };
  const parsed = await readSummary(got.text);
  if ("error" in parsed) {
    return { result: run.result({ ...got.fields, errorClass: "malformed_response", message: `summary.json ${parsed.error}` }), summary: null, raw: got.text };
  }
  const message = describeSummary(parsed.summary) + (parsed.notes ? `; ${parsed.notes}` : "");
  const result = run.judge(null, { ...got.fields, message }, got.fields.totalMs, "total");
  return { result, summary: parsed.summary, raw: got.text };
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
