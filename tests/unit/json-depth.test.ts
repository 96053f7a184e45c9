/**
 * Valid JSON nested deeper than any stack: refused as malformed_response before JSON.parse, on both of the parser's
 * paths (in place for small bodies, on the thread for big ones), never "probe crashed".
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isNestedDeeperThan, MAX_JSON_DEPTH, TOO_DEEP_ERROR } from "@/probes/json-depth";
import { JsonParser, OFF_THREAD_MIN_CHARS } from "@/probes/json-thread";
import { parseSummary, readSummary } from "@/probes/statuspage";
import { probeStatus } from "@/probes/status";
import { probeIncidentHistory } from "@/probes/status-history";
import { deepArray, DEEP_JSON_LEVELS, withDeepKey } from "@/lib/simulator/deep-json";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { testTarget } from "@/tests/unit/support";

const nested = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
const never = new AbortController().signal;

describe("counting nesting on the text", () => {
  it.each([
    ["flat", '{"a":1,"b":[1,2]}', 2, false],
    [`exactly ${MAX_JSON_DEPTH} levels`, nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH, false],
    [`${MAX_JSON_DEPTH + 1} levels`, nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH, true],
    ["brackets inside strings", JSON.stringify({ a: "[[[[{{{{", b: ["]]]"] }), 2, false],
    ["escaped quotes and backslashes in strings", JSON.stringify({ a: 'x\\"[[[[', b: "\\", c: '\\\\"{{{{' }), 1, false],
    ["a key of brackets", JSON.stringify({ "[[[[": { "{{": 1 } }), 2, false],
    ["deep objects", '{"a":'.repeat(100) + "1" + "}".repeat(100), 64, true],
    ["siblings do not add up", `[${Array(1000).fill("[[]]").join(",")}]`, 3, false],
  ])("%s", (_name, text, max, deeper) => {
    expect(isNestedDeeperThan(text, max)).toBe(deeper);
  });
});

describe("the JSON parser bounds depth on both paths", () => {
  const parser = new JsonParser((json: unknown) => Array.isArray(json));
  it.each([
    ["in place (small body)", nested(10_000)],
    ["on the thread (big body)", deepArray()],
  ])("%s: a valid document too deep is an error, not a crash", async (_path, text) => {
    await expect(parser.parse(text, undefined)).resolves.toEqual({ error: TOO_DEEP_ERROR });
    expect(parser.parseHere(text, undefined)).toEqual({ error: TOO_DEEP_ERROR });
  });

  it("the thread still answers ordinary documents after refusing one", async () => {
    await parser.parse(deepArray(), undefined);
    const big = JSON.stringify(Array.from({ length: OFF_THREAD_MIN_CHARS / 4 }, (_, i) => [i]));
    expect(big.length).toBeGreaterThan(OFF_THREAD_MIN_CHARS);
    await expect(parser.parse(big, undefined)).resolves.toEqual({ value: true });
  });

  it("summary.json with a deep key is unreadable, whichever way it is parsed", async () => {
    const small = withDeepKey('{"page":{"id":"x","name":"y"},"components":[],"status":{"indicator":"none","description":"ok"}}').replace(deepArray(), nested(5_000));
    expect(small.length).toBeLessThan(OFF_THREAD_MIN_CHARS);
    for (const body of [small, withDeepKey(small)]) {
      expect(parseSummary(body)).toEqual({ error: TOO_DEEP_ERROR });
      await expect(readSummary(body)).resolves.toEqual({ error: TOO_DEEP_ERROR });
    }
  });
});

describe("the status probe against a page with a key nested 400,000 deep", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it("summary.json is malformed_response, nested too deeply, and official status unknown", async () => {
    sim.setFault("status", "deep_json");
    const { result, summary, raw } = await probeStatus(testTarget("status", sim.url, { timeoutMs: 15_000 }), never);
    expect(raw?.length).toBeGreaterThan(2 * DEEP_JSON_LEVELS);
    expect([result.errorClass, result.outcome, result.httpStatus]).toEqual(["malformed_response", "down", 200]);
    expect(result.message).toBe(`summary.json ${TOO_DEEP_ERROR}`);
    expect(summary).toBeNull();
  });

  it("incidents.json is refused the same way", async () => {
    sim.setFault("status", "deep_json");
    const history = await probeIncidentHistory(testTarget("status", sim.url, { timeoutMs: 15_000 }), never);
    expect(history.error).toContain("nested too deeply");
  });
});
