/** The `stream` probe: one streaming Messages call read to `message_stop`, with TTFT and tokens per second. */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { IncomingMessage } from "node:http";
import { postMessages, requestIdOf } from "@/probes/anthropic";
import { bodyChunks } from "@/probes/body";
import { IDLE_TIMEOUT_CODE, classifyStatus, isNotJson, type Failure } from "@/probes/classify";
import { type Clock, headerValue, type TimedResponse } from "@/probes/http";
import { isResult, ProbeRun, type ResultFields } from "@/probes/result";
import { newStreamState, onEvent, streamFailure, type StreamState } from "@/probes/stream-events";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** One streaming Messages call, read to message_stop. Never throws: failures come back as a result. */
export async function probeStream(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const run = new ProbeRun(target, "stream", signal);
  const read = await sendStream(run, (signal) => postMessages(target, true, run.clock, signal));
  if (isResult(read)) return read;
  return run.judge(streamFailure(target, read.state), read.fields, read.state.ttftMs, "TTFT");
}

/** A stream read to its end (message_stop, a failure it showed, or the body's end), with the fields it told. */
export interface StreamRead {
  state: StreamState;
  fields: ResultFields;
}

/**
 * Send one streaming request and fold its events until message_stop. A request that failed before the stream, an
 * answer that is not a 2xx event stream, and a stream cut by the network come back as finished results; a stream
 * that ended (well or not) comes back to be judged by the caller.
 */
export async function sendStream(run: ProbeRun, send: (signal: AbortSignal) => Promise<TimedResponse>): Promise<ProbeResult | StreamRead> {
  let response: TimedResponse;
  try {
    response = await send(run.signal);
  } catch (err) {
    return run.thrown(err, "request");
  }
  const isEventStream = (headerValue(response.headers, "content-type") ?? "").includes("text/event-stream");
  if (response.status < 200 || response.status >= 300 || !isEventStream) {
    // Not a stream: read it as a plain answer and say what it was instead.
    const got = await run.exchange(async () => response, (r) => ({ requestId: requestIdOf(r) }));
    if (isResult(got)) return got;
    const failure = classifyStatus(run.kind, response.status, response.headers, got.text) ?? notAStream(response, got.text);
    return run.result({ ...got.fields, requestId: requestIdOf(response, got.text), ...failure });
  }
  const known = { ...response.phases, httpStatus: response.status, requestId: requestIdOf(response) };
  const state = newStreamState();
  try {
    await readEvents(response.body, run.target.idleTimeoutMs, run.signal, (event) => {
      onEvent(state, event, run.clock);
      return state.stopped || state.failure !== null;
    });
  } catch (err) {
    if (!state.failure) return run.thrown(err, "stream", streamFields(state, known, run.clock));
  }
  return { state, fields: streamFields(state, known, run.clock) };
}

function streamFields(state: StreamState, known: ResultFields, clock: Clock): ResultFields {
  const totalMs = clock.elapsed();
  const streamingSeconds = state.ttftMs == null ? 0 : (totalMs - state.ttftMs) / 1000;
  // Tokens over the time from first token to the end: the generation rate, not diluted by queueing before it.
  const tokensPerSecond =
    state.outputTokens != null && streamingSeconds > 0.001 ? Math.round((state.outputTokens / streamingSeconds) * 10) / 10 : null;
  return { ...known, requestId: known.requestId ?? state.requestId, ttftMs: state.ttftMs, outputTokens: state.outputTokens, tokensPerSecond, totalMs };
}

/**
 * Feed the decoded body to a real SSE parser until `onMessage` says it has seen the end (message_stop, or a failure)
 * or the body ends. No byte for `idleMs` destroys it with an idle error. Chunks may split events, lines and UTF-8
 * characters: the decoder and the parser put them back together.
 */
async function readEvents(body: IncomingMessage, idleMs: number, signal: AbortSignal, onMessage: (event: EventSourceMessage) => boolean): Promise<void> {
  let done = false;
  const parser = createParser({ onEvent: (event) => (done ||= onMessage(event)) });
  const utf8 = new TextDecoder("utf-8");
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      body.destroy(Object.assign(new Error(`no bytes for ${idleMs} ms mid-stream`), { code: IDLE_TIMEOUT_CODE }));
    }, idleMs);
  };
  try {
    arm();
    for await (const chunk of bodyChunks(body, signal)) {
      arm();
      parser.feed(utf8.decode(chunk, { stream: true }));
      // Whatever follows message_stop (a slow close, a cut, a bad compression trailer) cannot change the answer.
      if (done) return;
    }
  } finally {
    clearTimeout(idle);
  }
}

/** A 2xx that is not an event stream: JSON where SSE belongs is a malformed answer. */
function notAStream(response: TimedResponse, text: string): Failure {
  const what = isNotJson(response.headers, text) ? "HTML or another non-stream body" : "JSON instead of an event stream";
  return { errorClass: "malformed_response", message: `HTTP ${response.status} with ${what}` };
}
