import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getLatestResults, insertProbeResult } from "@/db/queries/probe-results";
import { getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import type { OpenedDatabase } from "@/db/client";
import { loadConfig } from "@/lib/config";
import { distinctOrigins, isMonitorOffline, MONITOR_OFFLINE_PREFIX } from "@/lib/measure/connectivity";
import { createLogger } from "@/lib/log";
import { describeMonitorNetwork, readMonitorNetwork } from "@/lib/measure/monitor-network";
import { planProbes } from "@/lib/measure/targets";
import { Worker } from "@/lib/measure/worker";
import { openMigratedMemory, sampleResult } from "@/tests/unit/support";

/** A port on `host` with nothing listening: connecting to it is refused at once. */
async function refusingUrl(host: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://${host}:${port}`;
}

/** A host that answers every request with a 503: broken, but reachable, so the network is ours to use. */
let answering: Server;
let answeringUrl: string;
beforeAll(async () => {
  answering = createServer((_, res) => res.writeHead(503).end("down for maintenance"));
  await new Promise<void>((resolve) => answering.listen(0, "127.0.0.3", resolve));
  answeringUrl = `http://127.0.0.3:${(answering.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => answering.close(resolve)));

let store: OpenedDatabase;
beforeEach(() => {
  store = openMigratedMemory();
});

async function runRound(env: Record<string, string>): Promise<ReturnType<typeof getLatestResults>> {
  const config = loadConfig(env);
  const quick = { ...config, connectivityCheck: { ...config.connectivityCheck, timeoutMs: 1_000 } };
  const worker = new Worker(quick, store.db, createLogger({ secrets: [], write: () => {} }));
  const plan = planProbes(quick, { timeoutMs: 1_500 });
  await Promise.all(plan.probes.map((p) => worker.runAndStore(p)));
  return getLatestResults(store.db, { limit: 20 });
}

describe("the monitor's own network", () => {
  it("three different hosts all refusing: every result is inconclusive, says monitor offline, keeps its class", async () => {
    const env = { ANTHROPIC_BASE_URL: await refusingUrl("127.0.0.1"), CLAUDE_WEB_URL: await refusingUrl("127.0.0.2"), CLAUDE_CONSOLE_URL: await refusingUrl("127.0.0.5"), STATUS_PAGE_URL: await refusingUrl("127.0.0.4") };
    const results = await runRound(env);
    expect(results.map((r) => r.series).sort()).toEqual(["browser", "console", "edge", "status", "web"]);
    for (const r of results) {
      expect(r).toMatchObject({ outcome: "inconclusive", errorClass: "connection_error" });
      expect(r.message?.startsWith(MONITOR_OFFLINE_PREFIX)).toBe(true);
    }
  });

  it("no incident opens however long every host refuses", async () => {
    const env = { ANTHROPIC_BASE_URL: await refusingUrl("127.0.0.1"), CLAUDE_WEB_URL: await refusingUrl("127.0.0.2"), CLAUDE_CONSOLE_URL: await refusingUrl("127.0.0.5"), STATUS_PAGE_URL: await refusingUrl("127.0.0.4") };
    for (let round = 0; round < 4; round++) await runRound(env);
    expect(getMeasuredIncidentsRange(store.db, { from: new Date(0), to: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it("when another host answers (even with a 503), a refused connection is Claude's failure", async () => {
    const env = { ANTHROPIC_BASE_URL: await refusingUrl("127.0.0.1"), CLAUDE_WEB_URL: await refusingUrl("127.0.0.2"), CLAUDE_CONSOLE_URL: await refusingUrl("127.0.0.5"), STATUS_PAGE_URL: answeringUrl };
    const results = await runRound(env);
    const edge = results.find((r) => r.series === "edge")!;
    expect(edge).toMatchObject({ outcome: "down", errorClass: "connection_error" });
    expect(isMonitorOffline(edge)).toBe(false);
    expect(results.find((r) => r.series === "status")).toMatchObject({ outcome: "down", errorClass: "http_5xx" });
  });

  it("with every target on one host the rule cannot tell, and a refusal stays a failure", async () => {
    const dead = await refusingUrl("127.0.0.1");
    const results = await runRound({ ANTHROPIC_BASE_URL: dead, CLAUDE_WEB_URL: dead, CLAUDE_CONSOLE_URL: dead, STATUS_PAGE_URL: dead });
    for (const r of results) expect(r).toMatchObject({ outcome: "down", errorClass: "connection_error" });
  });

  it("the connectivity check URL is one more independent host", async () => {
    const dead = await refusingUrl("127.0.0.1");
    const config = loadConfig({ ANTHROPIC_BASE_URL: dead, CLAUDE_WEB_URL: dead, CLAUDE_CONSOLE_URL: dead, STATUS_PAGE_URL: dead });
    const worker = new Worker({ ...config, connectivityCheck: { url: await refusingUrl("127.0.0.2"), timeoutMs: 1_000 } }, store.db, createLogger({ secrets: [], write: () => {} }));
    const edge = planProbes(config, { only: ["edge"], timeoutMs: 1_500 }).probes[0]!;
    expect(await worker.runAndStore(edge)).toMatchObject({ outcome: "inconclusive", errorClass: "connection_error" });
    const online = new Worker({ ...config, connectivityCheck: { url: answeringUrl, timeoutMs: 1_000 } }, store.db, createLogger({ secrets: [], write: () => {} }));
    expect(await online.runAndStore(edge)).toMatchObject({ outcome: "down", errorClass: "connection_error" });
  });

  it("the dashboard's view: offline since the first result of the run, online again at the first answer", async () => {
    const env = { ANTHROPIC_BASE_URL: await refusingUrl("127.0.0.1"), CLAUDE_WEB_URL: await refusingUrl("127.0.0.2"), CLAUDE_CONSOLE_URL: await refusingUrl("127.0.0.5"), STATUS_PAGE_URL: await refusingUrl("127.0.0.4") };
    expect(readMonitorNetwork(store.db)).toEqual({ online: true, offlineSince: null });
    const first = await runRound(env);
    await runRound(env);
    const state = readMonitorNetwork(store.db);
    const firstAt = Math.min(...first.map((r) => r.startedAt.getTime()));
    expect(state).toEqual({ online: false, offlineSince: new Date(firstAt).toISOString() });
    expect(describeMonitorNetwork(state)).toMatch(/^Witness cannot reach the internet since \d\d:\d\d UTC/);
    await runRound({ ...env, STATUS_PAGE_URL: answeringUrl });
    expect(readMonitorNetwork(store.db)).toEqual({ online: true, offlineSince: null });
  });

  it("after Witness was stopped, the offline run starts again after the gap, not before it", () => {
    const offline = (iso: string) => insertProbeResult(store.db, sampleResult(iso, { probe: "edge", kind: "edge", model: null, outcome: "inconclusive", errorClass: "dns_error", message: `${MONITOR_OFFLINE_PREFIX} no host answered` }));
    insertProbeResult(store.db, sampleResult("2026-04-13T07:20:00.000Z", { probe: "edge", kind: "edge", model: null }));
    for (const t of ["07:29", "07:30"]) offline(`2026-04-13T${t}:00.000Z`);
    // Stopped for 11 minutes, then started again still offline.
    for (const t of ["07:41", "07:42", "07:43"]) offline(`2026-04-13T${t}:00.000Z`);
    expect(readMonitorNetwork(store.db, 150_000).offlineSince).toBe("2026-04-13T07:41:00.000Z");
    expect(readMonitorNetwork(store.db).offlineSince).toBe("2026-04-13T07:29:00.000Z");
  });

  it("two ports of one machine are one host, not two witnesses", () => {
    expect(distinctOrigins(["http://127.0.0.1:1", "http://127.0.0.1:2/v1", "https://Status.Claude.com", "https://status.claude.com/x", null])).toEqual([
      "http://127.0.0.1:1",
      "https://status.claude.com",
    ]);
  });
});
