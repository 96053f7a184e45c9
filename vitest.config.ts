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
    // Generous: a CLI started through tsx takes seconds on a loaded 2-core machine (load 6 to 14 seen in CI and with
    // other work beside it). A hung test costs this long; a slow one no longer fails.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
