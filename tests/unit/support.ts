/** Shared test scaffolding: a simulator per file and targets pointed at it. */
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { loadConfig, type Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { Recorder } from "@/lib/measure/recorder";
import type { ProbeKind, ProbeResult, ProbeTarget } from "@/probes/types";

/** A fake but key-shaped secret: tests assert it never leaves the x-api-key header. */
export const CANARY_KEY = "sk-ant-canary-CANARY0canary0CANARY0canary0CANARY0canary-AAAA";

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

/** A working stream result at `startedAt`, with any field overridden. */
export function sampleResult(startedAt: string, overrides: Partial<ProbeResult> = {}): ProbeResult {
  return {
    probe: "stream:claude-haiku-4-5",
    kind: "stream",
    model: "claude-haiku-4-5",
    startedAt,
    outcome: "up",
    errorClass: null,
    httpStatus: 200,
    dnsMs: null,
    connectMs: null,
    tlsMs: null,
    ttfbMs: 300,
    ttftMs: 400,
    totalMs: 900,
    outputTokens: 20,
    tokensPerSecond: 40,
    requestId: null,
    message: null,
    details: null,
    ...overrides,
  };
}

/** A fresh in-memory database with every migration applied. */
export function openMigratedMemory(): OpenedDatabase {
  const store = openDatabase(":memory:");
  migrateDatabase(store.db);
  return store;
}

/** A migrated in-memory database and a Recorder on the default configuration: the worker's write path, no network. */
export function openRecorder(): { store: OpenedDatabase; config: Config; recorder: Recorder } {
  const store = openMigratedMemory();
  const config = loadConfig({ DATABASE_PATH: ":memory:" });
  return { store, config, recorder: new Recorder(config, store.db, createLogger({ secrets: [], write: () => {} })) };
}
