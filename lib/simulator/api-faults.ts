/** What each fault does to a Messages API request, for its non-streaming and streaming forms. */
import { apiHeaders, FIXTURES, jsonReply, messageJson, textContent } from "./api-bodies";
import type { Fault } from "./faults";
import { edgeOutcome, PORTAL_200 } from "./html-pages";
import { splitPieces, type StreamPlan } from "./sse";
import type { Outcome, Reply } from "./wire";

export const WRONG_ANSWER_TEXT = "I cannot help with that.";

/**
 * A fault either replaces the answer outright (`outcome`, `stream`) or lets the normal pipeline run, request checks
 * included, and only changes how its answer is written (`pipeline`).
 */
export type ApiAction = { kind: "outcome"; outcome: Outcome } | { kind: "stream"; plan: StreamPlan } | Pipeline;

/** Run the normal pipeline; write one byte at a time, with CRLF line ends, or with other text if asked. */
export interface Pipeline {
  kind: "pipeline";
  oneByte: boolean;
  crlf: boolean;
  text: string | null;
}

const whole = (reply: Reply): ApiAction => ({ kind: "outcome", outcome: { kind: "reply", reply, delivery: "whole" } });
const halfThen = (reply: Reply, end: "reset" | "stall"): ApiAction => ({
  kind: "outcome",
  outcome: { kind: "reply", reply, delivery: end === "reset" ? "half_then_reset" : "half_then_stall" },
});
const plan = (pieces: string[], ending: StreamPlan["ending"]): ApiAction => ({
  kind: "stream",
  plan: { pieces, ending, crlf: false, oneByte: false },
});
const PIPELINE: Pipeline = { kind: "pipeline", oneByte: false, crlf: false, text: null };

/** The action for `fault` on a request that does (`stream`) or does not ask for a stream and asks for `word`. */
export function apiAction(fault: Fault, stream: boolean, word: string): ApiAction {
  const healthy = () => jsonReply(200, messageJson(textContent(word)));
  const emptyContent = () => (stream ? plan([], "complete") : whole(jsonReply(200, messageJson("[]"))));
  switch (fault) {
    case "none":
      return PIPELINE;
    case "one_byte_chunks":
      return { ...PIPELINE, oneByte: true };
    case "crlf":
      return { ...PIPELINE, crlf: true };
    case "wrong_answer":
      return { ...PIPELINE, text: WRONG_ANSWER_TEXT };
    case "http_500":
      return whole(jsonReply(500, FIXTURES.apiError));
    case "http_504":
      return whole(jsonReply(504, FIXTURES.timeout));
    case "http_502_html":
    case "http_503_html":
    case "cf_522":
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
    case "rate_limited":
      return whole(jsonReply(429, FIXTURES.rateLimit, { "retry-after": "17" }));
    case "spend_cap":
      return whole(jsonReply(429, FIXTURES.spendCap));
    case "unauthorized":
      return whole(jsonReply(401, FIXTURES.invalidKey));
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
      return stream ? plan(splitPieces(word), "reset") : halfThen(healthy(), "reset");
    case "stream_error":
      return stream ? plan(splitPieces(word), "error") : whole(jsonReply(529, FIXTURES.overloaded));
    case "stream_truncated":
      return stream ? plan(splitPieces(word), "truncated") : halfThen(healthy(), "reset");
    case "stream_stall":
      return stream ? plan(splitPieces(word), "stall") : halfThen(healthy(), "stall");
    default: {
      const unhandled: never = fault;
      throw new Error(`fault ${String(unhandled)} has no API behaviour`);
    }
  }
}
