/** What a Messages stream's events add up to, folded one event at a time, and whether the whole makes a success. */
import type { EventSourceMessage } from "eventsource-parser";
import { blockTypeOf, judgeAnswer, stopReasonOf } from "@/probes/anthropic";
import { parseApiError, type Failure } from "@/probes/classify";
import type { Clock } from "@/probes/http";
import type { ProbeTarget } from "@/probes/types";

/** What the stream has shown so far. */
export interface StreamState {
  text: string;
  /** Request start to the first non-empty text_delta: thinking, tool input and pings do not count. */
  ttftMs: number | null;
  outputTokens: number | null;
  blockTypes: string[];
  stopReason: string | null;
  /** From an in-band error event, for when the response had no request-id header. */
  requestId: string | null;
  stopped: boolean;
  failure: Failure | null;
  /** The tool_use blocks, in order, with their streamed input as received (the `code` probe judges them). */
  toolUses: ToolUse[];
  /** Request start to the first non-empty input_json_delta. */
  firstInputMs: number | null;
}

/** One streamed tool_use block. `id` and `name` are the upstream's, unchecked: judge before repeating them. */
export interface ToolUse {
  index: number;
  id: string;
  name: string;
  /** The input_json_delta pieces joined: JSON only once the block is closed, and only if the upstream kept its word. */
  json: string;
  /** content_block_stop arrived for it. */
  closed: boolean;
}

export function newStreamState(): StreamState {
  return { text: "", ttftMs: null, outputTokens: null, blockTypes: [], stopReason: null, requestId: null, stopped: false, failure: null, toolUses: [], firstInputMs: null };
}

interface EventData {
  type?: unknown;
  index?: unknown;
  content_block?: unknown;
  delta?: { type?: unknown; text?: unknown; stop_reason?: unknown; partial_json?: unknown };
  usage?: { output_tokens?: unknown };
  request_id?: unknown;
}

/** Fold one SSE event into the state. Unknown event and delta types are ignored, as the API asks of clients. */
export function onEvent(state: StreamState, event: EventSourceMessage, clock: Clock): void {
  if (state.failure || state.stopped) return;
  let data: EventData;
  try {
    data = JSON.parse(event.data);
  } catch {
    state.failure = { errorClass: "malformed_response", message: `unparsable data in a ${event.event ?? "message"} event` };
    return;
  }
  const type = event.event ?? data?.type;
  if (type === "error") {
    const api = parseApiError(event.data);
    if (typeof data.request_id === "string") state.requestId = data.request_id;
    state.failure = { errorClass: "stream_error", message: `in-band error after HTTP 200: ${api ? `${api.type}: ${api.message}` : "unknown"}` };
  } else if (type === "content_block_start") {
    state.blockTypes.push(blockTypeOf(data.content_block));
    const block = data.content_block as { type?: unknown; id?: unknown; name?: unknown } | null;
    if (block?.type === "tool_use") {
      const text = (value: unknown) => (typeof value === "string" ? value : "");
      state.toolUses.push({ index: Number(data.index), id: text(block.id), name: text(block.name), json: "", closed: false });
    }
  } else if (type === "content_block_delta" && data.delta?.type === "input_json_delta" && typeof data.delta.partial_json === "string") {
    const tool = state.toolUses.find((t) => t.index === data.index);
    if (tool) tool.json += data.delta.partial_json;
    if (data.delta.partial_json !== "" && state.firstInputMs == null) state.firstInputMs = clock.elapsed();
  } else if (type === "content_block_stop") {
    const tool = state.toolUses.find((t) => t.index === data.index);
    if (tool) tool.closed = true;
  } else if (type === "content_block_delta" && data.delta?.type === "text_delta" && typeof data.delta.text === "string") {
    if (data.delta.text !== "" && state.ttftMs == null) state.ttftMs = clock.elapsed();
    state.text += data.delta.text;
  } else if (type === "message_delta") {
    if (typeof data.usage?.output_tokens === "number") state.outputTokens = data.usage.output_tokens;
    state.stopReason = stopReasonOf(data.delta?.stop_reason) ?? state.stopReason;
  } else if (type === "message_stop") {
    state.stopped = true;
  }
}

/** Why a stream that ended is not a success, or null when it is one. */
export function streamFailure(target: ProbeTarget, state: StreamState): Failure | null {
  if (state.failure) return state.failure;
  if (!state.stopped) return { errorClass: "stream_truncated", message: "stream ended before message_stop" };
  return judgeAnswer(target, state);
}
