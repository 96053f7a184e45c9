/**
 * The README's screenshots: the home page on the seeded database, light and dark, desktop (1280 px) and phone
 * (375 px), written to docs/screenshots/ (committed). Re-run this spec to refresh them after a visual change.
 */
import { dirname, join } from "node:path";
import { expect, gotoFresh, test } from "./fixtures";

const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 375, height: 812 } } as const;

for (const scheme of ["light", "dark"] as const) {
  for (const [device, viewport] of Object.entries(SIZES)) {
    test(`home, ${scheme}, ${device}`, async ({ page }, testInfo) => {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: scheme });
      await gotoFresh(page, "/");
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      const isDark = await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches);
      expect(isDark).toBe(scheme === "dark");
      const root = dirname(testInfo.config.configFile ?? join(process.cwd(), "playwright.config.ts"));
      await page.screenshot({ path: join(root, "docs", "screenshots", `home-${scheme}-${device}.png`) });
    });
  }
}
