/** The `messages` probe: one non-streaming Messages call with a tiny prompt whose answer is checked. */
import { postMessages, requestIdOf, isRightAnswer } from "@/probes/anthropic";
import { classifyStatus, isNotJson, type Failure } from "@/probes/classify";
import { Clock, readText, type TimedResponse } from "@/probes/http";
import { buildResult, createDeadline, errorResult, failureResult, slowFailure } from "@/probes/result";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** One non-streaming Messages call, read to the end of its body. Never throws: failures come back as a result. */
export async function probeMessages(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const clock = new Clock();
  const deadline = createDeadline(signal, target.timeoutMs);
  let response: TimedResponse;
  try {
    response = await postMessages(target, false, clock, deadline.signal);
  } catch (err) {
    return errorResult(target, "messages", clock, err, "request", deadline);
  }
  const known = { ...response.phases, httpStatus: response.status };
  let text: string;
  try {
    text = await readText(response.body);
  } catch (err) {
    return errorResult(target, "messages", clock, err, "body", deadline, { ...known, requestId: requestIdOf(response) });
  }
  const fields = { ...known, totalMs: clock.elapsed(), requestId: requestIdOf(response, text) };
  const reply = parseReply(response, text);
  if ("errorClass" in reply) return failureResult(target, "messages", clock, reply, fields);
  const outputTokens = reply.outputTokens;
  if (!isRightAnswer(target, reply.text)) {
    const failure: Failure = { errorClass: "wrong_answer", message: `expected "${target.answer.expect}", got "${reply.text}"` };
    return failureResult(target, "messages", clock, failure, { ...fields, outputTokens });
  }
  const slow = slowFailure(fields.totalMs, target.slowMs, "total");
  if (slow) return failureResult(target, "messages", clock, slow, { ...fields, outputTokens });
  return buildResult(target, "messages", clock, { ...fields, outputTokens });
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
