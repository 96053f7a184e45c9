import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as resultsGET } from "@/app/api/v1/series/[id]/results/route";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { insertProbeResult } from "@/db/queries/probe-results";
import { loadConfig } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { Recorder } from "@/lib/measure/recorder";
import { setWebContext } from "@/lib/web/context";
import { describeResult } from "@/lib/measure/worker";
import { probeMessages } from "@/probes/messages";
import { sanitizeMessage, sanitizeRequestId } from "@/probes/sanitize";
import { probeStream } from "@/probes/stream";
import { FAULTS, startSimulator, type Simulator } from "@/lib/simulator";
import { CANARY_KEY, testTarget } from "@/tests/unit/support";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
const never = new AbortController().signal;

describe("the API key travels only in its header", () => {
  it("appears in no stored row, log line or message, whatever the upstream does", async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), "witness-secret-")), "w.db");
    const store = openDatabase(dbPath);
    migrateDatabase(store.db);
    const lines: string[] = [];
    const log = createLogger({ secrets: [CANARY_KEY], write: (line) => lines.push(line) });
    const quick = { timeoutMs: 600, idleTimeoutMs: 300 };
    for (const fault of FAULTS) {
      sim.setFault("api", fault);
      for (const result of [await probeMessages(testTarget("messages", sim.url, quick), never), await probeStream(testTarget("stream", sim.url, quick), never)]) {
        insertProbeResult(store.db, result);
        log.info(describeResult(result));
        expect(JSON.stringify(result)).not.toContain(CANARY_KEY);
      }
    }
    store.close();
    expect(lines.join("")).not.toContain(CANARY_KEY);
    for (const file of [dbPath, `${dbPath}-wal`].filter((f) => existsSync(f))) {
      const bytes = readFileSync(file, { flag: "r" }).toString("latin1");
      expect(bytes).not.toContain(CANARY_KEY);
      expect(bytes).not.toContain("CANARY0canary");
    }
  });

  it("reaches the simulator in x-api-key and nowhere else in the request", async () => {
    sim.reset();
    await probeMessages(testTarget("messages", sim.url), never);
    const request = sim.requests.at(-1)!;
    expect(request.headers["x-api-key"]).toBe(CANARY_KEY);
    const elsewhere = { ...request.headers, "x-api-key": undefined };
    expect(JSON.stringify(elsewhere) + request.path + request.body).not.toContain("CANARY0canary");
  });

  it("is redacted even when an upstream echoes it back in an error", () => {
    const echoed = `invalid x-api-key ${CANARY_KEY} (Bearer ${CANARY_KEY})`;
    expect(sanitizeMessage(echoed, [CANARY_KEY])).not.toContain("CANARY0canary");
    expect(sanitizeMessage("key sk-ant-test-abcdefghijklmnopqrstuvwxyz0123 leaked")).toBe("key [redacted] leaked");
  });
});

describe("a request id is kept only when it is one", () => {
  it("keeps real ids and cf-rays, drops what has no request id's shape or holds a secret", () => {
    expect(sanitizeRequestId("req_011CaN9mRz5TqWbX2Hk7YdLp")).toBe("req_011CaN9mRz5TqWbX2Hk7YdLp");
    expect(sanitizeRequestId("98c1f2a3b4d5e6f7-SJC")).toBe("98c1f2a3b4d5e6f7-SJC");
    for (const bad of ["", "req 1", "req_1\r\nset-cookie: x", "<script>alert(1)</script> x", "r".repeat(129), "req_é", CANARY_KEY, `req_${CANARY_KEY}`]) {
      expect(sanitizeRequestId(bad)).toBeNull();
    }
    expect(sanitizeRequestId("gw-0123456789abcdef", ["0123456789abcdef"])).toBeNull();
  });

  it("a gateway echoing x-api-key into request-id reaches no row, no incident sample, and no API answer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "witness-echo-"));
    const dbPath = join(dir, "w.db");
    const config = loadConfig({ DATABASE_PATH: dbPath });
    const writer = openDatabase(dbPath);
    migrateDatabase(writer.db);
    const recorder = new Recorder(config, writer.db, createLogger({ secrets: [CANARY_KEY], write: () => {} }));
    const seen: (string | null)[] = [];
    // The echoing gateway, then a plain 500 with a real id: both fail, so the detector opens and samples ids.
    for (const fault of ["echo_key", "http_500", "echo_key", "http_500"] as const) {
      sim.setFault("api", fault);
      for (const probe of [probeMessages, probeStream]) {
        const result = await probe(testTarget(probe === probeStream ? "stream" : "messages", sim.url), never);
        seen.push(result.requestId);
        recorder.record({ result });
      }
    }
    writer.close();
    // The gateway really echoed the key, in the header and in the body.
    sim.setFault("api", "echo_key");
    const echoed = await fetch(`${sim.url}/v1/messages`, { method: "POST", headers: { "x-api-key": CANARY_KEY, "anthropic-version": "2023-06-01" }, body: "{}" });
    expect(echoed.headers.get("request-id")).toBe(CANARY_KEY);
    expect((await echoed.json()).request_id).toBe(CANARY_KEY);

    expect(seen.filter((id) => id === null)).toHaveLength(4);
    expect(seen.filter((id) => id?.startsWith("req_011Sim"))).toHaveLength(4);
    for (const file of [dbPath, `${dbPath}-wal`].filter((f) => existsSync(f))) {
      expect(readFileSync(file).toString("latin1")).not.toContain("CANARY0canary");
    }
    const reader = openDatabase(dbPath, { readonly: true });
    try {
      const [incident] = getMeasuredIncidentsRange(reader.db, { from: new Date(0), to: new Date(Date.now() + 60_000) });
      expect(incident?.sampleRequestIds.length).toBeGreaterThan(0);
      expect(incident?.sampleRequestIds.every((id) => id.startsWith("req_011Sim"))).toBe(true);
      setWebContext({ config, store: reader });
      for (const series of ["messages:claude-haiku-4-5", "stream:claude-haiku-4-5"]) {
        const res = await resultsGET(new Request(`http://localhost/api/v1/series/x/results?since=1h`), { params: Promise.resolve({ id: series }) });
        const text = await res.text();
        expect(res.status).toBe(200);
        expect(JSON.parse(text).results).toHaveLength(4);
        expect(text).not.toContain("CANARY0canary");
      }
    } finally {
      setWebContext(null);
      reader.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
