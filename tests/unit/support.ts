/** Shared test scaffolding: a simulator per file and targets pointed at it. */
import type { ProbeKind, ProbeTarget } from "@/probes/types";

/** A fake but key-shaped secret: tests assert it never leaves the x-api-key header. */
export const CANARY_KEY = "sk-ant-api03-CANARY0canary0CANARY0canary0CANARY0canary-AAAA";

/** A target for `kind` at `baseUrl`, with short deadlines so hang cases finish fast. */
export function testTarget(kind: ProbeKind, baseUrl: string, overrides: Partial<ProbeTarget> = {}): ProbeTarget {
  const keyed = kind === "messages" || kind === "stream";
  return {
    name: keyed ? `${kind}:claude-haiku-4-5` : kind,
    baseUrl,
    model: keyed ? "claude-haiku-4-5" : null,
    apiKey: keyed ? CANARY_KEY : undefined,
    timeoutMs: 1_500,
    idleTimeoutMs: 700,
    slowMs: 5_000,
    maxTokens: 16,
    answer: { prompt: "Reply with exactly: pong", expect: "pong", match: "contains" },
    userAgent: "witness-test",
    ...overrides,
  };
}
