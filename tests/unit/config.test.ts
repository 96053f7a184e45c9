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

  it("turns every kind on by default, and a file turns browser (or any kind) off and on again", () => {
    const config = loadConfig({});
    expect(Object.values(config.probes).every((p) => p.enabled)).toBe(true);
    expect(config.probes.browser).toMatchObject({ intervalSeconds: 300, readySelector: null });
    expect(config.probes.code.intervalSeconds).toBe(300);
    const off = loadConfig({ ...withFile("probes:\n  browser: { enabled: false }\n  console: { enabled: false }\n"), CHROMIUM_PATH: process.execPath });
    expect([off.probes.browser.enabled, off.probes.console.enabled, off.probes.web.enabled]).toEqual([false, false, true]);
    const plan = planProbes(off);
    expect(plan.probes.map((p) => p.kind)).not.toContain("browser");
    expect(plan.skippedForBrowser).toBeNull();
    const on = loadConfig({ ...withFile("probes:\n  browser: { enabled: true, intervalSeconds: 30, readySelector: '#composer' }\n"), CHROMIUM_PATH: process.execPath });
    const browser = planProbes(on).probes.find((p) => p.kind === "browser");
    expect(browser?.intervalSeconds).toBe(30);
    expect(browser?.target.browser).toMatchObject({ chromiumPath: process.execPath, readySelector: "#composer", firstPartyHosts: ["claude.ai", "*.claude.ai", "*.anthropic.com"] });
  });

  it("has PRODUCT.md's four default surfaces, each held against its official component", () => {
    expect(loadConfig({}).surfaces).toEqual([
      { id: "claude-ai", name: "claude.ai", componentId: "rwppv331jlwc", kinds: ["web", "browser"] },
      { id: "console", name: "Claude Console", componentId: "0qbwn08sd68x", kinds: ["console"] },
      { id: "api", name: "Claude API", componentId: "k8w3r06qmzrp", kinds: ["messages", "stream", "edge"] },
      { id: "claude-code", name: "Claude Code", componentId: "yyzkbfz2thpt", kinds: ["code"] },
    ]);
  });
});

describe("the probe plan", () => {
  it("skips the keyed kinds without a key and still runs the rest", () => {
    const plan = planProbes(loadConfig({ CHROMIUM_PATH: process.execPath }));
    expect(plan.skippedForKey).toEqual(["messages", "stream", "code"]);
    expect(plan.skippedForBrowser).toBeNull();
    expect(plan.probes.map((p) => p.target.name)).toEqual(["edge", "web", "status", "console", "browser"]);
  });

  it("skips browser with one line when no Chromium is found, and still runs the rest", () => {
    const plan = planProbes(loadConfig({ CHROMIUM_PATH: "/nonexistent/chromium", ANTHROPIC_API_KEY: "sk-test" }));
    expect(plan.skippedForKey).toEqual([]);
    expect(plan.skippedForBrowser).toMatch(/^CHROMIUM_PATH=\/nonexistent\/chromium is not an executable file: skipping browser/);
    expect(plan.probes.map((p) => p.target.name)).toEqual(["messages:claude-haiku-4-5", "stream:claude-haiku-4-5", "edge", "web", "status", "console", "code:claude-haiku-4-5"]);
  });

  it("runs one keyed series per model, and --timeout caps every deadline and idle timeout", () => {
    const config = loadConfig({ ...withFile("models: [claude-haiku-4-5, claude-opus-4-5]\n"), ANTHROPIC_API_KEY: "sk-test" });
    const plan = planProbes(config, { only: ["stream", "edge"], timeoutMs: 1500 });
    expect(plan.probes.map((p) => p.target.name)).toEqual(["stream:claude-haiku-4-5", "stream:claude-opus-4-5", "edge"]);
    expect(plan.probes.every((p) => p.target.timeoutMs === 1500 && p.target.idleTimeoutMs === 1500)).toBe(true);
    expect(plan.probes.find((p) => p.kind === "edge")?.target.apiKey).toBeUndefined();
  });
});
