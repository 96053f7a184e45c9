import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_RESULTS,
  SIGNATURE_TOLERANCE_MS,
  batchIdFor,
  parseBatch,
  probeResultSchema,
  signedHeaders,
  verifySigned,
} from "@/lib/vantage/wire";
import type { ProbeResult } from "@/probes/types";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const NOW = Date.parse("2025-03-01T12:00:00.000Z");

function result(overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    probe: "stream:claude-haiku-4-5",
    kind: "stream",
    model: "claude-haiku-4-5",
    startedAt: "2025-03-01T11:59:00.000Z",
    outcome: "up",
    errorClass: null,
    httpStatus: 200,
    dnsMs: 1.5,
    connectMs: 10,
    tlsMs: 20,
    ttfbMs: 300,
    ttftMs: 450,
    totalMs: 900,
    outputTokens: 12,
    tokensPerSecond: 40.2,
    requestId: "req_1",
    message: null,
    details: null,
    ...overrides,
  };
}

const envelope = (results: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ batchId: "b-1-2", backlog: 0, results, ...extra });

describe("signing", () => {
  const secret = newSecret();
  const body = envelope([result()]);

  it("verifies what it signed, with the sender's clock skew", () => {
    const sentAt = new Date(NOW + 30_000);
    const verified = verifySigned(secret, signedHeaders(secret, "b-1-2", body, sentAt), body, NOW);
    expect(verified).toEqual({ ok: true, id: "b-1-2", timestampMs: NOW + 30_000, skewMs: 30_000 });
  });

  it("signs per Standard Webhooks: the library's own verify accepts it", () => {
    const headers = signedHeaders(secret, "b-1-2", body, new Date());
    expect(Object.keys(headers).sort()).toEqual(["webhook-id", "webhook-signature", "webhook-timestamp"]);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
  });

  it("a tampered body, another id or another secret is bad_signature", () => {
    const headers = signedHeaders(secret, "b-1-2", body, new Date(NOW));
    expect(verifySigned(secret, headers, body.replace("up", "down"), NOW)).toEqual({ ok: false, error: "bad_signature" });
    expect(verifySigned(secret, { ...headers, "webhook-id": "b-1-3" }, body, NOW)).toEqual({ ok: false, error: "bad_signature" });
    expect(verifySigned(newSecret(), headers, body, NOW)).toEqual({ ok: false, error: "bad_signature" });
  });

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"])("a request without %s is bad_signature", (name) => {
    const headers: Record<string, string | undefined> = signedHeaders(secret, "b-1-2", body, new Date(NOW));
    headers[name] = undefined;
    expect(verifySigned(secret, headers, body, NOW)).toEqual({ ok: false, error: "bad_signature" });
  });

  it("a timestamp that is not whole seconds is bad_signature", () => {
    const headers = { ...signedHeaders(secret, "b-1-2", body, new Date(NOW)), "webhook-timestamp": "1e9" };
    expect(verifySigned(secret, headers, body, NOW)).toEqual({ ok: false, error: "bad_signature" });
  });

  it.each([
    ["6 minutes old", -6 * 60_000],
    ["6 minutes ahead", 6 * 60_000],
  ])("a timestamp %s is timestamp_out_of_tolerance", (_, offset) => {
    const headers = signedHeaders(secret, "b-1-2", body, new Date(NOW + offset));
    expect(verifySigned(secret, headers, body, NOW)).toEqual({ ok: false, error: "timestamp_out_of_tolerance" });
  });

  it("a timestamp 4 minutes old is within tolerance", () => {
    const headers = signedHeaders(secret, "b-1-2", body, new Date(NOW - 4 * 60_000));
    expect(verifySigned(secret, headers, body, NOW)).toMatchObject({ ok: true, skewMs: -4 * 60_000 });
    expect(SIGNATURE_TOLERANCE_MS).toBe(5 * 60_000);
  });

  it("no secret for the vantage is unknown_vantage", () => {
    const headers = signedHeaders(secret, "b-1-2", body, new Date(NOW));
    expect(verifySigned(undefined, headers, body, NOW)).toEqual({ ok: false, error: "unknown_vantage" });
  });

  it("during a rotation either of two signatures in one header verifies", () => {
    const [older, newer] = [newSecret(), newSecret()];
    const at = new Date(NOW);
    const both = `${signedHeaders(older, "b-1-2", body, at)["webhook-signature"]} ${signedHeaders(newer, "b-1-2", body, at)["webhook-signature"]}`;
    const headers = { ...signedHeaders(newer, "b-1-2", body, at), "webhook-signature": both };
    expect(verifySigned(older, headers, body, NOW).ok).toBe(true);
    expect(verifySigned(newer, headers, body, NOW).ok).toBe(true);
    expect(verifySigned(newSecret(), headers, body, NOW)).toEqual({ ok: false, error: "bad_signature" });
  });

  it("reads headers as node gives them, in any case and as arrays", () => {
    const headers = signedHeaders(secret, "b-1-2", body, new Date(NOW));
    const shaped = { "Webhook-Id": headers["webhook-id"], "webhook-timestamp": [headers["webhook-timestamp"] ?? ""], "webhook-signature": ["v1,AAAA", headers["webhook-signature"] ?? ""] };
    expect(verifySigned(secret, shaped, body, NOW).ok).toBe(true);
  });

  it("a malformed secret throws without quoting it", () => {
    const bad = "whsec_not*base64*SECRETVALUE";
    expect(() => signedHeaders(bad, "b-1-2", body, new Date(NOW))).toThrow(/whsec_/);
    try {
      signedHeaders(bad, "b-1-2", body, new Date(NOW));
    } catch (error) {
      expect(String(error)).not.toContain("SECRETVALUE");
    }
    expect(verifySigned(bad, signedHeaders(secret, "b-1-2", body, new Date(NOW)), body, NOW)).toEqual({ ok: false, error: "bad_signature" });
  });
});

describe("parseBatch", () => {
  it("reads a good batch, row by row", () => {
    const rows = [result(), result({ outcome: "down", errorClass: "http_5xx", httpStatus: 500, details: { steps: [1, 2] } })];
    expect(parseBatch(envelope(rows, { backlog: 7 }))).toEqual({
      batchId: "b-1-2",
      backlog: 7,
      dropped: 0,
      results: rows.map((row, index) => ({ index, result: row })),
      rejected: [],
    });
  });

  it.each([
    ["not JSON", "{", 400],
    ["a JSON array", "[]", 400],
    ["null", "null", 400],
    ["an empty batchId", envelope([], { batchId: "" }), 400],
    ["a batchId with a space", envelope([], { batchId: "b 1" }), 400],
    ["a 101-character batchId", envelope([], { batchId: "b".repeat(101) }), 400],
    ["a numeric batchId", envelope([], { batchId: 12 }), 400],
    ["a negative backlog", envelope([], { backlog: -1 }), 400],
    ["a fractional backlog", envelope([], { backlog: 1.5 }), 400],
    ["a backlog as a string", envelope([], { backlog: "3" }), 400],
    ["results as an object", envelope([], { results: {} }), 400],
    ["more than 500 results", envelope(Array.from({ length: MAX_BATCH_RESULTS + 1 }, () => result())), 413],
    ["a body over 1 MiB", envelope([result({ message: "x".repeat(MAX_BATCH_BYTES) })]), 413],
  ])("refuses %s whole", (_, body, status) => {
    const parsed = parseBatch(body);
    expect(parsed).toMatchObject({ status, error: expect.any(String) });
  });

  it("takes a batch of exactly 500 results", () => {
    const parsed = parseBatch(envelope(Array.from({ length: MAX_BATCH_RESULTS }, () => result())));
    expect("results" in parsed && parsed.results).toHaveLength(MAX_BATCH_RESULTS);
  });

  it("rejects bad rows by index and keeps the good ones", () => {
    const planted = "PLANTED-CONTENT";
    const { details: _, ...withoutDetails } = result();
    const rows: unknown[] = [
      result(),
      { ...result(), kind: planted },
      result({ requestId: "req_2" }),
      withoutDetails,
      { ...result(), startedAt: `yesterday ${planted}` },
      { ...result(), details: [planted] },
      result({ message: planted.repeat(200) }),
      result({ totalMs: -1 }),
      result({ outputTokens: 1.5 }),
      { ...result(), errorClass: planted },
      result({ details: { blob: planted.repeat(5_000) } }),
      result({ probe: "" }),
      result({ startedAt: "2025-03-01T11:59:00" }),
      planted,
    ];
    const parsed = parseBatch(envelope(rows));
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.results.map((row) => row.index)).toEqual([0, 2]);
    expect(parsed.rejected.map((row) => row.index)).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(parsed.rejected.map((row) => row.reason.split(":")[0])).toEqual([
      "kind",
      "details",
      "startedAt",
      "details",
      "message",
      "totalMs",
      "outputTokens",
      "errorClass",
      "details",
      "probe",
      "startedAt",
      "row",
    ]);
    for (const { reason } of parsed.rejected) expect(reason).not.toContain(planted);
  });

  it("strips a vantage field (or any other) a row carries", () => {
    const parsed = parseBatch(envelope([{ ...result(), vantage: "fra", extra: 1 }]));
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.results[0]?.result).toEqual(result());
    expect(parsed.results[0]?.result).not.toHaveProperty("vantage");
    expect(probeResultSchema.parse({ ...result(), vantage: "fra" })).not.toHaveProperty("vantage");
  });
});

describe("batchIdFor", () => {
  it("names a batch by its first and last row", () => {
    expect(batchIdFor(1, 500)).toBe("b-1-500");
  });
});
