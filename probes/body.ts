/**
 * Reading a response body: its content-encoding undone (a proxy may compress though we sent accept-encoding:
 * identity), its decoded size capped, and its end told apart from a cut and from our own deadline.
 */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import zlib from "node:zlib";

/** Largest body a probe reads, counted after decoding: a zip bomb must not make the worker buffer without bound. */
export const MAX_BODY_BYTES = 1024 * 1024;

export const BODY_TOO_LARGE_CODE = "WITNESS_BODY_TOO_LARGE";
/** The bytes arrived whole but do not decode as the encoding they claim (or the encoding is one we cannot read). */
export const BAD_ENCODING_CODE = "WITNESS_BAD_ENCODING";
/** The transport said the body was complete, but the compressed data inside it stopped short. */
export const CUT_ENCODING_CODE = "WITNESS_ENCODING_CUT";

/** Whether a body read failed on its bytes (size, encoding) rather than on the transport or the deadline. */
export function isUnreadableBody(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === BAD_ENCODING_CODE || code === CUT_ENCODING_CODE;
}

const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: () => zlib.createGunzip(),
  "x-gzip": () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

/**
 * The body's decoded bytes, at most MAX_BODY_BYTES of them. Rejects with the transport's own error when the
 * connection was cut (or destroyed by an idle timer), with an AbortError when `signal` fired, and with one of the
 * codes above when the bytes are wrong. Stopping early (break) releases the connection.
 */
export async function* bodyChunks(body: IncomingMessage, signal?: AbortSignal): AsyncGenerator<Buffer> {
  let source: Readable = body;
  let size = 0;
  let rawBytes = 0;
  try {
    source = decoded(body);
    if (source !== body) body.on("data", (chunk: Buffer) => (rawBytes += chunk.length));
    const chunks = source[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        const why = explain(err, body, signal);
        // No bytes at all under a content-encoding (an empty error page through a compressing proxy) is an empty body.
        if (rawBytes === 0 && (why as { code?: unknown }).code === CUT_ENCODING_CODE) break;
        throw why;
      }
      if (next.done) break;
      size += next.value.length;
      if (size > MAX_BODY_BYTES) throw coded(`body larger than ${MAX_BODY_BYTES} bytes once decoded`, BODY_TOO_LARGE_CODE);
      yield next.value;
    }
    // A close-delimited body (no length, no chunking) ends "complete" when our own abort closes the socket.
    if (signal?.aborted) throw abortError();
    // A body cut short ends the iteration without an error on some Node versions: check completeness ourselves.
    if (!body.complete) throw coded("connection closed before the body was complete", "ECONNRESET");
  } finally {
    if (source !== body) source.destroy();
    body.destroy();
  }
}

/** Read a whole body as UTF-8 text, decoded and capped as bodyChunks says. */
export async function readText(body: IncomingMessage, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of bodyChunks(body, signal)) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** The body through a decoder per content-encoding, undone last-applied first. */
function decoded(body: IncomingMessage): Readable {
  const header = body.headers["content-encoding"] ?? "";
  const codings = header
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity")
    .reverse();
  if (codings.length === 0) return body;
  const unknown = codings.find((c) => !(c in DECODERS));
  if (unknown !== undefined) throw coded(`content-encoding ${JSON.stringify(unknown.slice(0, 20))} is not one we can read`, BAD_ENCODING_CODE);
  const decoders = codings.map((c) => DECODERS[c]!() as unknown as Readable & NodeJS.WritableStream);
  let last: Readable = body;
  for (const decoder of decoders) last = last.pipe(decoder) as unknown as Readable;
  // pipe() forwards no errors: hand each to the reader, leaving body.errored set only by the transport (or idle timer).
  const tail = last;
  for (const stream of [body, ...decoders.slice(0, -1)]) stream.on("error", (err) => tail.destroy(err));
  return tail;
}

/** Which failure a decoding read really is: the transport's and our deadline's account come first. */
function explain(err: unknown, body: IncomingMessage, signal: AbortSignal | undefined): unknown {
  if (body.errored) return body.errored;
  if (signal?.aborted) return abortError();
  if (!body.complete) return coded("connection closed before the body was complete", "ECONNRESET");
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "Z_BUF_ERROR") return coded("compressed body ends before its end", CUT_ENCODING_CODE);
  // zlib's codes are Z_*, brotli's ERR_<reason>; Node's own stream errors are not about the bytes.
  if (typeof code === "string" && (code.startsWith("Z_") || code.startsWith("ERR_")) && !code.startsWith("ERR_STREAM_")) {
    return coded(`body does not decode as ${body.headers["content-encoding"]} (${code})`, BAD_ENCODING_CODE);
  }
  return err;
}

function abortError(): Error {
  return Object.assign(new Error("the request was aborted"), { name: "AbortError", code: "ABORT_ERR" });
}
