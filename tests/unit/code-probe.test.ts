import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Fault, type FaultSpec, type Simulator } from "@/lib/simulator";
import { CODE_MAX_TOKENS, CODE_TOOLS, PROBE_FILE } from "@/probes/code-request";
import { probeCode, type CodeDetails } from "@/probes/code";
import { probeStream } from "@/probes/stream";
import type { ErrorClass, Outcome, ProbeResult } from "@/probes/types";
import { CANARY_KEY, testTarget } from "@/tests/unit/support";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const never = new AbortController().signal;
const target = (overrides = {}) => testTarget("code", sim.url, { name: "code:claude-haiku-4-5", model: "claude-haiku-4-5", apiKey: CANARY_KEY, ...overrides });
const run = () => probeCode(target(), never);
const detailsOf = (result: ProbeResult) => result.details as unknown as CodeDetails;
const bodies = () => sim.requests.filter((r) => r.path.endsWith("/v1/messages")).map((r) => JSON.parse(r.body));

/** Nothing of the key anywhere in the result: not the message, not the request ids, not the details. */
function expectNoKey(result: ProbeResult) {
  expect(JSON.stringify(result)).not.toContain(CANARY_KEY);
  expect(JSON.stringify(result)).not.toContain("CANARY");
}

describe("code probe: the healthy round trip", () => {
  it("is up, with the first request's TTFT, the whole round trip, and two steps", async () => {
    const result = await run();
    expect([result.kind, result.outcome, result.errorClass, result.httpStatus]).toEqual(["code", "up", null, 200]);
    const details = detailsOf(result);
    expect(details.tool).toBe("read_file");
    expect(details.steps.map((s) => [s.step, s.httpStatus])).toEqual([[1, 200], [2, 200]]);
    for (const step of details.steps) expect(step.requestId).toMatch(/^req_011Sim/);
    expect(result.ttftMs).toBeGreaterThan(0);
    // Each figure is rounded to 0.1 ms: 0.2 of slack.
    expect(result.totalMs!).toBeGreaterThanOrEqual(details.steps[0]!.totalMs + details.steps[1]!.totalMs - 0.2);
    expect(result.requestId).toBe(details.steps[1]!.requestId);
    expectNoKey(result);
  });

  it("sends Claude Code's shape: a stream with a system prompt and tools, then the tool_result carrying the answer prompt", async () => {
    await run();
    const [first, second] = bodies();
    expect(first).toMatchObject({ stream: true, max_tokens: CODE_MAX_TOKENS, tools: CODE_TOOLS });
    expect(first.system[0].type).toBe("text");
    expect(first.tool_choice).toBeUndefined();
    expect(first.messages[0].content).toContain(PROBE_FILE);
    const call = second.messages[1].content.find((b: { type: string }) => b.type === "tool_use");
    expect(call).toMatchObject({ name: "read_file", input: { path: PROBE_FILE } });
    expect(second.messages[2].content).toEqual([{ type: "tool_result", tool_use_id: call.id, content: "Reply with exactly: pong" }]);
    // Only documented headers: no anthropic-beta (Claude Code's own claude-code-20250219 is not a documented beta).
    for (const request of sim.requests) {
      expect(request.headers["anthropic-beta"]).toBeUndefined();
      expect(request.headers["x-api-key"]).toBe(CANARY_KEY);
    }
  });

  it("streams the tool input in several input_json_delta pieces", async () => {
    const body = JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 64, stream: true, tools: CODE_TOOLS, messages: [{ role: "user", content: `Call read_file with path "${PROBE_FILE}".` }] });
    const raw = await fetch(`${sim.url}/v1/messages`, { method: "POST", body, headers: { "anthropic-version": "2023-06-01", "content-type": "application/json", "x-api-key": CANARY_KEY } });
    const text = await raw.text();
    expect(text.match(/"input_json_delta"/g)!.length).toBeGreaterThan(3);
    expect(text).toContain('"stop_reason":"tool_use"');
  });

  it("measures the injected delays: TTFT after the first request's wait, the round trip after both", async () => {
    sim.setFault("api", { fault: "none", ttfbMs: 150, gapMs: 10 });
    const result = await run();
    expect(result.outcome).toBe("up");
    expect(result.ttftMs!).toBeGreaterThanOrEqual(150);
    expect(result.totalMs!).toBeGreaterThanOrEqual(300);
    expect(detailsOf(result).steps.every((s) => s.totalMs >= 150)).toBe(true);
  });

  it("a round trip over slowMs is slow", async () => {
    sim.setFault("api", { fault: "none", ttfbMs: 150 });
    const result = await probeCode(target({ slowMs: 200 }), never);
    expect([result.errorClass, result.outcome]).toEqual(["slow", "degraded"]);
    expect(result.message).toMatch(/^round trip \d+ ms over the 200 ms threshold/);
  });
});

type Row = [name: string, spec: FaultSpec, errorClass: ErrorClass, outcome: Outcome, message: RegExp];

// Step 1's own failures: the tool call spoiled, or the request failing as any stream does.
const stepOne: Row[] = [
  ["text instead of the tool call", { fault: "tool_text" }, "wrong_answer", "degraded", /^step 1 \(tool call\): text where the tool call belongs/],
  ["tool input cut mid-JSON", { fault: "tool_input_cut" }, "stream_truncated", "down", /^step 1 \(tool call\): stream ended mid tool input/],
  ["a tool not offered", { fault: "tool_unknown" }, "wrong_answer", "degraded", /^step 1 \(tool call\): called a tool that was not offered: "execute_sql"/],
  ["input missing a required key", { fault: "tool_missing_key" }, "wrong_answer", "degraded", /^step 1 \(tool call\): read_file input lacks required "path"/],
  ["tool input that is not JSON", { fault: "tool_bad_json" }, "malformed_response", "down", /^step 1 \(tool call\): tool input is not JSON/],
  ["HTTP 529", { fault: "overloaded", step: "call" }, "overloaded", "down", /^step 1 \(tool call\): HTTP 529/],
  ["HTTP 500", { fault: "http_500", step: "call" }, "http_5xx", "down", /^step 1 \(tool call\): HTTP 500/],
  ["HTTP 429", { fault: "rate_limited", step: "call" }, "rate_limited", "inconclusive", /^step 1 \(tool call\): HTTP 429/],
  ["HTTP 401", { fault: "unauthorized", step: "call" }, "auth_error", "inconclusive", /^step 1 \(tool call\): MISCONFIGURED/],
  ["an in-band error", { fault: "stream_error", step: "call" }, "stream_error", "down", /^step 1 \(tool call\): in-band error after HTTP 200: overloaded_error/],
  ["a reset mid-stream", { fault: "reset_after_headers", step: "call" }, "stream_truncated", "down", /^step 1 \(tool call\): stream cut before message_stop/],
  ["no answer at all", { fault: "hang", step: "call" }, "timeout", "down", /^step 1 \(tool call\): deadline passed before the response headers/],
];

// Step 2's: the tool call went well, the request carrying its tool_result did not.
const stepTwo: Row[] = [
  ["HTTP 529", { fault: "overloaded", step: "result" }, "overloaded", "down", /^step 2 \(tool_result\): HTTP 529/],
  ["HTTP 500", { fault: "http_500", step: "result" }, "http_5xx", "down", /^step 2 \(tool_result\): HTTP 500/],
  ["an in-band error", { fault: "stream_error", step: "result" }, "stream_error", "down", /^step 2 \(tool_result\): in-band error after HTTP 200: overloaded_error/],
  ["a stream without message_stop", { fault: "stream_truncated", step: "result" }, "stream_truncated", "down", /^step 2 \(tool_result\): stream ended before message_stop/],
  ["a reset before the headers", { fault: "reset_before_headers", step: "result" }, "connection_error", "down", /^step 2 \(tool_result\): ECONNRESET/],
  ["the wrong final answer", { fault: "wrong_answer", step: "result" }, "wrong_answer", "degraded", /^step 2 \(tool_result\): expected "pong"/],
  ["a refusal", { fault: "refusal", step: "result" }, "wrong_answer", "degraded", /^step 2 \(tool_result\): refusal/],
];

/** One run under `spec`: its class, outcome and message as given. */
async function failsAs(spec: Row[1], errorClass: Row[2], outcome: Row[3], message: RegExp): Promise<ProbeResult> {
  sim.setFault("api", spec);
  const result = await run();
  expect([result.errorClass, result.outcome]).toEqual([errorClass, outcome]);
  expect(result.message).toMatch(message);
  return result;
}

describe("code probe: step 1 failures", () => {
  it.each(stepOne)("%s is %s", async (_name, spec, errorClass, outcome, message) => {
    const result = await failsAs(spec, errorClass, outcome, message);
    // A failed tool call is never answered: the round trip stops at step 1.
    expect(bodies()).toHaveLength(1);
    expect(detailsOf(result).steps.map((s) => s.step)).toEqual([1]);
    expectNoKey(result);
  });
});

describe("code probe: step 2 failures", () => {
  it.each(stepTwo)("%s is %s", async (_name, spec, errorClass, outcome, message) => {
    const result = await failsAs(spec, errorClass, outcome, message);
    const details = detailsOf(result);
    expect(details.steps.map((s) => s.step)).toEqual([1, 2]);
    expect(details.steps[0]!.httpStatus).toBe(200);
    expect(details.tool).toBe("read_file");
    // TTFT is still the first request's: counted from the run's start, so at least step 1's own, and before step 2
    // began (the round trip less step 2; 0.2 for rounding each to 0.1 ms).
    expect(result.ttftMs!).toBeGreaterThanOrEqual(details.steps[0]!.ttftMs!);
    expect(result.ttftMs!).toBeLessThanOrEqual(result.totalMs! - details.steps[1]!.totalMs + 0.2);
    expectNoKey(result);
  });

  it("a gateway that echoes the key into step 2's request id leaves no trace of it", async () => {
    sim.setFault("api", { fault: "echo_key", step: "result" });
    const result = await run();
    expect(result.errorClass).toBe("http_5xx");
    expect(detailsOf(result).steps[1]!.requestId).toBeNull();
    expectNoKey(result);
  });
});

describe("simulator: tool faults touch only a tool call", () => {
  it.each(["tool_text", "tool_input_cut", "tool_unknown", "tool_missing_key", "tool_bad_json"] as Fault[])("under %s a stream without tools is healthy", async (fault) => {
    sim.setFault("api", fault);
    expect((await probeStream(testTarget("stream", sim.url), never)).outcome).toBe("up");
  });

  it("a step filter leaves requests without tools alone", async () => {
    sim.setFault("api", { fault: "overloaded", step: "call" });
    expect((await probeStream(testTarget("stream", sim.url), never)).outcome).toBe("up");
  });

  it("counts its own requests apart under every N: the other probes' requests are hit as before", async () => {
    sim.setFault("api", { fault: "overloaded", every: 2 });
    const stream = () => probeStream(testTarget("stream", sim.url), never);
    expect((await stream()).outcome).toBe("up");
    // Its own count: step 1 is its first request (healthy), step 2 its second (529).
    expect((await run()).message).toMatch(/^step 2 \(tool_result\): HTTP 529/);
    expect((await stream()).errorClass).toBe("overloaded");
  });
});
