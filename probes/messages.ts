/** The `messages` probe: one non-streaming Messages call with a tiny prompt whose answer is checked. */
import { blockTypeOf, judgeAnswer, postMessages, requestIdOf, stopReasonOf, type Answer } from "@/probes/anthropic";
import { classifyStatus, isNotJson, type Failure } from "@/probes/classify";
import type { TimedResponse } from "@/probes/http";
import { isResult, ProbeRun } from "@/probes/result";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** One non-streaming Messages call, read to the end of its body. Never throws: failures come back as a result. */
export async function probeMessages(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const run = new ProbeRun(target, "messages", signal);
  const got = await run.exchange(
    (signal) => postMessages(target, false, run.clock, signal),
    (response) => ({ requestId: requestIdOf(response) }),
  );
  if (isResult(got)) return got;
  const fields = { ...got.fields, requestId: requestIdOf(got.response, got.text) };
  const reply = parseReply(got.response, got.text);
  if ("errorClass" in reply) return run.result({ ...fields, ...reply });
  return run.judge(judgeAnswer(target, reply), { ...fields, outputTokens: reply.outputTokens }, fields.totalMs, "total");
}

interface Reply extends Answer {
  outputTokens: number | null;
}

/** The reply text of a 2xx Messages body, or why there is none. */
function parseReply(response: TimedResponse, text: string): Reply | Failure {
  const failed = classifyStatus("messages", response.status, response.headers, text);
  if (failed) return failed;
  if (isNotJson(response.headers, text)) return { errorClass: "malformed_response", message: `HTTP ${response.status} with a non-JSON body` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { errorClass: "malformed_response", message: `HTTP ${response.status} body is not valid JSON (${text.length} bytes)` };
  }
  const message = body as { type?: unknown; content?: unknown; stop_reason?: unknown; usage?: { output_tokens?: unknown } };
  if (message?.type !== "message" || !Array.isArray(message.content)) {
    return { errorClass: "malformed_response", message: `HTTP ${response.status} body is not a message` };
  }
  const blocks = message.content as { type?: unknown; text?: unknown }[];
  return {
    text: blocks.map((block) => (block?.type === "text" && typeof block.text === "string" ? block.text : "")).join(""),
    blockTypes: blocks.map(blockTypeOf),
    stopReason: stopReasonOf(message.stop_reason),
    outputTokens: typeof message.usage?.output_tokens === "number" ? message.usage.output_tokens : null,
  };
}
