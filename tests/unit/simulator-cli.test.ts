import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FAULTS } from "@/lib/simulator";

const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

describe("npm run simulator -- --help", () => {
  it("names every fault it can inject, and exits 0", () => {
    const run = spawnSync(tsx, ["lib/simulator/cli.ts", "--help"], { cwd: fileURLToPath(new URL("../..", import.meta.url)), encoding: "utf8", timeout: 45_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run simulator/);
    const listed = new Set(run.stdout.split(/[\s,]+/));
    expect(FAULTS.filter((f) => !listed.has(f))).toEqual([]);
  });
});
