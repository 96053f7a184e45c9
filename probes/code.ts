/**
 * The `code` probe: the request shape Claude Code sends to the Messages API (streaming, a system prompt, tool
 * definitions with JSON schemas), one requested tool call whose streamed input is checked, then the `tool_result`
 * round trip whose final answer must pass the answer check. Two requests, one result.
 */
import { judgeAnswer, postMessagesRequest } from "@/probes/anthropic";
import type { Failure } from "@/probes/classify";
import { CODE_MAX_TOKENS, CODE_SYSTEM, CODE_TOOLS, codeAsk } from "@/probes/code-request";
import { roundMs } from "@/probes/http";
import { isResult, ProbeRun, type ResultFields } from "@/probes/result";
import { sanitizeMessage, sanitizeRequestId } from "@/probes/sanitize";
import { sendStream, type StreamRead } from "@/probes/stream";
import { streamFailure, type StreamState, type ToolUse } from "@/probes/stream-events";
import type { ProbeResult, ProbeTarget } from "@/probes/types";

/** One step's figures for `details.steps`; times from that step's own start. */
export interface CodeStep {
  step: 1 | 2;
  ttftMs: number | null;
  totalMs: number;
  httpStatus: number | null;
  requestId: string | null;
}

/** `details` of a code result: each step's figures and the tool the model called (an offered name, or null). */
export interface CodeDetails {
  steps: CodeStep[];
  tool: string | null;
}

const STEP_NAMES = { 1: "tool call", 2: "tool_result" } as const;

/** The tool call, its tool_result, the final answer. Never throws: failures come back as a result. */
export async function probeCode(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
  const run = new ProbeRun(target, "code", signal);
  const steps: CodeStep[] = [];
  const asked = [{ role: "user", content: codeAsk() }];
  const one = await runStep(run, target, 1, asked, steps);
  if (isResult(one)) return failedAt(run, 1, fieldsOf(one), { steps, tool: null }, one.ttftMs, null);
  const firstToken = firstTokenMs(one.state);
  const call = judgeToolCall(target, one.state);
  if ("errorClass" in call) return failedAt(run, 1, { ...one.fields, ...call }, { steps, tool: null }, firstToken, null);
  const details = { steps, tool: call[0]!.name };

  const replied = [
    ...asked,
    { role: "assistant", content: assistantTurn(one.state, call) },
    // Every tool_use needs its tool_result; each carries the answer prompt, so the final reply is the usual check.
    { role: "user", content: call.map((use) => ({ type: "tool_result", tool_use_id: use.id, content: target.answer.prompt })) },
  ];
  const two = await runStep(run, target, 2, replied, steps);
  if (isResult(two)) return failedAt(run, 2, fieldsOf(two), details, firstToken, one.state.outputTokens);
  const fields: ResultFields = { ...one.fields, httpStatus: two.fields.httpStatus, requestId: two.fields.requestId, outputTokens: two.state.outputTokens };
  const failure = streamFailure(target, two.state);
  if (failure) return failedAt(run, 2, { ...fields, ...failure }, details, firstToken, one.state.outputTokens);
  const done = finish(run, fields, details, firstToken, one.state.outputTokens);
  return run.judge(null, done, done.totalMs, "round trip");
}

/** Send one step's request and read its stream; its figures go into `steps` either way. */
async function runStep(run: ProbeRun, target: ProbeTarget, step: 1 | 2, messages: unknown[], steps: CodeStep[]): Promise<ProbeResult | StreamRead> {
  const startMs = run.clock.elapsed();
  const request = { model: target.model ?? "claude-haiku-4-5", max_tokens: CODE_MAX_TOKENS, stream: true, system: CODE_SYSTEM, tools: CODE_TOOLS, messages };
  const read = await sendStream(run, (signal) => postMessagesRequest(target, request, run.clock, signal));
  const fields = isResult(read) ? read : read.fields;
  const first = isResult(read) ? read.ttftMs : firstTokenMs(read.state);
  steps.push({
    step,
    ttftMs: first == null ? null : roundMs(first - startMs),
    totalMs: roundMs(run.clock.elapsed() - startMs),
    httpStatus: fields.httpStatus ?? null,
    requestId: sanitizeRequestId(fields.requestId, target.apiKey ? [target.apiKey] : []),
  });
  return read;
}

/** A step's result as fields, to be folded into the run's one result. */
function fieldsOf(result: ProbeResult): ResultFields {
  const { probe: _probe, kind: _kind, model: _model, startedAt: _startedAt, outcome: _outcome, ...fields } = result;
  return fields;
}

/** The run's figures: the first request's phases and first token, the whole round trip, both steps' output tokens. */
function finish(run: ProbeRun, fields: ResultFields, details: CodeDetails, ttftMs: number | null, stepOneTokens: number | null): ResultFields {
  const outputTokens = stepOneTokens == null && fields.outputTokens == null ? null : (stepOneTokens ?? 0) + (fields.outputTokens ?? 0);
  return { ...fields, ttftMs, totalMs: run.clock.elapsed(), outputTokens, tokensPerSecond: null, details: { ...details } };
}

/** The run's result when step `step` failed: that step's class, its message led by the step's name. */
function failedAt(run: ProbeRun, step: 1 | 2, fields: ResultFields, details: CodeDetails, ttftMs: number | null | undefined, stepOneTokens: number | null): ProbeResult {
  const message = `step ${step} (${STEP_NAMES[step]}): ${fields.message ?? "failed"}`;
  return run.result({ ...finish(run, fields, details, ttftMs ?? null, stepOneTokens), message });
}

/**
 * The tool calls of a finished first step, or why they are not right: input that is not JSON (or not an object) is
 * malformed; a tool not offered, missing required keys, or text where the call belongs is a wrong answer.
 */
export function judgeToolCall(target: ProbeTarget, state: StreamState): ToolUse[] | Failure {
  const open = state.toolUses.find((use) => !use.closed);
  if (state.failure) return state.failure;
  if (!state.stopped && open) return { errorClass: "stream_truncated", message: `stream ended mid tool input (${open.json.length} bytes of JSON), before message_stop` };
  if (!state.stopped) return streamFailure(target, state)!;
  const stop = `stop_reason ${state.stopReason ?? "null"}`;
  if (state.toolUses.length === 0) {
    if (state.text.trim() !== "") return { errorClass: "wrong_answer", message: `text where the tool call belongs (${stop}): "${state.text}"` };
    return judgeAnswer(target, state) ?? { errorClass: "empty_response", message: `no tool call and no text (${stop})` };
  }
  for (const use of state.toolUses) {
    const input = parseInput(use.json);
    if (input === undefined) return { errorClass: "malformed_response", message: `tool input is not JSON (${use.json.length} bytes, ${stop})` };
    if (input === null) return { errorClass: "malformed_response", message: `tool input is JSON but not an object (${stop})` };
    const offered = CODE_TOOLS.find((tool) => tool.name === use.name);
    if (!offered) return { errorClass: "wrong_answer", message: `called a tool that was not offered: "${sanitizeMessage(use.name, [], 64)}"` };
    const missing = offered.input_schema.required.filter((key) => !(key in input));
    if (missing.length > 0) return { errorClass: "wrong_answer", message: `${use.name} input lacks required ${missing.map((k) => `"${k}"`).join(", ")}` };
  }
  return state.toolUses;
}

/** An object parsed from streamed input; undefined when it is not JSON, null when it is JSON but not an object. */
function parseInput(json: string): Record<string, unknown> | null | undefined {
  // A tool without parameters streams no input at all: the SDKs read "" as {}.
  if (json.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return undefined;
  }
}

/** The assistant's first turn as sent back: its text, then each tool call with the input it streamed. */
function assistantTurn(state: StreamState, calls: ToolUse[]): unknown[] {
  const text = state.text.trim() === "" ? [] : [{ type: "text", text: state.text }];
  return [...text, ...calls.map((use) => ({ type: "tool_use", id: use.id, name: use.name, input: parseInput(use.json) }))];
}

/** A tool-calling answer's first token: its first text, or the first piece of tool input, whichever came first. */
function firstTokenMs(state: StreamState): number | null {
  const times = [state.ttftMs, state.firstInputMs].filter((t): t is number => t != null);
  return times.length > 0 ? Math.min(...times) : null;
}
