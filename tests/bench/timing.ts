/**
 * Timing truth: Witness's recorded TTFB/TTFT against the simulator's injected delays, and against curl's own
 * time_starttransfer for the same request; and the CPU one probe run costs.
 */
import { execFileSync } from "node:child_process";
import { probeEdge } from "@/probes/edge";
import { probeMessages } from "@/probes/messages";
import { probeStatus } from "@/probes/status";
import { probeStream } from "@/probes/stream";
import type { ProbeKind, ProbeResult, ProbeTarget } from "@/probes/types";
import { probeWeb } from "@/probes/web";
import { startSimProcess } from "@/tests/bench/sim-process";
import { fmt, median, printTable, worst } from "@/tests/bench/stats";
import { testTarget } from "@/tests/unit/support";

const RUNS = 20;
const never = new AbortController().signal;
const KEY = "sk-bench-not-a-real-key";

/** A target with deadlines far above the injected delays, so only timing varies. */
function target(kind: ProbeKind, baseUrl: string): ProbeTarget {
  return testTarget(kind, baseUrl, { timeoutMs: 10_000, idleTimeoutMs: 5_000, slowMs: 10_000, apiKey: kind === "messages" || kind === "stream" ? KEY : undefined });
}

/** curl's time_starttransfer in ms for the same streaming request the stream probe sends. */
function curlStartTransfer(url: string): number {
  const body = JSON.stringify({ model: "claude-haiku-4-5", max_tokens: 16, stream: true, messages: [{ role: "user", content: "Reply with exactly: pong" }] });
  const out = execFileSync("curl", ["-sS", "-o", "/dev/null", "-w", "%{time_starttransfer}", "-X", "POST", `${url}/v1/messages`, "-H", `x-api-key: ${KEY}`, "-H", "anthropic-version: 2023-06-01", "-H", "content-type: application/json", "--data-binary", body], {
    encoding: "utf8",
  });
  return Number(out) * 1000;
}

export async function benchTiming(): Promise<void> {
  const sim = await startSimProcess();
  try {
    const rows: (string | number)[][] = [];
    for (const [ttfb, gap] of [[300, 50], [100, 20], [1000, 0]] as const) {
      await sim.control("fault", { target: "api", fault: "none", ttfbMs: ttfb, gapMs: gap });
      const witness: ProbeResult[] = [];
      const curl: number[] = [];
      // Warm-up: the first run pays for JIT compilation and module loading, which is not timing error.
      await probeStream(target("stream", sim.url), never);
      for (let i = 0; i < RUNS; i++) {
        witness.push(await probeStream(target("stream", sim.url), never));
        curl.push(curlStartTransfer(sim.url));
      }
      const ttfbErr = witness.map((r) => r.ttfbMs! - ttfb);
      const ttftErr = witness.map((r) => r.ttftMs! - (ttfb + gap));
      const ratio = median(witness.map((r) => r.ttfbMs!)) / median(curl);
      rows.push([`${ttfb} / ${gap}`, fmt(median(ttfbErr)), fmt(worst(ttfbErr)), fmt(median(ttftErr)), fmt(worst(ttftErr)), fmt(median(curl)), fmt(median(witness.map((r) => r.ttfbMs!))), fmt(ratio, 3)]);
    }
    printTable(`Timing truth, stream probe, ${RUNS} runs each (errors in ms; curl = time_starttransfer of the same request)`, [
      "injected TTFB / gap ms",
      "TTFB err median",
      "TTFB err worst",
      "TTFT err median",
      "TTFT err worst",
      "curl TTFB median",
      "Witness TTFB median",
      "Witness/curl",
    ], rows);

    await sim.control("reset");
    const probes = { messages: probeMessages, stream: probeStream, edge: probeEdge, web: probeWeb, status: (t: ProbeTarget, s: AbortSignal) => probeStatus(t, s).then((o) => o.result) };
    const cpuRows: (string | number)[][] = [];
    for (const [kind, probe] of Object.entries(probes) as [ProbeKind, (t: ProbeTarget, s: AbortSignal) => Promise<ProbeResult>][]) {
      for (let i = 0; i < 5; i++) await probe(target(kind, sim.url), never); // warm up the JIT
      const before = process.cpuUsage();
      const wall = performance.now();
      for (let i = 0; i < RUNS * 5; i++) await probe(target(kind, sim.url), never);
      const used = process.cpuUsage(before);
      const n = RUNS * 5;
      cpuRows.push([kind, n, fmt((used.user + used.system) / 1000 / n, 2), fmt((performance.now() - wall) / n, 2)]);
    }
    printTable("CPU per probe run (simulator in another process, no injected delay)", ["kind", "runs", "CPU ms/run", "wall ms/run"], cpuRows);
  } finally {
    await sim.stop();
  }
}
