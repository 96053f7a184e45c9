/**
 * The README's screenshots: the home page, light and dark, desktop (1280 px) and phone (375 px), written to
 * docs/screenshots/ (committed) when WITNESS_UPDATE_SCREENSHOTS=1, so an ordinary run leaves the tree clean; otherwise into
 * the run's own output directory, where they can be looked at.
 *
 * They are taken on a database seeded for them and a server of their own, just before: the shared seed's newest
 * results are minutes old by the time a full run reaches this spec, and a README showing "no recent measurements"
 * would say nothing about the product.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect, test } from "./fixtures";
import { seedDatabase } from "./seed";
import { ENV_TMP_DIR, serverEnv, startServer, type TestServer } from "./server";

const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 375, height: 812 } } as const;

test.describe("README screenshots", () => {
  test.describe.configure({ mode: "serial", timeout: 120_000 });
  let dir: string;
  let server: TestServer;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    dir = mkdtempSync(join(process.env[ENV_TMP_DIR] ?? tmpdir(), "screenshots-"));
    const dbPath = join(dir, "witness.db");
    await seedDatabase(dbPath);
    server = await startServer(serverEnv(dir, dbPath), join(dir, "server.log"));
  });
  test.afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const scheme of ["light", "dark"] as const) {
    for (const [device, viewport] of Object.entries(SIZES)) {
      test(`home, ${scheme}, ${device}`, async ({ page }, testInfo) => {
        await page.setViewportSize(viewport);
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`${server.baseUrl}/`);
        // A current reading, not the stale-data notice: the point of the picture.
        await expect(page.getByRole("article", { name: "Claude API" }).locator(".versus-side .state").first()).toHaveText(/down|degraded/i);
        expect(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches)).toBe(scheme === "dark");
        const root = dirname(testInfo.config.configFile ?? join(process.cwd(), "playwright.config.ts"));
        const name = `home-${scheme}-${device}.png`;
        const path = process.env.WITNESS_UPDATE_SCREENSHOTS === "1" ? join(root, "docs", "screenshots", name) : testInfo.outputPath(name);
        await page.screenshot({ path });
      });
    }
  }
});
