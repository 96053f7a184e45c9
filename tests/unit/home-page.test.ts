/** The home page's words and what it counts: the headline per surface, and series no longer configured dropping out. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "@/lib/config";
import { unprobedReason } from "@/lib/measure/targets";
import { currentSeries, getStatusNow, headline, phrasesText, plannedSeries } from "@/lib/dashboard/now";
import { packDays, unpackDays } from "@/lib/dashboard/day-facts";
import type { DayBar, SeriesNow, StatusNow, SurfaceNow } from "@/lib/dashboard/types";
import { rebuildRollups } from "@/lib/keep/rollup-writer";
import { insertProbeResult } from "@/db/queries/probe-results";
import { openMigratedMemory, sampleResult } from "@/tests/unit/support";

const at = (hhmm: string) => Date.parse(`2026-04-13T${hhmm}:00.000Z`);
const surface = (s: Partial<SurfaceNow>): SurfaceNow => ({ id: "api", name: "Claude API", componentId: "c", measured: "up", failureRatio: null, failureWords: null, since: null, official: "operational", officialStatus: "operational", officialIncidents: [], disagreement: null, series: [], notMeasured: null, ...s });
const status = (...surfaces: SurfaceNow[]): StatusNow => ({ generatedAt: 0, lastResultAt: 0, monitor: { online: true, offlineSince: null }, surfaces });
const web = (s: Partial<SurfaceNow> = {}) => surface({ id: "claude-ai", name: "claude.ai", ...s });

describe("the headline answers whether Claude works, per surface", () => {
  it("says how much of the API is failing since when, and that the official page still says Operational", () => {
    const h = headline(status(surface({ measured: "down", failureRatio: 0.56, failureWords: "56% of requests failing", since: at("17:54") }), web()));
    expect(h.text).toBe("Claude API is failing since 17:54 UTC: 56% of requests failing. The official page still says Operational. claude.ai is working. The official page agrees.");
    expect(h.tone).toBe("state-down");
    expect(h.title).toBe("✕ Claude API failing · Witness");
    // The time is an instant the page shows in the reader's zone.
    expect(h.parts).toContainEqual({ at: at("17:54") });
    expect(phrasesText(h.parts, () => "19:54 (your time)")).toMatch(/^Claude API is failing since 19:54 \(your time\): 56% of requests failing\./);
  });

  it("says it in one line when both sides agree and all is well", () => {
    const h = headline(status(surface({}), web()));
    expect(h).toMatchObject({ tone: "state-up", text: "Claude is working: every surface measured up, and the official page agrees.", title: "✓ Claude working · Witness" });
  });

  it("says the official page could not be read, never that it agrees", () => {
    const h = headline(status(surface({}), web({ official: "unknown", officialStatus: null })));
    expect(h.text).toBe("Claude API is working. The official page agrees. claude.ai is working. The official page could not be read.");
    expect(headline(status(surface({ measured: "down", official: "unknown", officialStatus: null }))).text).toBe("Claude API is failing. The official page could not be read.");
  });

  it("names what the official page says when it reports trouble, either way", () => {
    expect(headline(status(surface({ measured: "down", official: "down" }))).text).toBe("Claude API is failing. The official page says Outage.");
    expect(headline(status(surface({ official: "degraded" }))).text).toBe("Claude API is working. The official page says Degraded.");
    const degraded = headline(status(surface({ measured: "degraded", failureRatio: 0.12, failureWords: "12% of requests failing", since: at("09:05") })));
    expect(degraded).toMatchObject({ tone: "state-degraded", text: "Claude API is degraded since 09:05 UTC: 12% of requests failing. The official page still says Operational.", title: "! Claude API degraded · Witness" });
  });

  it("speaks only of the surfaces this install probes: one it cannot (no key) is not 'no recent measurements'", () => {
    const code = surface({ id: "claude-code", name: "Claude Code", measured: "nodata", official: "operational", notMeasured: "it needs ANTHROPIC_API_KEY" });
    expect(headline(status(surface({}), web(), code)).text).toBe("Claude is working: every surface measured up, and the official page agrees.");
    expect(headline(status(surface({ measured: "down" }), code)).text).toBe("Claude API is failing. The official page still says Operational.");
    expect(headline(status(code)).text).toMatch(/^No recent measurements/);
  });

  it("knows which default surfaces the configuration cannot probe, and why", () => {
    const reasons = (env: Record<string, string>, yaml?: (c: ReturnType<typeof loadConfig>) => ReturnType<typeof loadConfig>) => {
      const config = (yaml ?? ((c) => c))(loadConfig(env));
      return Object.fromEntries(config.surfaces.map((s) => [s.id, unprobedReason(config, s.kinds)]));
    };
    expect(reasons({})).toEqual({ "claude-ai": null, console: null, api: null, "claude-code": "it needs ANTHROPIC_API_KEY" });
    expect(reasons({ ANTHROPIC_API_KEY: "sk-ant-x" })).toEqual({ "claude-ai": null, console: null, api: null, "claude-code": null });
    const off = (kinds: readonly ("web" | "browser" | "console")[]) =>
      reasons({ ANTHROPIC_API_KEY: "sk-ant-x" }, (c) => ({ ...c, probes: { ...c.probes, ...Object.fromEntries(kinds.map((k) => [k, { ...c.probes[k], enabled: false }])) } }));
    expect(off(["console"]).console).toBe("its probes are turned off in the configuration");
    // claude.ai has two probes: with web off the browser still measures it.
    expect(off(["web"])["claude-ai"]).toBeNull();
    expect(off(["web", "browser"])["claude-ai"]).toBe("its probes are turned off in the configuration");
  });

  it("puts the worst surface first", () => {
    expect(headline(status(surface({}), web({ measured: "down" }))).text).toMatch(/^claude\.ai is failing\. .* Claude API is working\./);
  });

  it("while Witness's own network is down, says so and nothing about Claude", () => {
    const h = headline({ ...status(surface({ measured: "down" })), monitor: { online: false, offlineSince: "2026-04-13T14:02:00.000Z" } });
    expect(h.text).toMatch(/^Witness cannot reach the internet since 14:02 UTC/);
    expect(h.text).not.toMatch(/Claude API/);
    expect(h.title).toBe("? Witness offline · Witness");
  });
});

describe("series no longer configured", () => {
  const config = loadConfig({ DATABASE_PATH: ":memory:", ANTHROPIC_API_KEY: "sk-test" });
  const row = (series: string, lastAt: number | null): SeriesNow => ({ series, kind: series.split(":")[0]!, model: series.split(":")[1] ?? null, state: "nodata", lastAt, lastOutcome: null, lastErrorClass: null, lastTotalMs: null, lastTtftMs: null, incidentId: null, since: null, failureRatio: null, failedResults: 0, totalResults: 0 });

  it("are not on the page at all, however recent their last result; configured ones always are", () => {
    const now = at("12:00");
    const planned = plannedSeries(config);
    expect(planned.has("messages:claude-haiku-4-5")).toBe(true);
    const kept = currentSeries([row("messages:claude-haiku-4-5", null), row("messages:claude-old-1", now - 60_000), row("stream:claude-old-1", now - 3 * 86_400_000)], planned);
    expect(kept.map((s) => s.series)).toEqual(["messages:claude-haiku-4-5"]);
  });

  it("are not counted on the page: a model removed from the config a minute ago is gone from its surface", () => {
    const store = openMigratedMemory();
    try {
      const now = at("12:00");
      for (const [series, t] of [["messages:claude-haiku-4-5", now - 30_000], ["messages:claude-retired-4", now - 60_000]] as const) {
        const [kind, model] = series.split(":") as ["messages", string];
        insertProbeResult(store.db, sampleResult(new Date(t).toISOString(), { probe: series, kind, model }));
      }
      rebuildRollups(store.db, { gapMsOf: () => 150_000 });
      const api = getStatusNow(store.db, config, now).surfaces.find((s) => s.id === "api")!;
      expect(api.series.map((s) => s.series)).toEqual(["messages:claude-haiku-4-5"]);
    } finally {
      store.close();
    }
  });
});

describe("the 90 days sent once, compactly", () => {
  it("unpack to exactly the days packed, every state and count kept", () => {
    const days: DayBar[] = [
      { day: "2026-02-27", measuredUptime: null, officialUptime: null, measured: "nodata", official: "unknown", noDataMinutes: 1440, incidents: 0, officialUpMeasuredDownMinutes: 0 },
      { day: "2026-02-28", measuredUptime: 0.987654, officialUptime: 1, measured: "down", official: "operational", noDataMinutes: 12, incidents: 2, officialUpMeasuredDownMinutes: 17 },
      { day: "2026-03-01", measuredUptime: 1, officialUptime: 0.5, measured: "degraded", official: "maintenance", noDataMinutes: 0, incidents: 1, officialUpMeasuredDownMinutes: 0 },
      { day: "2026-03-02", measuredUptime: 0.999, officialUptime: 0.9, measured: "up", official: "down", noDataMinutes: 0, incidents: 0, officialUpMeasuredDownMinutes: 0 },
    ];
    const packed = packDays(days);
    expect(unpackDays(JSON.parse(JSON.stringify(packed)))).toEqual(days);
    // Far smaller than the days as objects: the point of packing.
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(days).length / 3);
  });
});
