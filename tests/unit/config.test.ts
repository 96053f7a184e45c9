import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@/lib/config";
import { planProbes } from "@/lib/measure/targets";

const dir = mkdtempSync(join(tmpdir(), "witness-config-"));
function withFile(yaml: string) {
  const path = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return { WITNESS_CONFIG: path };
}

describe("configuration", () => {
  it("works with no file at all: haiku, 60 s intervals, PRODUCT.md's default URLs", () => {
    const config = loadConfig({});
    expect(config.models).toEqual(["claude-haiku-4-5"]);
    expect(config.probes.stream.intervalSeconds).toBe(60);
    expect(config.probes.status.intervalSeconds).toBe(60);
    expect(config.anthropicBaseUrl).toBe("https://api.anthropic.com");
    expect(config.webUrl).toBe("https://claude.ai");
    expect(config.statusPageUrl).toBe("https://status.claude.com");
    expect(config.databasePath).toBe("./data/witness.db");
    expect(config.port).toBe(3000);
    expect(config.apiKey).toBeNull();
  });

  it("merges a file over the defaults, key by key", () => {
    const config = loadConfig(withFile("models: [claude-haiku-4-5, claude-sonnet-4-5]\nprobes:\n  stream:\n    timeoutMs: 9000\n"));
    expect(config.models).toHaveLength(2);
    expect(config.probes.stream.timeoutMs).toBe(9000);
    expect(config.probes.stream.idleTimeoutMs).toBe(20_000);
    expect(config.probes.messages.timeoutMs).toBe(30_000);
  });

  it.each([
    ["probes:\n  stream:\n    timeoutMs: fast\n", "probes.stream.timeoutMs"],
    ["probes:\n  web:\n    intervalSeconds: 7\n", "probes.web.intervalSeconds"],
    ["modles: [claude-haiku-4-5]\n", "modles: unknown key"],
    ["probes:\n  stream:\n    apiKey: x\n", "probes.stream.apiKey: unknown key"],
    ["answer:\n  match: regex\n  expect: '('\n", "answer.expect"],
    ["models: []\n", "models"],
    ["models: ['../etc']\n", "models.0"],
    ["models: [\n", "not valid YAML"],
  ])("rejects %j naming %s", (yaml, path) => {
    expect(() => loadConfig(withFile(yaml))).toThrow(ConfigError);
    expect(() => loadConfig(withFile(yaml))).toThrow(path);
  });

  it("rejects a bad URL naming the variable without echoing its value", () => {
    const run = () => loadConfig({ ANTHROPIC_BASE_URL: "gateway-token-123" });
    expect(run).toThrow("ANTHROPIC_BASE_URL");
    expect(run).not.toThrow("gateway-token-123");
  });

  it("names a missing config file", () => {
    expect(() => loadConfig({ WITNESS_CONFIG: join(dir, "nope.yaml") })).toThrow(/nope\.yaml: cannot read/);
  });

  it("refuses a browser probe this version cannot run, rather than let it crash on every tick", () => {
    expect(() => loadConfig(withFile("probes:\n  browser: { enabled: true }\n"))).toThrow(/probes\.browser\.enabled: the browser probe is not in this version yet/);
    expect(loadConfig(withFile("probes:\n  console: { enabled: true }\n")).probes.console.enabled).toBe(true);
  });
});

describe("the probe plan", () => {
  it("skips the keyed kinds without a key and still runs the rest", () => {
    const plan = planProbes(loadConfig({}));
    expect(plan.skippedForKey).toEqual(["messages", "stream"]);
    expect(plan.probes.map((p) => p.target.name)).toEqual(["edge", "web", "status"]);
  });

  it("runs one keyed series per model, and --timeout caps every deadline and idle timeout", () => {
    const config = loadConfig({ ...withFile("models: [claude-haiku-4-5, claude-opus-4-5]\n"), ANTHROPIC_API_KEY: "sk-test" });
    const plan = planProbes(config, { only: ["stream", "edge"], timeoutMs: 1500 });
    expect(plan.probes.map((p) => p.target.name)).toEqual(["stream:claude-haiku-4-5", "stream:claude-opus-4-5", "edge"]);
    expect(plan.probes.every((p) => p.target.timeoutMs === 1500 && p.target.idleTimeoutMs === 1500)).toBe(true);
    expect(plan.probes.find((p) => p.kind === "edge")?.target.apiKey).toBeUndefined();
  });
});
