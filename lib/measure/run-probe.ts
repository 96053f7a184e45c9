/** One probe run by kind, with the two things a probe cannot judge alone: its own crash, and our own network. */
import { judgeOwnNetwork, type OwnNetwork } from "@/lib/measure/connectivity";
import { probeBrowser } from "@/probes/browser";
import { probeCode } from "@/probes/code";
import { probeEdge } from "@/probes/edge";
import { probeMessages } from "@/probes/messages";
import { buildProbeResult } from "@/probes/result";
import { sanitizeMessage } from "@/probes/sanitize";
import { probeStatus, type StatusProbeOutput } from "@/probes/status";
import { probeStream } from "@/probes/stream";
import type { ProbeKind, ProbeResult, ProbeTarget } from "@/probes/types";
import { probeConsole, probeWeb } from "@/probes/web";

export interface RunOutput {
  result: ProbeResult;
  /** Only for the status kind: what the official page said (null when unreadable). */
  status?: StatusProbeOutput;
  /** Only for the browser kind: a JPEG of the page at the end of a failed run. */
  screenshot?: Buffer | null;
}

/** Run one probe. Never throws: an unexpected exception becomes an inconclusive result that says so. */
export async function runProbe(kind: ProbeKind, target: ProbeTarget, signal: AbortSignal, network: OwnNetwork): Promise<RunOutput> {
  const startedAt = new Date();
  try {
    if (kind === "status") {
      const status = await probeStatus(target, signal);
      return { result: await judgeOwnNetwork(status.result, target.baseUrl, network), status };
    }
    if (kind === "browser") {
      const browser = await probeBrowser(target, signal);
      return { result: await judgeOwnNetwork(browser.result, target.baseUrl, network), screenshot: browser.screenshot };
    }
    const probe = { messages: probeMessages, stream: probeStream, edge: probeEdge, web: probeWeb, console: probeConsole, code: probeCode }[kind];
    return { result: await judgeOwnNetwork(await probe(target, signal), target.baseUrl, network) };
  } catch (err) {
    // A bug of ours is not an outage of Claude's: inconclusive, with no error class from the table.
    const text = err instanceof Error ? err.message : String(err);
    return { result: crashedResult(kind, target, startedAt, sanitizeMessage(`probe crashed: ${text}`, target.apiKey ? [target.apiKey] : [])) };
  }
}

function crashedResult(kind: ProbeKind, target: ProbeTarget, startedAt: Date, message: string): ProbeResult {
  return { ...buildProbeResult(target, kind, startedAt, { message, totalMs: Date.now() - startedAt.getTime() }), outcome: "inconclusive" };
}
