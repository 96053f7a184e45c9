/** What each fault does to a Messages API request, for its non-streaming and streaming forms. */
import { apiHeaders, authReply, errorReply, FIXTURES, jsonReply, messageJson, textContent } from "./api-bodies";
import type { AnswerShape } from "./answers";
import { withDeepKey } from "./deep-json";
import type { EncodingPlan } from "./encoding";
import type { Fault } from "./faults";
import { edgeOutcome, PORTAL_200 } from "./html-pages";
import { KEY_FORBIDDEN } from "./refusals";
import { splitPieces, textPlan, type StreamPlan } from "./sse";
import type { Delivery, Outcome, Reply } from "./wire";

export const WRONG_ANSWER_TEXT = "I cannot help with that.";

/**
 * A fault either replaces the answer outright (`outcome`, `stream`) or lets the normal pipeline run, request checks
 * included, and only changes what its answer is made of and how it is written (`pipeline`).
 */
export type ApiAction = { kind: "outcome"; outcome: Outcome } | { kind: "stream"; plan: StreamPlan } | Pipeline;

/** Run the normal pipeline: other text or another answer shape if asked, written as asked. */
export interface Pipeline {
  kind: "pipeline";
  text: string | null;
  shape: AnswerShape;
  oneByte: boolean;
  crlf: boolean;
  /** JSON only: transfer-encoding chunked instead of a content-length (streams are always chunked). */
  chunked: boolean;
  encoding: EncodingPlan | null;
}

const whole = (reply: Reply): ApiAction => ({ kind: "outcome", outcome: { kind: "reply", reply, delivery: "whole" } });
const written = (reply: Reply, delivery: Delivery, encoding?: EncodingPlan): ApiAction => ({ kind: "outcome", outcome: { kind: "reply", reply, delivery, encoding } });
const plan = (pieces: string[], ending: StreamPlan["ending"], overrides: Partial<StreamPlan> = {}): ApiAction => ({
  kind: "stream",
  plan: textPlan(pieces, ending, overrides),
});
const PIPELINE: Pipeline = { kind: "pipeline", text: null, shape: "text", oneByte: false, crlf: false, chunked: false, encoding: null };
const GZIP: EncodingPlan = { name: "gzip", bytes: "compressed" };

/**
 * The action for `fault` on a request that does (`stream`) or does not ask for a stream and asks for `word`.
 * `apiKey` is the request's x-api-key, which only the echoing-gateway fault uses.
 */
export function apiAction(fault: Fault, stream: boolean, word: string, apiKey: string | null = null): ApiAction {
  const healthy = () => jsonReply(200, messageJson(textContent(word)));
  const emptyContent = () => (stream ? plan([], "complete") : whole(jsonReply(200, messageJson("[]"))));
  switch (fault) {
    case "none":
    case "tool_text":
    case "tool_input_cut":
    case "tool_unknown":
    case "tool_missing_key":
    case "tool_bad_json":
    // The tool faults change only a tool call, which the handler builds (tool-use.ts); anything else is healthy.
    case "chunked_json":
      return { ...PIPELINE, chunked: fault === "chunked_json" };
    case "one_byte_chunks":
      return { ...PIPELINE, oneByte: true };
    case "crlf":
      return { ...PIPELINE, crlf: true };
    case "wrong_answer":
      return { ...PIPELINE, text: WRONG_ANSWER_TEXT };
    case "thinking":
    case "tool_use":
    case "refusal":
    case "citations":
      return { ...PIPELINE, shape: fault };
    case "gzip":
    case "br":
    case "deflate":
      return { ...PIPELINE, encoding: { name: fault, bytes: "compressed" } };
    case "gzip_garbage":
      return { ...PIPELINE, encoding: { name: "gzip", bytes: "plain" } };
    case "gzip_bomb":
      return { ...PIPELINE, encoding: { name: "gzip", bytes: "bomb" } };
    case "gzip_cut":
      return stream ? plan(splitPieces(word), "reset", { encoding: GZIP }) : written(healthy(), "half_then_reset", GZIP);
    case "close_delimited_stall":
      return stream ? plan(splitPieces(word), "pings", { closeDelimited: true }) : written(healthy(), "close_delimited_stall");
    case "http_500":
      return whole(jsonReply(500, FIXTURES.apiError));
    case "http_504":
      return whole(jsonReply(504, FIXTURES.timeout));
    case "http_502_html":
    case "http_503_html":
    case "cf_522":
    case "cf_522_json":
    case "region_forbidden":
    case "region_unavailable":
    case "forbidden_1010":
    case "challenge":
    case "hang":
    case "reset_before_headers": {
      const outcome = edgeOutcome(fault, (type) => apiHeaders(type));
      if (!outcome) throw new Error(`no edge outcome for ${fault}`);
      return { kind: "outcome", outcome };
    }
    case "overloaded":
      return whole(jsonReply(529, FIXTURES.overloaded));
    case "overloaded_legacy":
      return whole({ status: 529, headers: apiHeaders("application/json", null), body: FIXTURES.overloadedLegacy });
    case "overloaded_no_details":
      return whole(errorReply(529, "overloaded_error", "Overloaded"));
    case "echo_key":
      return whole(echoedError(apiKey));
    case "deep_json":
      // The same JSON to a stream request: a stream probe then gets JSON where an event stream belongs.
      return whole(jsonReply(200, withDeepKey(messageJson(textContent(word)))));
    case "rate_limited":
      return whole(jsonReply(429, FIXTURES.rateLimit, { "retry-after": "17" }));
    case "spend_cap":
      return whole(jsonReply(429, FIXTURES.spendCap));
    case "unauthorized":
      return whole(authReply(FIXTURES.invalidKey));
    case "key_forbidden":
      // Only a key can lack permission: a keyless request gets the usual 401.
      return apiKey ? whole(jsonReply(403, KEY_FORBIDDEN)) : PIPELINE;
    case "bad_request":
      return whole(jsonReply(400, FIXTURES.missingMaxTokens));
    case "retired_model":
      return whole(jsonReply(404, FIXTURES.retiredModel));
    case "empty_content":
    case "stream_no_text":
      return emptyContent();
    case "empty_text":
      return stream ? plan([""], "complete") : whole(jsonReply(200, messageJson(textContent(""))));
    case "html_200":
      return whole({ status: 200, headers: apiHeaders("text/html"), body: PORTAL_200 });
    case "invalid_json":
      return whole(jsonReply(200, '{"model":"claude-haiku-4-5-20251001","id":"msg_01'));
    case "wrong_shape":
      return whole(jsonReply(200, '{"ok":true}'));
    case "reset_after_headers":
      return stream ? plan(splitPieces(word), "reset") : written(healthy(), "half_then_reset");
    case "stream_error":
      return stream ? plan(splitPieces(word), "error") : whole(jsonReply(529, FIXTURES.overloaded));
    case "stream_truncated":
      return stream ? plan(splitPieces(word), "truncated") : written(healthy(), "half_then_reset");
    case "stream_stall":
      return stream ? plan(splitPieces(word), "stall") : written(healthy(), "half_then_stall");
    // The app target's faults (lib/simulator/app.ts) mean nothing to the Messages API: it answers as healthy.
    case "bootstrap_500":
    case "bootstrap_529":
    case "bootstrap_429":
    case "bootstrap_hang":
    case "script_404":
    case "script_throw":
    case "page_error":
    case "third_party_500":
    case "challenge_clears":
    case "challenge_stays":
      return PIPELINE;
    default: {
      const unhandled: never = fault;
      throw new Error(`fault ${String(unhandled)} has no API behaviour`);
    }
  }
}

/** A gateway in trouble that echoes request headers: x-api-key comes back as the request id, header and body. */
function echoedError(apiKey: string | null): Reply {
  const reply = errorReply(500, "api_error", "Internal server error");
  if (!apiKey) return reply;
  const body = JSON.stringify({ type: "error", error: { type: "api_error", message: "Internal server error" }, request_id: apiKey });
  return { ...reply, headers: { ...reply.headers, "request-id": apiKey }, body };
}
