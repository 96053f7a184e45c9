import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertProbeResult } from "@/db/queries/probe-results";
import { createLogger } from "@/lib/log";
import { describeResult } from "@/lib/worker";
import { probeMessages } from "@/probes/messages";
import { sanitizeMessage } from "@/probes/sanitize";
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
