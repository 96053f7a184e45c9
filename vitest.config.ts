import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    // Pinned so Playwright's tests/e2e/*.spec.ts never run under vitest.
    include: ["tests/unit/**/*.test.ts"],
    // Two files at a time, whatever the core count says (vitest would take one on 2 cores): the longest files mostly
    // wait (a receiver down for 2 minutes, npm start offline for 3), so a second lane halves the run.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
