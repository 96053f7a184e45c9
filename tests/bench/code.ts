/**
 * The `code` probe's timing against the simulator's injected delays: TTFT of the tool call (its first piece of tool
 * input) and the whole tool round trip, with the probe's own overhead beyond what was injected.
 */
import { PROBE_FILE } from "@/probes/code-request";
import { probeCode, type CodeDetails } from "@/probes/code";
import type { ProbeResult } from "@/probes/types";
import { startSimProcess } from "@/tests/bench/sim-process";
import { fmt, median, printTable, quantile } from "@/tests/bench/stats";
import { testTarget } from "@/tests/unit/support";

const RUNS = 20;
const never = new AbortController().signal;
const KEY = "sk-bench-not-a-real-key";

// The simulator's paced deltas (one gap before each): step 1 streams "" then the input in 6-character pieces, and
// the first non-empty piece is the second delta; step 2 answers "pong" in two 2-character text pieces.
const INPUT_DELTAS = 1 + Math.ceil(JSON.stringify({ path: PROBE_FILE }).length / 6);
const ANSWER_DELTAS = 2;

/** Table rows: per injected TTFB/gap, the code probe's TTFT and round trip, median and p95, less what was injected. */
export async function benchCode(): Promise<void> {
  const sim = await startSimProcess();
  try {
    const rows: (string | number)[][] = [];
    const target = () => testTarget("code", sim.url, { name: "code:claude-haiku-4-5", model: "claude-haiku-4-5", apiKey: KEY, timeoutMs: 30_000, idleTimeoutMs: 10_000, slowMs: 30_000 });
    for (const [ttfb, gap] of [[0, 0], [100, 20], [300, 50], [1000, 0]] as const) {
      await sim.control("fault", { target: "api", fault: "none", ttfbMs: ttfb, gapMs: gap });
      await probeCode(target(), never); // warm-up: JIT and module loading are not timing error
      const results: ProbeResult[] = [];
      for (let i = 0; i < RUNS; i++) results.push(await probeCode(target(), never));
      const failed = results.filter((r) => r.outcome !== "up").length;
      const ttft = results.map((r) => r.ttftMs!);
      const total = results.map((r) => r.totalMs!);
      const step2 = results.map((r) => (r.details as unknown as CodeDetails).steps[1]!.totalMs);
      const injectedTtft = ttfb + 2 * gap;
      const injectedTotal = 2 * ttfb + gap * (INPUT_DELTAS + ANSWER_DELTAS);
      rows.push([
        `${ttfb} / ${gap}`,
        `${failed}/${RUNS}`,
        fmt(median(ttft)),
        fmt(quantile(ttft, 0.95)),
        fmt(median(ttft) - injectedTtft),
        fmt(median(step2)),
        fmt(median(total)),
        fmt(quantile(total, 0.95)),
        fmt(median(total) - injectedTotal),
      ]);
    }
    printTable(`code probe against injected delays, ${RUNS} runs each (ms; simulator in another process; injected round trip = 2 × TTFB + gap × ${INPUT_DELTAS + ANSWER_DELTAS} deltas)`, [
      "injected TTFB / gap ms",
      "not up",
      "TTFT median",
      "TTFT p95",
      "TTFT − injected",
      "step 2 median",
      "round trip median",
      "round trip p95",
      "round trip − injected",
    ], rows);
  } finally {
    await sim.stop();
  }
}
