import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    // Pinned so Playwright's tests/e2e/*.spec.ts never run under vitest.
    include: ["tests/unit/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
