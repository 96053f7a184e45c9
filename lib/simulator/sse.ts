/**
 * Messages API streams, built from the recorded haiku-4-5 stream so event names, key order and the odd space
 * padding before each closing brace are the real API's, not our re-serialisation.
 */
import { readFileSync } from "node:fs";
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { newMessageId, splitOnce } from "./api-bodies";
import { openResponse, wait, writeChunk, writeThenReset } from "./wire";

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
const CONTENT_BLOCK_START = recorded("content_block_start");
const PING = recorded("ping");
const [DELTA_HEAD, DELTA_TAIL] = splitOnce(recorded("content_block_delta"), '"Hello!"');
const CONTENT_BLOCK_STOP = recorded("content_block_stop");
const MESSAGE_DELTA = recorded("message_delta");
const MESSAGE_STOP = recorded("message_stop");
if (!MESSAGE_START.includes(RECORDED_ID)) throw new Error("simulator fixture message_start lost its id");

// Not in the recording: the shape the API sends for an in-band overload (sse-error-midstream.docs.txt, compact).
const ERROR_EVENT = 'event: error\ndata: {"type":"error","error":{"details":null,"type":"overloaded_error","message":"Overloaded"}}\n\n';

/** How a stream ends: properly, with an in-band error, cut without message_stop, by a TCP reset, or never. */
export type StreamEnding = "complete" | "error" | "truncated" | "reset" | "stall";

export interface StreamPlan {
  /** The text_delta texts in order; [] sends no text_delta at all. */
  pieces: string[];
  ending: StreamEnding;
  crlf: boolean;
  oneByte: boolean;
}

/** Cut text into text_delta pieces of at most two characters (code points, so no surrogate is split). */
export function splitPieces(text: string): string[] {
  const chars = Array.from(text);
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += 2) pieces.push(chars.slice(i, i + 2).join(""));
  return pieces.length > 0 ? pieces : [""];
}

/** One text_delta event in the recorded layout. */
export function deltaEvent(text: string): string {
  return `${DELTA_HEAD}${JSON.stringify(text)}${DELTA_TAIL}`;
}

/**
 * Send headers and the opening events at once, then each text_delta after `gapMs`, then whatever the plan's
 * ending calls for. Each event is its own write.
 */
export async function writeStream(
  res: ServerResponse,
  headers: OutgoingHttpHeaders,
  plan: StreamPlan,
  gapMs: number,
  signal: AbortSignal,
): Promise<void> {
  const wire = (event: string) => (plan.crlf ? event.replaceAll("\n", "\r\n") : event);
  const send = (event: string) => writeChunk(res, wire(event), plan.oneByte, signal);
  openResponse(res, 200, { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  await send(MESSAGE_START.replace(RECORDED_ID, `"id":"${newMessageId()}"`));
  await send(CONTENT_BLOCK_START);
  await send(PING);
  const cutEarly = plan.ending === "error" || plan.ending === "reset" || plan.ending === "stall";
  const pieces = cutEarly ? plan.pieces.slice(0, 1) : plan.pieces;
  for (const [i, piece] of pieces.entries()) {
    await wait(gapMs, signal);
    const event = deltaEvent(piece);
    if (plan.ending === "reset" && i === pieces.length - 1) return writeThenReset(res, wire(event), signal);
    await send(event);
  }
  switch (plan.ending) {
    case "reset":
      return writeThenReset(res, "", signal); // no text to send first: reset right after the opening events
    case "stall":
      return; // leave the socket open with nothing more to say
    case "error":
      await send(ERROR_EVENT);
      res.end();
      return;
    case "truncated":
      await send(CONTENT_BLOCK_STOP);
      await send(MESSAGE_DELTA);
      res.end();
      return;
    case "complete":
      await send(CONTENT_BLOCK_STOP);
      await send(MESSAGE_DELTA);
      await send(MESSAGE_STOP);
      res.end();
      return;
  }
}
