/**
 * The Messages API's bytes: fixture error bodies, the recorded non-streaming message as a template, the headers
 * every API answer carries, and the reply word a request asks for.
 */
import { readFileSync } from "node:fs";
import type { OutgoingHttpHeaders } from "node:http";
import { edgeHeaders, isRecord, randomAlnum, type ParsedBody, type Reply } from "./wire";

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/claude/${name}`, import.meta.url));

/** Fixture bodies served byte for byte. */
export const FIXTURES = {
  missingVersion: fixture("errors/400-missing-anthropic-version.json"),
  missingMaxTokens: fixture("errors/400-missing-max-tokens.json"),
  missingKey: fixture("errors/401-missing-api-key.json"),
  invalidKey: fixture("errors/401-invalid-api-key.json"),
  notFound: fixture("errors/404-docs-example.json"),
  retiredModel: fixture("errors/404-unknown-or-retired-model.json"),
  rateLimit: fixture("errors/429-rate-limit.json"),
  spendCap: fixture("errors/429-spend-cap-no-retry-after.json"),
  apiError: fixture("errors/500-api-error.json"),
  timeout: fixture("errors/504-timeout-error.json"),
  overloaded: fixture("errors/529-overloaded.json"),
  overloadedLegacy: fixture("errors/529-overloaded-legacy-no-request-id.json"),
  countTokens: fixture("count-tokens.response.json"),
  models: fixture("models-list.response.illustrative.json"),
} as const;

export const RETIRED_MODELS: ReadonlySet<string> = new Set(["claude-3-5-haiku-20241022", "claude-3-haiku-20240307"]);

const MESSAGE = fixture("response-nonstreaming.haiku-4-5.simulator.json").toString("utf8");
const MESSAGE_ID = '"id":"msg_01Q7ZxWk3nR8vTb2LmPc9dHs"';
const [MESSAGE_HEAD, MESSAGE_TAIL] = splitOnce(MESSAGE, '"content":[{"type":"text","text":"pong"}]');
if (!MESSAGE_TAIL.includes('"stop_reason":"end_turn"')) throw new Error("simulator fixture message lost its stop_reason");
const [MODEL_MSG_HEAD, MODEL_MSG_TAIL] = splitOnce(FIXTURES.retiredModel.toString("utf8"), "claude-3-5-haiku-20241022");

/** Split around the one occurrence of `marker`; a fixture that lost it must fail at load, not serve nonsense. */
export function splitOnce(text: string, marker: string): [string, string] {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`simulator fixture is missing ${JSON.stringify(marker)}`);
  return [text.slice(0, at), text.slice(at + marker.length)];
}

/** A fresh `req_011Sim…` id, shaped like the API's. */
export function newRequestId(): string {
  return `req_011Sim${randomAlnum(18)}`;
}

/** A fresh `msg_01…` id of the recorded length. */
export function newMessageId(): string {
  return `msg_01${randomAlnum(22)}`;
}

/** The headers on every API answer; `requestId` null leaves request-id out (the legacy 529). */
export function apiHeaders(contentType: string, requestId: string | null = newRequestId()): OutgoingHttpHeaders {
  const now = Date.now();
  const at = (ms: number) => new Date(now + ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    "content-type": contentType,
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": at(1000),
    "anthropic-ratelimit-input-tokens-limit": "50000",
    "anthropic-ratelimit-input-tokens-remaining": "50000",
    "anthropic-ratelimit-input-tokens-reset": at(0),
    "anthropic-ratelimit-output-tokens-limit": "10000",
    "anthropic-ratelimit-output-tokens-remaining": "10000",
    "anthropic-ratelimit-output-tokens-reset": at(0),
    "anthropic-ratelimit-tokens-limit": "60000",
    "anthropic-ratelimit-tokens-remaining": "60000",
    "anthropic-ratelimit-tokens-reset": at(0),
    ...(requestId ? { "request-id": requestId } : {}),
    "anthropic-organization-id": "3f6a1c2e-8b9d-4e57-a0c1-2d4f6b8e9a10",
    via: "1.1 google",
    "cf-cache-status": "DYNAMIC",
    "x-robots-tag": "none",
    ...edgeHeaders(),
  };
}

/** A JSON answer with the API's headers; an error body's `request_id` becomes the header's, as the API sends one id. */
export function jsonReply(status: number, body: string | Buffer, extra: OutgoingHttpHeaders = {}): Reply {
  const requestId = newRequestId();
  return { status, headers: { ...apiHeaders("application/json", requestId), ...extra }, body: withRequestId(body, requestId) };
}

/**
 * A 401 with the real one's headers: no rate-limit or organization headers (no key, no account), and
 * `x-should-retry: false`, which the SDKs obey.
 */
export function authReply(body: string | Buffer): Reply {
  const requestId = newRequestId();
  const headers: OutgoingHttpHeaders = {
    "content-type": "application/json",
    "x-should-retry": "false",
    "request-id": requestId,
    via: "1.1 google",
    "cf-cache-status": "DYNAMIC",
    "x-robots-tag": "none",
    ...edgeHeaders(),
  };
  return { status: 401, headers, body: withRequestId(body, requestId) };
}

/** `body` with its `"request_id":"…"` (a fixture's recorded one) replaced by `requestId`; other bytes untouched. */
export function withRequestId(body: string | Buffer, requestId: string): string | Buffer {
  const text = body.toString();
  return text.includes('"request_id":"') ? text.replace(/"request_id":"[^"]*"/, `"request_id":${JSON.stringify(requestId)}`) : body;
}

/** An error envelope not covered by a fixture, with the same request id in header and body. */
export function errorReply(status: number, type: string, message: string): Reply {
  const requestId = newRequestId();
  const body = JSON.stringify({ type: "error", error: { type, message }, request_id: requestId });
  return { status, headers: apiHeaders("application/json", requestId), body };
}

/** The 404 fixture with this model id in its message. */
export function unknownModelBody(model: string): string {
  return MODEL_MSG_HEAD + JSON.stringify(model).slice(1, -1) + MODEL_MSG_TAIL;
}

/** The recorded message with `content` (a JSON array, already serialised) in place of the text block. */
export function messageJson(content: string, stopReason = "end_turn"): string {
  const tail = MESSAGE_TAIL.replace('"stop_reason":"end_turn"', `"stop_reason":${JSON.stringify(stopReason)}`);
  return (MESSAGE_HEAD + `"content":${content}` + tail).replace(MESSAGE_ID, `"id":"${newMessageId()}"`);
}

/** A content array holding one text block. */
export function textContent(text: string): string {
  return `[{"type":"text","text":${JSON.stringify(text)}}]`;
}

/** True when the body asks for a stream (`"stream": true`). */
export function wantsStream(json: ParsedBody): boolean {
  return json.ok && isRecord(json.value) && json.value.stream === true;
}

/** The `model` field, when it is a string. */
export function modelOf(json: ParsedBody): string | null {
  return json.ok && isRecord(json.value) && typeof json.value.model === "string" ? json.value.model : null;
}

/** The word after "Reply with exactly:" in the last user message (first line, trimmed, end punctuation off), else "pong". */
export function replyWord(json: ParsedBody): string {
  const messages = json.ok && isRecord(json.value) && Array.isArray(json.value.messages) ? json.value.messages : [];
  const lastUser = [...messages].reverse().find((m) => isRecord(m) && m.role === "user");
  const text = isRecord(lastUser) ? textOf(lastUser.content) : "";
  const asked = /Reply with exactly:([^\n]*)/i.exec(text)?.[1] ?? "";
  const word = asked.trim().replace(/[.,;:!?…]+$/u, "").trim();
  return word === "" ? "pong" : word;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  // A tool_result's content (a string or text blocks) is what the follow-up of a tool call asks with.
  const text = (block: unknown): string => (!isRecord(block) ? "" : typeof block.text === "string" ? block.text : block.type === "tool_result" ? textOf(block.content) : "");
  return content.map(text).join("\n");
}
