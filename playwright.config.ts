/**
 * Browser tests against a production build. No `webServer`: tests/e2e/global-setup.ts builds when needed, seeds a
 * temporary database, starts `next start` on a free port and exports its URL in WITNESS_E2E_BASE_URL, which the
 * worker processes read here (they load this file after global setup has run).
 */
import { defineConfig, devices } from "@playwright/test";

/** Debian's chromium: Playwright's own browser download needs the internet. Override with CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  // Everything a run writes (traces, failure screenshots, testInfo.outputPath() files) goes here; git-ignored.
  outputDir: "test-results/e2e",
  globalSetup: "./tests/e2e/global-setup.ts",
  globalTeardown: "./tests/e2e/global-teardown.ts",
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // Two cores: the server and one browser per worker share them.
  workers: 2,
  reporter: [["list"]],
  timeout: 90_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL: process.env.WITNESS_E2E_BASE_URL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
      },
    },
  ],
});
