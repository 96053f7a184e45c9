/**
 * The API target (`/v1/...`): faults first, then the request checks the real API makes in the order it makes
 * them, then the healthy JSON message or event stream.
 */
import type { IncomingMessage } from "node:http";
import { apiAction } from "./api-faults";
import { answerContent, STOP_REASON } from "./answers";
import {
  apiHeaders,
  authReply,
  errorReply,
  FIXTURES,
  jsonReply,
  messageJson,
  modelOf,
  replyWord,
  RETIRED_MODELS,
  unknownModelBody,
  wantsStream,
} from "./api-bodies";
import { splitPieces, textPlan, writeStream } from "./sse";
import { TOOL_TEXT, toolPlan, toolStepOf } from "./tool-use";
import { isRecord, perform, type Exchange, type Reply } from "./wire";

const STREAM_TYPE = "text/event-stream; charset=utf-8";

/** The normal pipeline's answer: a finished reply, or the go-ahead for a stream. */
type Routed = { kind: "reply"; reply: Reply } | { kind: "stream" };

/** Answer one API request under its chosen fault. Resolves when the simulator is done with it. */
export async function handleApi(ex: Exchange): Promise<void> {
  const stream = wantsStream(ex.json);
  const word = replyWord(ex.json);
  const apiKey = typeof ex.req.headers["x-api-key"] === "string" ? ex.req.headers["x-api-key"] : null;
  const toolStep = toolStepOf(ex.json);
  const action = apiAction(ex.fault, stream, word, apiKey);
  if (action.kind === "outcome") return perform(ex.res, action.outcome, ex.signal);
  if (action.kind === "stream") return writeStream(ex.res, apiHeaders(STREAM_TYPE), action.plan, ex.gapMs, ex.signal);
  const text = action.text ?? word;
  const routed = route(ex, () => jsonReply(200, messageJson(answerContent(action.shape, text), STOP_REASON[action.shape])));
  if (routed.kind === "stream") {
    const { crlf, oneByte, shape, encoding } = action;
    // A tool call is due: answer with one (spoiled as a tool fault asks), or with text under tool_text.
    const tool = toolStep === "call" && shape === "text" && action.text === null ? toolPlan(ex.json, ex.fault) : null;
    const toolText = toolStep === "call" && ex.fault === "tool_text" ? TOOL_TEXT : text;
    const plan = tool
      ? textPlan([], tool.open ? "cut" : "complete", { crlf, oneByte, shape: "tool_use", encoding, tool })
      : textPlan(splitPieces(toolText), "complete", { crlf, oneByte, shape, encoding });
    return writeStream(ex.res, apiHeaders(STREAM_TYPE), plan, ex.gapMs, ex.signal);
  }
  const delivery = action.oneByte ? "one_byte" : action.chunked ? "chunked" : "whole";
  // A proxy compresses whatever passes through it, rejections included.
  return perform(ex.res, { kind: "reply", reply: routed.reply, delivery, encoding: action.encoding ?? undefined }, ex.signal);
}

function route(ex: Exchange, answer: () => Reply): Routed {
  const done = (reply: Reply): Routed => ({ kind: "reply", reply });
  switch (ex.path) {
    case "/v1/messages": {
      if (ex.method !== "POST") return done(methodNotAllowed("POST"));
      const rejected = checkHeaders(ex.req) ?? checkMessageBody(ex);
      if (rejected) return done(rejected);
      return wantsStream(ex.json) ? { kind: "stream" } : done(answer());
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
  if (!req.headers["x-api-key"] && !bearer) return authReply(FIXTURES.missingKey);
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
