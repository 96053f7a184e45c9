/** The shell every page lives in: landmarks, navigation, security headers, the 404 page, a clean console. */
import { expect, test } from "./fixtures";

test.describe("home", () => {
  test("answers 200 with the header, navigation, main and footer landmarks", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);

    await expect(page).toHaveTitle(/Witness/);
    const header = page.getByRole("banner");
    await expect(header).toBeVisible();
    await expect(header.getByRole("link", { name: "Witness", exact: true })).toHaveAttribute("href", "/");

    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link")).toHaveText(["Home", "Charts", "Incidents", "History", "Methodology"]);
    await expect(nav.getByRole("link", { name: "Home" })).toHaveAttribute("href", "/");
    await expect(nav.getByRole("link", { name: "Charts" })).toHaveAttribute("href", "/charts");
    await expect(nav.getByRole("link", { name: "Incidents" })).toHaveAttribute("href", "/incidents");
    await expect(nav.getByRole("link", { name: "History" })).toHaveAttribute("href", "/history");
    await expect(nav.getByRole("link", { name: "Methodology" })).toHaveAttribute("href", "/methodology");
    await expect(nav.getByRole("link", { name: "Home" })).toHaveAttribute("aria-current", "page");

    await expect(page.getByRole("main")).toHaveAttribute("id", "main");
    await expect(page.getByRole("contentinfo")).toBeVisible();
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
  });

  test("hydrates under the CSP (inline scripts allowed, nothing blocked)", async ({ page }) => {
    await page.goto("/charts");
    // Set by the inline hydration scripts: if the CSP blocked them this would be missing and the console would show
    // "Refused to execute inline script", which the fixture fails on too.
    await page.waitForFunction(() => Array.isArray((self as unknown as { __next_f?: unknown }).__next_f));
  });

  test("the home page runs its own script under the CSP, without React", async ({ page }) => {
    await page.goto("/");
    await expect(page.locator(".live-updated")).toContainText("Updated");
    expect(await page.evaluate(() => "__next_f" in self)).toBe(false);
  });

  test("the skip link is the first tab stop and moves focus to main", async ({ page }) => {
    await page.goto("/");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/#main$/);
    await expect(page.locator("main#main")).toBeFocused();
  });

  test("fits a 375 px wide screen without sideways scrolling", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto("/");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: testInfo.outputPath("home-375.png"), fullPage: true });
  });

  test("dark mode changes the colours", async ({ page }) => {
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto("/");
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(light).toBe("rgb(255, 255, 255)");
    expect(dark).not.toBe(light);
  });
});

test.describe("security headers", () => {
  for (const path of ["/", "/no-such-page"]) {
    test(`are sent on ${path}`, async ({ request }) => {
      const response = await request.get(path);
      const headers = response.headers();
      const csp = headers["content-security-policy"] ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).not.toContain("unsafe-eval");
      expect(csp).toMatch(/script-src 'self'[^;]*;/);
      expect(headers["x-content-type-options"]).toBe("nosniff");
      expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
      expect(headers["x-frame-options"]).toBe("DENY");
      expect(headers["permissions-policy"]).toContain("camera=()");
      expect(headers["x-powered-by"]).toBeUndefined();
    });
  }

  test("are sent on static assets too", async ({ page, request }) => {
    await page.goto("/charts");
    const sources = [await page.locator('script[src^="/_next/static/"]').first().getAttribute("src")];
    await page.goto("/");
    sources.push(await page.locator('script[src^="/_witness/"]').first().getAttribute("src"));
    for (const src of sources) {
      expect(src).toBeTruthy();
      const response = await request.get(src!);
      expect(response.status()).toBe(200);
      expect(response.headers()["x-content-type-options"]).toBe("nosniff");
      expect(response.headers()["content-security-policy"]).toContain("default-src 'self'");
    }
  });
});

test.describe("not found", () => {
  test("an unknown route answers 404 with the site's not-found page", async ({ page, consoleErrors }) => {
    // Chromium logs the document's own 404 status as a console error; that one is the point of this test.
    consoleErrors.allow(/Failed to load resource: the server responded with a status of 404.*\/no-such-page/);
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    await expect(page.getByRole("banner")).toBeVisible();
    await expect(page.getByRole("main").getByRole("link", { name: /current status/ })).toHaveAttribute("href", "/");
    await expect(page).toHaveTitle(/Page not found/);
  });
});
