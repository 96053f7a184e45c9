/**
 * The API target (`/v1/...`): faults first, then the request checks the real API makes in the order it makes
 * them, then the healthy JSON message or event stream.
 */
import type { IncomingMessage } from "node:http";
import { apiAction } from "./api-faults";
import {
  apiHeaders,
  errorReply,
  FIXTURES,
  jsonReply,
  messageJson,
  modelOf,
  replyWord,
  RETIRED_MODELS,
  textContent,
  unknownModelBody,
  wantsStream,
} from "./api-bodies";
import { splitPieces, writeStream } from "./sse";
import { isRecord, perform, type Exchange, type Reply } from "./wire";

const STREAM_TYPE = "text/event-stream; charset=utf-8";

/** The normal pipeline's answer: a finished reply, or the go-ahead for a healthy stream. */
type Routed = { kind: "reply"; reply: Reply } | { kind: "stream" };

/** Answer one API request under its chosen fault. Resolves when the simulator is done with it. */
export async function handleApi(ex: Exchange): Promise<void> {
  const stream = wantsStream(ex.json);
  const word = replyWord(ex.json);
  const action = apiAction(ex.fault, stream, word);
  if (action.kind === "outcome") return perform(ex.res, action.outcome, ex.signal);
  if (action.kind === "stream") return writeStream(ex.res, apiHeaders(STREAM_TYPE), action.plan, ex.gapMs, ex.signal);
  const text = action.text ?? word;
  const routed = route(ex, text);
  if (routed.kind === "stream") {
    const plan = { pieces: splitPieces(text), ending: "complete" as const, crlf: action.crlf, oneByte: action.oneByte };
    return writeStream(ex.res, apiHeaders(STREAM_TYPE), plan, ex.gapMs, ex.signal);
  }
  const delivery = action.oneByte ? "one_byte" : "whole";
  return perform(ex.res, { kind: "reply", reply: routed.reply, delivery }, ex.signal);
}

function route(ex: Exchange, text: string): Routed {
  const done = (reply: Reply): Routed => ({ kind: "reply", reply });
  switch (ex.path) {
    case "/v1/messages": {
      if (ex.method !== "POST") return done(methodNotAllowed("POST"));
      const rejected = checkHeaders(ex.req) ?? checkMessageBody(ex);
      if (rejected) return done(rejected);
      return wantsStream(ex.json) ? { kind: "stream" } : done(jsonReply(200, messageJson(textContent(text))));
    }
    case "/v1/messages/count_tokens": {
      if (ex.method !== "POST") return done(methodNotAllowed("POST"));
      const rejected = checkHeaders(ex.req) ?? (ex.json.ok ? null : notJson());
      return done(rejected ?? jsonReply(200, FIXTURES.countTokens));
    }
    case "/v1/models":
      if (ex.method !== "GET" && ex.method !== "HEAD") return done(methodNotAllowed("GET"));
      return done(checkHeaders(ex.req) ?? jsonReply(200, FIXTURES.models));
    default:
      return done(jsonReply(404, FIXTURES.notFound));
  }
}

/** anthropic-version first, then a key: the keyless edge probe relies on getting exactly the 401 fixture. */
function checkHeaders(req: IncomingMessage): Reply | null {
  if (!req.headers["anthropic-version"]) return jsonReply(400, FIXTURES.missingVersion);
  const bearer = /^Bearer\s+\S/i.test(req.headers.authorization ?? "");
  if (!req.headers["x-api-key"] && !bearer) return jsonReply(401, FIXTURES.missingKey);
  return null;
}

function checkMessageBody(ex: Exchange): Reply | null {
  if (!ex.json.ok || !isRecord(ex.json.value)) return notJson();
  if (ex.json.value.max_tokens === undefined) return jsonReply(400, FIXTURES.missingMaxTokens);
  const model = modelOf(ex.json);
  if (model === null || model === "") return errorReply(400, "invalid_request_error", "model: Field required");
  if (RETIRED_MODELS.has(model) || !model.startsWith("claude-")) return jsonReply(404, unknownModelBody(model));
  return null;
}

function notJson(): Reply {
  return errorReply(400, "invalid_request_error", "There was an error parsing the body of your request: expected a JSON object");
}

function methodNotAllowed(allow: string): Reply {
  const reply = errorReply(405, "invalid_request_error", "Method Not Allowed");
  return { ...reply, headers: { ...reply.headers, allow } };
}
