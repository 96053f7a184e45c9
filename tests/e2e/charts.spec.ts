/**
 * The charts page: real SVG lines with data, the official bands on the time axis, window links that work without
 * JavaScript, and a bad window parameter that falls back to 24 hours instead of failing.
 */
import { expect, screenshotPath, test } from "./fixtures";

test.describe("charts", () => {
  test("draws latency and failure lines with real path data, and the official bands", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    // Seven days hold official incidents (the seeded history's), so there are bands to draw.
    const response = await page.goto("/charts?window=7d");
    expect(response?.status()).toBe(200);
    await expect(page.getByRole("navigation", { name: "Time window" }).getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");

    const api = page.locator("#surface-api");
    await expect(api.getByRole("heading", { level: 2, name: "Claude API" })).toBeVisible();
    const lines = page.locator(".chart path.recharts-line-curve");
    await expect(lines.first()).toBeAttached();
    const ds = await lines.evaluateAll((paths) => paths.map((p) => p.getAttribute("d") ?? ""));
    // Every series card draws p50 and p95 (and TTFT for streaming): 8 series, at least two lines each.
    expect(ds.length).toBeGreaterThanOrEqual(16);
    for (const d of ds) expect(d).toMatch(/^M[\d.-]+,[\d.-]+(?:[LC][\d.,\s-]+)+/);

    const areas = await page.locator(".chart path.recharts-area-area").evaluateAll((paths) => paths.map((p) => p.getAttribute("d") ?? ""));
    expect(areas.length).toBeGreaterThanOrEqual(2);
    for (const d of areas) expect(d.length).toBeGreaterThan(20);

    // Bands: shaded rectangles with a real size, on the failure chart of each surface.
    for (const surface of ["#surface-api", "#surface-claude-ai"]) {
      const bands = page.locator(`${surface} .card`).first().locator(".recharts-reference-area-rect");
      expect(await bands.count()).toBeGreaterThan(0);
      const width = Number(await bands.first().getAttribute("width"));
      expect(width).toBeGreaterThan(0);
    }
    await expect(page.locator("#surface-api .chart-summary").first()).toContainText("results failed");
    await expect(page.locator(".chart-legend").first()).toContainText("Official page: outage");

    // The per-model comparison: a table row per model and bars.
    const models = page.getByRole("region", { name: "Models compared" });
    await expect(models.locator("tbody tr")).toHaveCount(3);
    expect(await models.locator(".recharts-bar-rectangle path").count()).toBeGreaterThanOrEqual(6);

    await page.screenshot({ path: screenshotPath(testInfo, "charts.png"), fullPage: true });
  });

  test("the window links switch windows; a bad window falls back to 24 hours", async ({ page }) => {
    for (const bad of ["nonsense", "constructor", "toString", "", "7d&window=30d"]) {
      const response = await page.goto(`/charts?window=${bad}`);
      expect(response?.status(), `?window=${bad}`).toBe(200);
      await expect(page.getByRole("navigation", { name: "Time window" }).getByRole("link", { name: "24 hours" })).toHaveAttribute("aria-current", "page");
    }
    await page.goto("/charts");
    await page.getByRole("navigation", { name: "Time window" }).getByRole("link", { name: "30 days" }).click();
    await expect(page).toHaveURL(/window=30d$/);
    await expect(page.getByRole("navigation", { name: "Time window" }).getByRole("link", { name: "30 days" })).toHaveAttribute("aria-current", "page");
    await expect(page.locator(".chart path.recharts-line-curve").first()).toBeAttached();
  });

  test("without JavaScript every chart has its figures as text", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto("/charts?window=24h");
      const summaries = page.locator(".chart-summary");
      expect(await summaries.count()).toBe(await page.locator(".chart").count() - 1);
      await expect(summaries.first()).toContainText(/results failed/);
      await expect(page.locator("#surface-api .chart-card .chart-summary").first()).toContainText(/Median p50 \d+\sms/);
      await expect(page.getByRole("region", { name: "Models compared" }).locator("table")).toContainText("claude-haiku-4-5");
    } finally {
      await context.close();
    }
  });
});
