/** The `messages` probe: one non-streaming Messages call with a tiny prompt whose answer is checked. */
import { isRightAnswer, postMessages, requestIdOf } from "@/probes/anthropic";
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
  const wrong: Failure | null = isRightAnswer(target, reply.text)
    ? null
    : { errorClass: "wrong_answer", message: `expected "${target.answer.expect}", got "${reply.text}"` };
  return run.judge(wrong, { ...fields, outputTokens: reply.outputTokens }, fields.totalMs, "total");
}

interface Reply {
  text: string;
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
  const message = body as { type?: unknown; content?: unknown; usage?: { output_tokens?: unknown } };
  if (message?.type !== "message" || !Array.isArray(message.content)) {
    return { errorClass: "malformed_response", message: `HTTP ${response.status} body is not a message` };
  }
  const reply = message.content
    .filter((block): block is { type: "text"; text: string } => block?.type === "text" && typeof block.text === "string")
    .map((block) => block.text)
    .join("");
  if (reply.trim() === "") {
    const what = message.content.length === 0 ? "content: []" : "only empty text";
    return { errorClass: "empty_response", message: `HTTP ${response.status} with ${what}` };
  }
  const outputTokens = typeof message.usage?.output_tokens === "number" ? message.usage.output_tokens : null;
  return { text: reply, outputTokens };
}
