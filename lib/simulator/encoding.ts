/**
 * Compression a proxy may apply unasked. The simulator applies it when a fault says so, whatever accept-encoding
 * the client sent, and has the broken variants too: bytes that claim an encoding they lack, and a zip bomb.
 */
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import zlib from "node:zlib";

export const ENCODINGS = ["gzip", "br", "deflate"] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** What goes on the wire under a content-encoding header: compressed bytes, plain ones, or a bomb. */
export interface EncodingPlan {
  name: Encoding;
  bytes: "compressed" | "plain" | "bomb";
}

/** Whitespace a bomb adds inside the JSON: legal there, about 4 KB compressed, and four times a probe's read cap. */
export const BOMB_PADDING_BYTES = 4 * 1024 * 1024;

// As in wire.ts: long enough for loopback bytes to reach the client before the RST that would discard them.
const RESET_GRACE_MS = 25;

function compressor(name: Encoding): zlib.Gzip | zlib.BrotliCompress | zlib.Deflate {
  if (name === "gzip") return zlib.createGzip();
  // Quality 4, not the default 11: a bomb's megabytes must not take the simulator seconds.
  if (name === "br") return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
  return zlib.createDeflate(); // HTTP's "deflate" is the zlib format (RFC 9110 8.4.1.2), not raw deflate
}

/** A whole body's bytes under `plan`. */
export function encodeBody(plan: EncodingPlan, body: Buffer): Buffer {
  if (plan.bytes === "plain") return body;
  const data = plan.bytes === "bomb" ? padBeforeLastBrace(body.toString("utf8")) : body;
  if (plan.name === "gzip") return zlib.gzipSync(data);
  if (plan.name === "br") return zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
  return zlib.deflateSync(data);
}

/** Where a stream's events go: straight to the socket, or through a compressor flushed after every event. */
export interface Sink {
  send(text: string): Promise<void>;
  end(): void;
  /** Cut the connection (RST) once what was sent has left. */
  reset(): Promise<void>;
}

/**
 * A sink that compresses (`compressed` or `bomb`; a bomb pads its first event). Each send is flushed, so an event
 * leaves when written and the client's TTFT is the same as without compression.
 */
export function compressedSink(res: ServerResponse, plan: EncodingPlan, signal: AbortSignal): Sink {
  const z = compressor(plan.name);
  z.on("error", () => {}); // a client that left mid-stream is routine here
  z.pipe(res);
  signal.addEventListener("abort", () => z.destroy(), { once: true });
  let padNext = plan.bytes === "bomb";
  return {
    async send(text) {
      if (signal.aborted) throw signal.reason;
      z.write(padNext ? padBeforeLastBrace(text) : text);
      padNext = false;
      await new Promise<void>((resolve) => z.flush(() => resolve()));
    },
    end: () => z.end(),
    async reset() {
      await sleep(RESET_GRACE_MS, undefined, { signal });
      res.socket?.resetAndDestroy();
    },
  };
}

/** Spaces before the last `}`: still the same JSON (or SSE data line), now megabytes long. */
function padBeforeLastBrace(text: string): string {
  const at = text.lastIndexOf("}");
  if (at < 0) throw new Error("a bomb needs a JSON object to pad");
  return text.slice(0, at) + " ".repeat(BOMB_PADDING_BYTES) + text.slice(at);
}
