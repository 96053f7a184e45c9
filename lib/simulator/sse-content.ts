/**
 * The events of a Messages stream, built from the recorded haiku-4-5 stream so event names, key order and the odd
 * space padding before each closing brace are the real API's. Shapes the recording lacks (thinking, tool_use,
 * refusal, citations, in-band errors) follow the documented event shapes, compactly serialised.
 */
import { readFileSync } from "node:fs";
import { newMessageId, splitOnce } from "./api-bodies";
import { CITATION, newToolUseId, SIGNATURE, THINKING, TOOL_INPUT, TOOL_NAME, type AnswerShape } from "./answers";
import type { ToolPlan } from "./tool-use";

const RECORDED = readFileSync(new URL("./fixtures/claude/sse-success.haiku-4-5.recorded.txt", import.meta.url), "utf8");

/** The recorded events, keyed by event name, each the exact `event: …\ndata: …\n\n` block. */
const BLOCKS = new Map<string, string>();
for (const block of RECORDED.split("\n\n")) {
  const name = /^event: (\S+)/.exec(block)?.[1];
  if (name) BLOCKS.set(name, `${block}\n\n`);
}

function recorded(name: string): string {
  const block = BLOCKS.get(name);
  if (block === undefined) throw new Error(`simulator fixture has no ${name} event`);
  return block;
}

const RECORDED_ID = '"id":"msg_01KoNnF4BwRtd6tnJMPxZ9cP"';
const MESSAGE_START = recorded("message_start");
const [DELTA_HEAD, DELTA_TAIL] = splitOnce(recorded("content_block_delta"), '"Hello!"');
const [DELTA_BEFORE_INDEX, DELTA_AFTER_INDEX] = splitOnce(DELTA_HEAD, '"index":0');
const [START_HEAD, START_TAIL] = splitOnce(recorded("content_block_start"), '"index":0');
const [STOP_HEAD, STOP_TAIL] = splitOnce(recorded("content_block_stop"), '"index":0');
const [MESSAGE_DELTA_HEAD, MESSAGE_DELTA_TAIL] = splitOnce(recorded("message_delta"), '"stop_reason":"end_turn"');
export const PING = recorded("ping");
export const MESSAGE_STOP = recorded("message_stop");
if (!MESSAGE_START.includes(RECORDED_ID)) throw new Error("simulator fixture message_start lost its id");

/** One event of the content, and whether the stream's per-token gap comes before it (every delta). */
export interface ContentEvent {
  event: string;
  paced: boolean;
}

const event = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
const delta = (index: number, body: unknown): ContentEvent => ({ event: event("content_block_delta", { type: "content_block_delta", index, delta: body }), paced: true });
const start = (index: number, block: unknown): ContentEvent => ({ event: event("content_block_start", { type: "content_block_start", index, content_block: block }), paced: false });
const fixed = (text: string): ContentEvent => ({ event: text, paced: false });

/** message_start with a fresh message id. */
export function messageStart(): string {
  return MESSAGE_START.replace(RECORDED_ID, `"id":"${newMessageId()}"`);
}

/** One text_delta event in the recorded layout. */
export function deltaEvent(text: string, index = 0): string {
  return `${DELTA_BEFORE_INDEX}"index":${index}${DELTA_AFTER_INDEX}${JSON.stringify(text)}${DELTA_TAIL}`;
}

/** The recorded message_delta with this stop_reason. */
export function messageDelta(stopReason: string): string {
  return `${MESSAGE_DELTA_HEAD}"stop_reason":${JSON.stringify(stopReason)}${MESSAGE_DELTA_TAIL}`;
}

/** An in-band overload, as the API sends it after a 200: with the request's id when it has one. */
export function errorEvent(requestId: string | null): string {
  const error = { details: null, type: "overloaded_error", message: "Overloaded" };
  return event("error", { type: "error", error, ...(requestId ? { request_id: requestId } : {}) });
}

/** A text block at `index`: the recorded start and stop around one text_delta per piece. */
function textBlock(index: number, pieces: string[], between: ContentEvent[] = []): ContentEvent[] {
  const deltas = pieces.map((piece): ContentEvent => ({ event: deltaEvent(piece, index), paced: true }));
  return [fixed(`${START_HEAD}"index":${index}${START_TAIL}`), ...deltas.slice(0, 1), ...between, ...deltas.slice(1), fixed(`${STOP_HEAD}"index":${index}${STOP_TAIL}`)];
}

/** Everything between message_start and message_delta for an answer of this shape whose text is `pieces`. */
export function contentEvents(shape: AnswerShape, pieces: string[], tool: ToolPlan | null = null): ContentEvent[] {
  const stop = (index: number) => fixed(`${STOP_HEAD}"index":${index}${STOP_TAIL}`);
  switch (shape) {
    case "text": {
      const [opening, ...rest] = textBlock(0, pieces);
      return [opening!, fixed(PING), ...rest];
    }
    case "thinking":
      return [
        start(0, { type: "thinking", thinking: "", signature: "" }),
        fixed(PING),
        ...THINKING.map((thinking) => delta(0, { type: "thinking_delta", thinking })),
        delta(0, { type: "signature_delta", signature: SIGNATURE }),
        stop(0),
        ...textBlock(1, pieces),
      ];
    case "tool_use": {
      const { name, chunks, open } = tool ?? { name: TOOL_NAME, chunks: ["", ...TOOL_INPUT], open: false };
      return [
        start(0, { type: "tool_use", id: newToolUseId(), name, input: {} }),
        fixed(PING),
        ...chunks.map((partial_json) => delta(0, { type: "input_json_delta", partial_json })),
        ...(open ? [] : [stop(0)]),
      ];
    }
    case "refusal":
      return [fixed(PING)]; // no content block at all: message_start, message_delta (refusal), message_stop
    case "citations": {
      const [opening, ...rest] = textBlock(0, pieces, [delta(0, { type: "citations_delta", citation: CITATION })]);
      return [opening!, fixed(PING), ...rest];
    }
  }
}
