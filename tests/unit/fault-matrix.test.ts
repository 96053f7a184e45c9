import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { probeEdge } from "@/probes/edge";
import { probeMessages } from "@/probes/messages";
import { probeStatus } from "@/probes/status";
import { probeStream } from "@/probes/stream";
import type { ErrorClass, Outcome, ProbeResult } from "@/probes/types";
import { probeConsole, probeWeb } from "@/probes/web";
import { startSimulator, type Fault, type Simulator } from "@/lib/simulator";
import { CANARY_KEY, testTarget } from "@/tests/unit/support";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

type Row = [fault: Fault, errorClass: ErrorClass | null, outcome: Outcome, httpStatus: number | null];
const never = new AbortController().signal;

// The same upstream failure, seen by a plain call and by a stream: where they differ, the stream column says why.
const messagesMatrix: Row[] = [
  ["none", null, "up", 200],
  ["http_500", "http_5xx", "down", 500],
  ["http_504", "http_5xx", "down", 504],
  ["http_502_html", "http_5xx", "down", 502],
  ["http_503_html", "http_5xx", "down", 503],
  ["cf_522", "http_5xx", "down", 522],
  ["overloaded", "overloaded", "down", 529],
  ["overloaded_legacy", "overloaded", "down", 529],
  ["rate_limited", "rate_limited", "inconclusive", 429],
  ["spend_cap", "rate_limited", "inconclusive", 429],
  ["unauthorized", "auth_error", "inconclusive", 401],
  ["forbidden_1010", "blocked", "inconclusive", 403],
  ["challenge", "blocked", "inconclusive", 403],
  ["bad_request", "client_error", "inconclusive", 400],
  ["retired_model", "client_error", "inconclusive", 404],
  ["empty_content", "empty_response", "down", 200],
  ["empty_text", "empty_response", "down", 200],
  ["html_200", "malformed_response", "down", 200],
  ["invalid_json", "malformed_response", "down", 200],
  ["wrong_shape", "malformed_response", "down", 200],
  ["hang", "timeout", "down", null],
  ["reset_before_headers", "connection_error", "down", null],
  ["reset_after_headers", "connection_error", "down", 200],
  ["stream_stall", "timeout", "down", 200],
  ["one_byte_chunks", null, "up", 200],
  ["crlf", null, "up", 200],
  ["wrong_answer", "wrong_answer", "degraded", 200],
  // Shapes and bytes of recorded real responses.
  ["overloaded_no_details", "overloaded", "down", 529],
  ["thinking", null, "up", 200],
  ["tool_use", "wrong_answer", "degraded", 200],
  ["refusal", "wrong_answer", "degraded", 200],
  ["citations", null, "up", 200],
  ["chunked_json", null, "up", 200],
  // A proxy that compresses although we asked for identity, or gets it wrong.
  ["gzip", null, "up", 200],
  ["br", null, "up", 200],
  ["deflate", null, "up", 200],
  ["gzip_garbage", "malformed_response", "down", 200],
  ["gzip_bomb", "malformed_response", "down", 200],
  ["gzip_cut", "connection_error", "down", 200],
  ["close_delimited_stall", "timeout", "down", 200],
  ["echo_key", "http_5xx", "down", 500],
  // A reply with an extra key nested 400,000 deep is still the reply: read without recursing into it, never a crash.
  ["deep_json", null, "up", 200],
  // 403s as recorded: a network or region refused is not the key's fault; a key without permission is.
  ["region_forbidden", "blocked", "inconclusive", 403],
  ["region_unavailable", "blocked", "inconclusive", 403],
  ["key_forbidden", "auth_error", "inconclusive", 403],
  ["cf_522_json", "http_5xx", "down", 522],
];

const streamDifferences: Partial<Record<Fault, Row>> = {
  reset_after_headers: ["reset_after_headers", "stream_truncated", "down", 200],
  stream_stall: ["stream_stall", "stream_stalled", "down", 200],
  gzip_cut: ["gzip_cut", "stream_truncated", "down", 200],
  // Pings keep the idle timer quiet: the deadline is what passes, mid-stream.
  close_delimited_stall: ["close_delimited_stall", "stream_stalled", "down", 200],
  deep_json: ["deep_json", "malformed_response", "down", 200],
};
const streamOnly: Row[] = [
  ["stream_error", "stream_error", "down", 200],
  ["stream_truncated", "stream_truncated", "down", 200],
  ["stream_no_text", "empty_response", "down", 200],
];
const streamMatrix: Row[] = [...messagesMatrix.map(([fault, ...rest]) => streamDifferences[fault] ?? ([fault, ...rest] as Row)), ...streamOnly];

/**
 * Faults that deliver a healthy answer slowly by design (a byte per loop turn): the row is about reading it whole, not
 * about the deadline, so the probe gets deadlines no loaded machine reaches (1.5 s did, on a busy CI runner).
 */
const SLOW_DELIVERY: ReadonlySet<Fault> = new Set(["one_byte_chunks"]);
const rowTarget = (kind: "messages" | "stream", fault: Fault) =>
  testTarget(kind, sim.url, SLOW_DELIVERY.has(fault) ? { timeoutMs: 60_000, idleTimeoutMs: 30_000 } : {});

const API_PROBES = { messages: probeMessages, stream: probeStream, edge: probeEdge };

/** One raw Messages call to the simulator, bypassing the probes, to look at the bytes themselves. */
function post(stream: boolean, headers: Record<string, string> = {}, keyed = true): Promise<Response> {
  const body = JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 16, ...(stream ? { stream: true } : {}), messages: [{ role: "user", content: "Reply with exactly: pong" }] });
  const key: Record<string, string> = keyed ? { "x-api-key": CANARY_KEY } : {};
  return fetch(`${sim.url}/v1/messages`, { method: "POST", body, headers: { "anthropic-version": "2023-06-01", "content-type": "application/json", ...key, ...headers } });
}

function expectClassified(result: ProbeResult, [, errorClass, outcome, httpStatus]: Row) {
  expect({ errorClass: result.errorClass, outcome: result.outcome, httpStatus: result.httpStatus }).toEqual({ errorClass, outcome, httpStatus });
  if (errorClass !== null) expect(result.message).toBeTruthy();
}

describe("messages probe fault matrix", () => {
  it.each(messagesMatrix)("%s is %s (%s, HTTP %s)", async (...row) => {
    sim.setFault("api", row[0]);
    expectClassified(await probeMessages(rowTarget("messages", row[0]), never), row);
  });
});

describe("stream probe fault matrix", () => {
  it.each(streamMatrix)("%s is %s (%s, HTTP %s)", async (...row) => {
    sim.setFault("api", row[0]);
    expectClassified(await probeStream(rowTarget("stream", row[0]), never), row);
  });

  it("keeps the in-band error's type in the message", async () => {
    sim.setFault("api", "stream_error");
    const result = await probeStream(testTarget("stream", sim.url), never);
    expect(result.message).toContain("overloaded_error");
  });

  it("keeps the in-band error's request id, the same as the response header's", async () => {
    sim.setFault("api", "stream_error");
    const raw = await post(true);
    const headerId = raw.headers.get("request-id");
    expect(JSON.parse(/^data: (.*"type":"error".*)$/m.exec(await raw.text())![1]!).request_id).toBe(headerId);
    const result = await probeStream(testTarget("stream", sim.url), never);
    expect(result.requestId).toMatch(/^req_011Sim/);
  });

  it("a 529 is overloaded, not http_5xx, and keeps its request id", async () => {
    sim.setFault("api", "overloaded");
    const result = await probeStream(testTarget("stream", sim.url), never);
    expect(result.errorClass).toBe("overloaded");
    expect(result.requestId).toMatch(/^req_/);
  });
});

describe("answers of other shapes", () => {
  it.each(["messages", "stream"] as const)("a refusal is wrong_answer and its message starts with refusal (%s)", async (kind) => {
    sim.setFault("api", "refusal");
    const result = await API_PROBES[kind](testTarget(kind, sim.url), never);
    expect([result.errorClass, result.outcome]).toEqual(["wrong_answer", "degraded"]);
    expect(result.message).toMatch(/^refusal/);
  });

  it.each(["messages", "stream"] as const)("an answer of only tool_use blocks is wrong_answer naming them (%s)", async (kind) => {
    sim.setFault("api", "tool_use");
    const result = await API_PROBES[kind](testTarget(kind, sim.url), never);
    expect(result.message).toContain("tool_use");
  });

  it("thinking before the text is a normal answer whose TTFT waits for the text", async () => {
    sim.setFault("api", { fault: "thinking", gapMs: 40 });
    const result = await probeStream(testTarget("stream", sim.url), never);
    expect([result.errorClass, result.outputTokens]).toEqual([null, 5]);
    // Two thinking deltas and a signature delta, each a gap, come before the first text_delta.
    expect(result.ttftMs!).toBeGreaterThanOrEqual(4 * 40);
  });
});

describe("the bytes on the wire", () => {
  it.each(["messages", "stream", "edge"] as const)("the %s probe asks for accept-encoding: identity", async (kind) => {
    sim.setFault("api", "none");
    await API_PROBES[kind](testTarget(kind, sim.url), never);
    expect(sim.requests.at(-1)?.headers["accept-encoding"]).toBe("identity");
  });

  it.each(["gzip", "br", "deflate", "gzip_garbage", "gzip_bomb"] as const)("%s is really sent compressed and marked so", async (fault) => {
    sim.setFault("api", fault);
    for (const stream of [false, true]) {
      const raw = await post(stream, { "accept-encoding": "identity" });
      expect(raw.headers.get("content-encoding")).toBe(fault === "br" || fault === "deflate" ? fault : "gzip");
    }
  });

  it("chunked_json sends a chunked body with no content-length", async () => {
    sim.setFault("api", "chunked_json");
    const raw = await post(false);
    expect([raw.headers.get("transfer-encoding"), raw.headers.get("content-length")]).toEqual(["chunked", null]);
  });

  const errorFaults = ["http_500", "http_504", "overloaded", "overloaded_no_details", "rate_limited", "spend_cap", "unauthorized", "bad_request", "retired_model"] as const;
  it.each(errorFaults)("%s carries one request id, in the request-id header and the body", async (fault) => {
    sim.setFault("api", fault);
    const raw = await post(false);
    const headerId = raw.headers.get("request-id");
    expect(headerId).toMatch(/^req_011Sim/);
    expect((await raw.json()).request_id).toBe(headerId);
    expect((await probeMessages(testTarget("messages", sim.url), never)).requestId).toMatch(/^req_011Sim/);
  });

  it("a 401 has the real one's headers: x-should-retry false and no rate-limit headers, keyed or not", async () => {
    sim.setFault("api", "unauthorized");
    const keyed = await post(false);
    sim.setFault("api", "none");
    const keyless = await post(false, {}, false);
    for (const raw of [keyed, keyless]) {
      expect(raw.status).toBe(401);
      expect(raw.headers.get("x-should-retry")).toBe("false");
      expect([...raw.headers.keys()].filter((name) => name.startsWith("anthropic-"))).toEqual([]);
    }
  });

  it("a 529 without details has no details and is still overloaded", async () => {
    sim.setFault("api", "overloaded_no_details");
    const body = await (await post(false)).json();
    expect(body.error).toEqual({ type: "overloaded_error", message: "Overloaded" });
  });
});

describe("edge probe", () => {
  const edgeMatrix: Row[] = [
    ["none", null, "up", 401],
    ["http_500", "http_5xx", "down", 500],
    ["overloaded", "overloaded", "down", 529],
    ["cf_522", "http_5xx", "down", 522],
    ["challenge", "blocked", "inconclusive", 403],
    ["html_200", "malformed_response", "down", 200],
    ["hang", "timeout", "down", null],
    ["reset_before_headers", "connection_error", "down", null],
    ["gzip", null, "up", 401],
    ["gzip_garbage", "malformed_response", "down", 401],
    ["region_forbidden", "blocked", "inconclusive", 403],
    ["region_unavailable", "blocked", "inconclusive", 403],
    ["key_forbidden", null, "up", 401],
    ["cf_522_json", "http_5xx", "down", 522],
  ];
  it.each(edgeMatrix)("%s is %s (%s, HTTP %s)", async (...row) => {
    sim.setFault("api", row[0]);
    expectClassified(await probeEdge(testTarget("edge", sim.url), never), row);
  });

  it("sends no key even when handed one", async () => {
    await probeEdge(testTarget("edge", sim.url, { apiKey: "sk-ant-should-not-travel" }), never);
    expect(sim.requests.at(-1)?.headers["x-api-key"]).toBeUndefined();
  });
});

describe("web probe", () => {
  const webMatrix: Row[] = [
    ["none", null, "up", 200],
    ["challenge", "blocked", "inconclusive", 403],
    ["forbidden_1010", "blocked", "inconclusive", 403],
    ["cf_522", "http_5xx", "down", 522],
    ["http_502_html", "http_5xx", "down", 502],
    ["http_503_html", "http_5xx", "down", 503],
    ["hang", "timeout", "down", null],
    ["reset_before_headers", "connection_error", "down", null],
    ["reset_after_headers", "connection_error", "down", 200],
    ["gzip", null, "up", 200],
    ["br", null, "up", 200],
    ["deflate", null, "up", 200],
    ["region_unavailable", "blocked", "inconclusive", 403],
    ["region_forbidden", "blocked", "inconclusive", 403],
    ["cf_522_json", "http_5xx", "down", 522],
  ];
  it.each(webMatrix)("%s is %s (%s, HTTP %s)", async (...row) => {
    sim.setFault("web", row[0]);
    expectClassified(await probeWeb(testTarget("web", sim.url), never), row);
  });

  // The Console is judged exactly like claude.ai: the same table, on the simulator's /console site and its own target.
  const consoleMatrix: Row[] = [...webMatrix, ["overloaded", "overloaded", "down", 529], ["http_500", "http_5xx", "down", 500]];
  it.each(consoleMatrix)("console: %s is %s (%s, HTTP %s)", async (...row) => {
    sim.setFault("console", row[0]);
    const result = await probeConsole(testTarget("console", `${sim.url}/console`), never);
    expectClassified(result, row);
    expect(result.kind).toBe("console");
  });

  it("the Console and claude.ai fail apart: each has its own fault target", async () => {
    sim.setFault("web", "http_503_html");
    expect((await probeConsole(testTarget("console", `${sim.url}/console`), never)).outcome).toBe("up");
    sim.reset();
    sim.setFault("console", "http_503_html");
    expect((await probeWeb(testTarget("web", sim.url), never)).outcome).toBe("up");
    expect(sim.requests.map((r) => r.path)).toEqual(["/"]);
  });
});

describe("status probe", () => {
  const statusMatrix: Row[] = [
    ["none", null, "up", 200],
    ["http_503_html", "http_5xx", "down", 503],
    ["http_500", "http_5xx", "down", 500],
    ["html_200", "malformed_response", "down", 200],
    ["invalid_json", "malformed_response", "down", 200],
    ["challenge", "blocked", "inconclusive", 403],
    ["hang", "timeout", "down", null],
    ["reset_before_headers", "connection_error", "down", null],
    ["deep_json", "malformed_response", "down", 200],
    ["region_forbidden", "blocked", "inconclusive", 403],
    ["cf_522_json", "http_5xx", "down", 522],
  ];
  it.each(statusMatrix)("%s is %s (%s, HTTP %s), and then official status is unknown", async (...row) => {
    sim.setFault("status", row[0]);
    const { result, summary } = await probeStatus(testTarget("status", sim.url), never);
    expectClassified(result, row);
    expect(summary === null).toBe(row[1] !== null);
  });

  it("reads the incident scenario per component, not just the banner", async () => {
    sim.setStatus({ scenario: "incident" });
    const { result, summary } = await probeStatus(testTarget("status", sim.url), never);
    expect(result.outcome).toBe("up");
    expect(summary?.status.indicator).toBe("major");
    expect(summary?.components.find((c) => c.id === "k8w3r06qmzrp")?.status).toBe("partial_outage");
    expect(summary?.incidents[0]?.name).toBe("Elevated errors on Claude Haiku 4.5");
    expect(result.message).toContain("1 open incident");
  });

  it("keeps unknown components and unknown status values", async () => {
    sim.setStatus({ components: { zzzz9999: "critical_meltdown" } });
    const { summary } = await probeStatus(testTarget("status", sim.url), never);
    expect(summary?.components.find((c) => c.id === "zzzz9999")?.status).toBe("critical_meltdown");
  });
});

describe("what the message says of a refusal or an error page", () => {
  const run = async (kind: "messages" | "stream" | "edge" | "web" | "status") => {
    if (kind === "status") return (await probeStatus(testTarget(kind, sim.url), never)).result;
    return (kind === "web" ? probeWeb : API_PROBES[kind])(testTarget(kind, sim.url), never);
  };
  const kinds = ["messages", "stream", "edge", "web", "status"] as const;

  it.each(kinds.flatMap((kind) => (["region_forbidden", "region_unavailable"] as const).map((fault) => [fault, kind] as const)))(
    "%s to %s says the site refused this client and never blames the key",
    async (fault, kind) => {
      sim.setFault(kind === "web" ? "web" : kind === "status" ? "status" : "api", fault);
      const result = await run(kind);
      expect([result.errorClass, result.outcome]).toEqual(["blocked", "inconclusive"]);
      expect(result.message).toMatch(/^HTTP 403: the site refused this client \(its network or region/);
      expect(result.message).not.toMatch(/ANTHROPIC_API_KEY|MISCONFIGURED/);
    },
  );

  it.each(["messages", "stream"] as const)("a key without permission (%s) is the key's problem, and says so", async (kind) => {
    sim.setFault("api", "key_forbidden");
    const result = await run(kind);
    expect(result.message).toBe("MISCONFIGURED: HTTP 403 permission_error: Your API key does not have permission to use the specified resource. (check ANTHROPIC_API_KEY)");
  });

  it.each(kinds)("Cloudflare's JSON 522 to %s is named by its title, as its HTML pages are", async (kind) => {
    sim.setFault(kind === "web" ? "web" : kind === "status" ? "status" : "api", "cf_522_json");
    const result = await run(kind);
    expect([result.errorClass, result.outcome, result.message]).toEqual(["http_5xx", "down", 'HTTP 522 Cloudflare page "Error 522: Connection timed out"']);
  });
});

describe("network failures outside the simulator", () => {
  it("a refused connection is connection_error", async () => {
    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();
    const result = await probeMessages(testTarget("messages", url), never);
    expect([result.errorClass, result.outcome, result.httpStatus]).toEqual(["connection_error", "down", null]);
  });

  // Error pages with broken encodings, which no simulator fault sends: a bare server on loopback does.
  it.each([
    [503, "<html>Service Unavailable</html>", "a body that does not decode"],
    [502, "", "an empty body"],
  ])("a %s under content-encoding: gzip with %j is still http_5xx (%s)", async (status, body) => {
    const server = createServer((_req, res) => {
      res.writeHead(status, { "content-type": "text/html", "content-encoding": "gzip", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const result = await probeMessages(testTarget("messages", `http://127.0.0.1:${(server.address() as AddressInfo).port}`), never);
      expect([result.errorClass, result.outcome, result.httpStatus]).toEqual(["http_5xx", "down", status]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a TLS handshake with a plain-HTTP server is tls_error", async () => {
    const result = await probeWeb(testTarget("web", sim.url.replace("http:", "https:")), never);
    expect([result.errorClass, result.outcome]).toEqual(["tls_error", "down"]);
  });

  it("a slow but working answer is slow and degraded", async () => {
    sim.setFault("api", { fault: "none", ttfbMs: 300 });
    const result = await probeMessages(testTarget("messages", sim.url, { slowMs: 200 }), never);
    expect([result.errorClass, result.outcome]).toEqual(["slow", "degraded"]);
  });
});
