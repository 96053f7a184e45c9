/**
 * How a Messages stream is written: the events of its shape (sse-content.ts), each after the per-token gap, then
 * whatever the plan's ending calls for; optionally compressed, or on a close-delimited body.
 */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { STOP_REASON, type AnswerShape } from "./answers";
import { compressedSink, type EncodingPlan, type Sink } from "./encoding";
import { contentEvents, errorEvent, MESSAGE_STOP, messageDelta, messageStart, PING } from "./sse-content";
import type { ToolPlan } from "./tool-use";
import { openResponse, wait, writeChunk, writeThenReset } from "./wire";

/**
 * How a stream ends: properly, with an in-band error, cut without message_stop, by a TCP reset, never (silence), or
 * never (a ping every PING_EVERY_MS: bytes keep coming, so only the client's deadline ends it), or cleanly closed
 * right after the content, wherever that stopped (`cut`: a tool input left mid-JSON).
 */
export type StreamEnding = "complete" | "error" | "truncated" | "reset" | "stall" | "pings" | "cut";

export interface StreamPlan {
  /** The text_delta texts in order; [] sends no text_delta at all. */
  pieces: string[];
  ending: StreamEnding;
  crlf: boolean;
  oneByte: boolean;
  shape: AnswerShape;
  encoding: EncodingPlan | null;
  /** No content-length and no chunking: the body ends when the connection closes (connection: close). */
  closeDelimited: boolean;
  /** The tool_use block of a `tool_use` shape, when the request offered tools (tool-use.ts); null: the recorded one. */
  tool: ToolPlan | null;
}

const PING_EVERY_MS = 100;
// Bounds a "pings" stream whose client never leaves: a minute of pings, then the stream just ends.
const MAX_PINGS = 600;

/** A plain text stream plan with this ending. */
export function textPlan(pieces: string[], ending: StreamEnding, overrides: Partial<StreamPlan> = {}): StreamPlan {
  return { pieces, ending, crlf: false, oneByte: false, shape: "text", encoding: null, closeDelimited: false, tool: null, ...overrides };
}

/** Cut text into text_delta pieces of at most two characters (code points, so no surrogate is split). */
export function splitPieces(text: string): string[] {
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += 2) pieces.push(chars.slice(i, i + 2).join(""));
  return pieces.length > 0 ? pieces : [""];
}

/** Send headers and message_start at once, then the content (a gap before each delta), then the ending. */
export async function writeStream(res: ServerResponse, headers: OutgoingHttpHeaders, plan: StreamPlan, gapMs: number, signal: AbortSignal): Promise<void> {
  const requestId = typeof headers["request-id"] === "string" ? headers["request-id"] : null;
  if (plan.closeDelimited) res.useChunkedEncodingByDefault = false;
  openResponse(res, 200, {
    ...headers,
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    ...(plan.encoding ? { "content-encoding": plan.encoding.name } : {}),
    ...(plan.closeDelimited ? { connection: "close" } : {}),
  });
  const out = openSink(res, plan, signal);
  await out.send(messageStart());
  const content = contentEvents(plan.shape, plan.pieces, plan.tool);
  // A stream that fails does so after its first delta, so a client has seen it begin.
  const firstDelta = content.findIndex((e) => e.paced);
  const cutEarly = plan.ending !== "complete" && plan.ending !== "truncated" && plan.ending !== "cut";
  for (const { event, paced } of cutEarly && firstDelta >= 0 ? content.slice(0, firstDelta + 1) : content) {
    if (paced) await wait(gapMs, signal);
    await out.send(event);
  }
  switch (plan.ending) {
    case "reset":
      return out.reset();
    case "stall":
      return; // leave the socket open with nothing more to say
    case "pings":
      for (let i = 0; i < MAX_PINGS; i++) {
        await wait(PING_EVERY_MS, signal);
        await out.send(PING);
      }
      return out.end();
    case "error":
      await out.send(errorEvent(requestId));
      return out.end();
    case "cut":
      return out.end();
    case "truncated":
      await out.send(messageDelta(STOP_REASON[plan.shape]));
      return out.end();
    case "complete":
      await out.send(messageDelta(STOP_REASON[plan.shape]));
      await out.send(MESSAGE_STOP);
      return out.end();
  }
}

/** Straight to the socket (one byte per write, CRLF line ends, if asked), or through a compressor. */
function openSink(res: ServerResponse, plan: StreamPlan, signal: AbortSignal): Sink {
  if (plan.encoding && plan.encoding.bytes !== "plain") return compressedSink(res, plan.encoding, signal);
  const wire = (event: string) => (plan.crlf ? event.replaceAll("\n", "\r\n") : event);
  return {
    send: (event) => writeChunk(res, wire(event), plan.oneByte, signal),
    end: () => res.end(),
    reset: () => writeThenReset(res, "", signal),
  };
}
