/** The `stream` probe: one streaming Messages call read to `message_stop`, with TTFT and tokens per second. */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { IncomingMessage } from "node:http";
import { postMessages, requestIdOf, isRightAnswer } from "@/probes/anthropic";
import { IDLE_TIMEOUT_CODE, classifyStatus, isNotJson, parseApiError, type Failure } from "@/probes/classify";
import { type Clock, headerValue, type TimedResponse } from "@/probes/http";
import { isResult, ProbeRun, type ResultFields } from "@/probes/result";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** What the stream has shown so far. */
interface StreamState {
  text: string;
  ttftMs: number | null;
  outputTokens: number | null;
  stopped: boolean;
  failure: Failure | null;
}

/** One streaming Messages call, read to message_stop. Never throws: failures come back as a result. */
export async function probeStream(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const run = new ProbeRun(target, "stream", signal);
  let response: TimedResponse;
  try {
    response = await postMessages(target, true, run.clock, run.signal);
  } catch (err) {
    return run.thrown(err, "request");
  }
  const isEventStream = (headerValue(response.headers, "content-type") ?? "").includes("text/event-stream");
  if (response.status < 200 || response.status >= 300 || !isEventStream) {
    // Not a stream: read it as a plain answer and say what it was instead.
    const got = await run.exchange(async () => response, (r) => ({ requestId: requestIdOf(r) }));
    if (isResult(got)) return got;
    const failure = classifyStatus("stream", response.status, response.headers, got.text) ?? notAStream(response, got.text);
    return run.result({ ...got.fields, requestId: requestIdOf(response, got.text), ...failure });
  }
  const known = { ...response.phases, httpStatus: response.status, requestId: requestIdOf(response) };
  const state: StreamState = { text: "", ttftMs: null, outputTokens: null, stopped: false, failure: null };
  try {
    await readEvents(response.body, target.idleTimeoutMs, (event) => onEvent(state, event, run.clock));
  } catch (err) {
    if (!state.failure) return run.thrown(err, "stream", streamFields(state, known, run.clock));
  }
  const fields = streamFields(state, known, run.clock);
  return run.judge(streamFailure(target, state), fields, state.ttftMs, "TTFT");
}

function streamFields(state: StreamState, known: ResultFields, clock: Clock): ResultFields {
  const totalMs = clock.elapsed();
  const streamingSeconds = state.ttftMs == null ? 0 : (totalMs - state.ttftMs) / 1000;
  // Tokens over the time from first token to the end: the generation rate, not diluted by queueing before it.
  const tokensPerSecond =
    state.outputTokens != null && streamingSeconds > 0.001 ? Math.round((state.outputTokens / streamingSeconds) * 10) / 10 : null;
  return { ...known, ttftMs: state.ttftMs, outputTokens: state.outputTokens, tokensPerSecond, totalMs };
}

/** Why a stream that ended is not a success, or null when it is one. */
function streamFailure(target: ProbeTarget, state: StreamState): Failure | null {
  if (state.failure) return state.failure;
  if (!state.stopped) return { errorClass: "stream_truncated", message: "stream ended before message_stop" };
  if (state.text.trim() === "") return { errorClass: "empty_response", message: "stream finished with no text" };
  if (!isRightAnswer(target, state.text)) return { errorClass: "wrong_answer", message: `expected "${target.answer.expect}", got "${state.text}"` };
  return null;
}

/** Fold one SSE event into the state. Unknown event types are ignored, as the API asks of clients. */
function onEvent(state: StreamState, event: EventSourceMessage, clock: Clock): void {
  if (state.failure || state.stopped) return;
  let data: { type?: unknown; delta?: { type?: unknown; text?: unknown }; usage?: { output_tokens?: unknown } };
  try {
    data = JSON.parse(event.data);
  } catch {
    state.failure = { errorClass: "malformed_response", message: `unparsable data in a ${event.event ?? "message"} event` };
    return;
  }
  const type = event.event ?? data?.type;
  if (type === "error") {
    const api = parseApiError(event.data);
    state.failure = { errorClass: "stream_error", message: `in-band error after HTTP 200: ${api ? `${api.type}: ${api.message}` : "unknown"}` };
  } else if (type === "content_block_delta" && data.delta?.type === "text_delta" && typeof data.delta.text === "string") {
    if (data.delta.text !== "" && state.ttftMs == null) state.ttftMs = clock.elapsed();
    state.text += data.delta.text;
  } else if (type === "message_delta" && typeof data.usage?.output_tokens === "number") {
    state.outputTokens = data.usage.output_tokens;
  } else if (type === "message_stop") {
    state.stopped = true;
  }
}

/**
 * Feed the body to a real SSE parser until it ends. No byte for `idleMs` destroys it with an idle error. Chunks may
 * split events, lines and UTF-8 characters: the decoder and the parser put them back together.
 */
async function readEvents(body: IncomingMessage, idleMs: number, onMessage: (event: EventSourceMessage) => void): Promise<void> {
  const parser = createParser({ onEvent: onMessage });
  body.setEncoding("utf8");
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      body.destroy(Object.assign(new Error(`no bytes for ${idleMs} ms mid-stream`), { code: IDLE_TIMEOUT_CODE }));
    }, idleMs);
  };
  try {
    arm();
    for await (const chunk of body) {
      arm();
      parser.feed(chunk as string);
    }
    if (!body.complete) throw Object.assign(new Error("connection closed mid-stream"), { code: "ECONNRESET" });
  } finally {
    clearTimeout(idle);
  }
}

/** A 2xx that is not an event stream: JSON where SSE belongs is a malformed answer. */
function notAStream(response: TimedResponse, text: string): Failure {
  const what = isNotJson(response.headers, text) ? "HTML or another non-stream body" : "JSON instead of an event stream";
  return { errorClass: "malformed_response", message: `HTTP ${response.status} with ${what}` };
}
