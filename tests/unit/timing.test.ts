import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeEdge } from "@/probes/edge";
import { probeMessages } from "@/probes/messages";
import { probeStream } from "@/probes/stream";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { testTarget } from "@/tests/unit/support";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
  // A process's first request pays for lazy module loading and JIT (about 10 ms): that is not what these tests time.
  await probeStream(testTarget("stream", sim.url), new AbortController().signal);
});
afterAll(() => sim.close());
const never = new AbortController().signal;
const slowTarget = { timeoutMs: 5_000, idleTimeoutMs: 2_000 };

// Lower bounds catch a clock started after the request went out (it would read under the injected wait);
// upper bounds catch one started early or a phase read at the wrong event. Loopback adds a few ms; the slack is for
// a CI machine running other test files at the same time.
describe("timing truth against injected delays", () => {
  it("records TTFB and TTFT of a stream within tolerance of 300 ms TTFB and 50 ms per token", async () => {
    sim.setFault("api", { fault: "none", ttfbMs: 300, gapMs: 50 });
    const r = await probeStream(testTarget("stream", sim.url, slowTarget), never);
    expect(r.outcome).toBe("up");
    expect(r.ttfbMs).toBeGreaterThanOrEqual(300);
    expect(r.ttfbMs).toBeLessThan(325);
    // The first of the two deltas leaves one gap after the headers.
    expect(r.ttftMs).toBeGreaterThanOrEqual(350);
    expect(r.ttftMs).toBeLessThan(375);
    expect(r.totalMs).toBeGreaterThanOrEqual(400);
    expect(r.outputTokens).toBe(5);
    // 5 tokens over the ~50 ms from first token to message_stop.
    expect(r.tokensPerSecond).toBeGreaterThan(50);
    expect(r.tokensPerSecond).toBeLessThan(110);
  });

  it("records a plain call's TTFB within tolerance of 300 ms, and connect before it", async () => {
    sim.setFault("api", { fault: "none", ttfbMs: 300 });
    const r = await probeMessages(testTarget("messages", sim.url, slowTarget), never);
    expect(r.outcome).toBe("up");
    expect(r.ttfbMs).toBeGreaterThanOrEqual(300);
    expect(r.ttfbMs).toBeLessThan(325);
    expect(r.connectMs).not.toBeNull();
    expect(r.connectMs!).toBeLessThan(r.ttfbMs!);
    expect(r.tlsMs).toBeNull();
    expect(r.totalMs!).toBeGreaterThanOrEqual(r.ttfbMs!);
  });

  it("measures DNS when the host is a name (localhost), and not for an IP literal", async () => {
    sim.setFault("api", "none");
    const byName = await probeEdge(testTarget("edge", sim.url.replace("127.0.0.1", "localhost")), never);
    const byIp = await probeEdge(testTarget("edge", sim.url), never);
    expect(byName.dnsMs).not.toBeNull();
    expect(byIp.dnsMs).toBeNull();
  });

  it("a gzip stream, decoded, keeps TTFB and TTFT within tolerance of the injected delays", async () => {
    sim.setFault("api", { fault: "gzip", ttfbMs: 300, gapMs: 50 });
    const r = await probeStream(testTarget("stream", sim.url, slowTarget), never);
    expect([r.outcome, r.outputTokens]).toEqual(["up", 5]);
    expect(r.ttfbMs).toBeGreaterThanOrEqual(300);
    expect(r.ttfbMs).toBeLessThan(325);
    expect(r.ttftMs).toBeGreaterThanOrEqual(350);
    expect(r.ttftMs).toBeLessThan(375);
  });

  it("a stream still open at the deadline is stalled at the deadline, on a close-delimited body too", async () => {
    // Pings every 100 ms and an idle timeout longer than the deadline: only the deadline can end this stream.
    sim.setFault("api", "close_delimited_stall");
    const r = await probeStream(testTarget("stream", sim.url, { timeoutMs: 600, idleTimeoutMs: 2_000 }), never);
    expect([r.errorClass, r.outcome, r.httpStatus]).toEqual(["stream_stalled", "down", 200]);
    expect(r.totalMs).toBeGreaterThanOrEqual(600);
    expect(r.totalMs).toBeLessThan(900);
  });

  it("a stream that goes quiet is stalled at the idle timeout, not at the deadline", async () => {
    sim.setFault("api", "stream_stall");
    const r = await probeStream(testTarget("stream", sim.url, { timeoutMs: 5_000, idleTimeoutMs: 400 }), never);
    expect(r.errorClass).toBe("stream_stalled");
    expect(r.totalMs).toBeGreaterThanOrEqual(400);
    expect(r.totalMs).toBeLessThan(1_500);
  });
});

describe("base URLs that carry a path (AI gateways)", () => {
  it("appends /v1/messages to the gateway's path instead of resolving against its root", async () => {
    sim.setFault("api", "none");
    const base = `${sim.url}/__sim/fault:none/gateway/acct/anthropic/`;
    const r = await probeMessages(testTarget("messages", base), never);
    expect(r.outcome).toBe("up");
    expect(sim.requests.at(-1)?.path).toBe("/__sim/fault:none/gateway/acct/anthropic/v1/messages");
  });

  it("lets a path select a fault, like a gateway in trouble", async () => {
    const r = await probeStream(testTarget("stream", `${sim.url}/__sim/fault:overloaded`), never);
    expect(r.errorClass).toBe("overloaded");
  });
});

describe("bytes in awkward pieces", () => {
  // Reassembly, not timing, is under test: the generous deadlines keep a busy machine from failing it.
  const cafe = { answer: { prompt: "Reply with exactly: café", expect: "café", match: "exact" as const } };
  it.each(["one_byte_chunks", "crlf"] as const)("a %s stream with a split UTF-8 character still reads whole", async (fault) => {
    sim.setFault("api", fault);
    const r = await probeStream(testTarget("stream", sim.url, { ...slowTarget, ...cafe }), never);
    expect([r.outcome, r.errorClass, r.outputTokens]).toEqual(["up", null, 5]);
  });

  it("a one-byte-chunked JSON answer with a split UTF-8 character reads whole", async () => {
    sim.setFault("api", "one_byte_chunks");
    const r = await probeMessages(testTarget("messages", sim.url, { ...slowTarget, ...cafe }), never);
    expect([r.outcome, r.errorClass]).toEqual(["up", null]);
  });
});
