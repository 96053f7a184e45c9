/**
 * The home page as a visitor keeps it open: it updates itself while the tab is visible (conditional polls of
 * /api/v1/status, 304 while nothing changed), the tab's title carries the state, it says so when Witness cannot be
 * reached, and times are the visitor's own with UTC on hover (and UTC in the HTML for readers without JavaScript).
 * It is light: the HTML under 60 KB and the first-load JavaScript under 120 KB gzipped.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { expect, gotoFresh, screenshotPath, test } from "./fixtures";
import { seedDatabase } from "./seed";
import { E2E_MODELS_YAML, serverEnv, startServer, type TestServer } from "./server";

test.describe("home: live without reload", () => {
  test.describe.configure({ mode: "serial", timeout: 120_000 });
  let dir: string;
  let server: TestServer | null = null;
  let dbPath: string;

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "witness-e2e-live-"));
    dbPath = join(dir, "live.db");
    // Two days are enough here, and quick to write beside the other specs.
    await seedDatabase(dbPath, Date.now(), 2);
    const env = serverEnv(dir, dbPath);
    // A 2 s status-page interval: the page polls every probe interval, so the test waits seconds, not a minute.
    const configPath = join(dir, "live.config.yaml");
    writeFileSync(configPath, `${E2E_MODELS_YAML}\nprobes:\n  status:\n    intervalSeconds: 2\n`);
    server = await startServer({ ...env, WITNESS_CONFIG: configPath }, join(dir, "server.log"));
  });
  test.afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a change in the database reaches the open page and its title; a stopped server shows a banner", async ({ page, consoleErrors }) => {
    // The polls against the stopped server fail, and Chromium logs each failed request.
    consoleErrors.allow(/Failed to load resource|ERR_CONNECTION_REFUSED/);
    const statuses: number[] = [];
    page.on("response", (res) => {
      if (new URL(res.url()).pathname === "/api/v1/status") statuses.push(res.status());
    });
    await page.goto(`${server!.baseUrl}/`);
    const headline = page.locator(".headline");
    await expect(headline).toContainText(/^Claude API is failing since \d{2}:\d{2}/);
    await expect(headline).toContainText("The official page still says Operational.");
    await expect(page).toHaveTitle("✕ Claude API failing · Witness");
    await expect(page.locator(".live-updated")).toContainText(/^Updated \d+\s?s ago/);
    // Nothing changed yet: the page's conditional polls are answered 304.
    await expect.poll(() => statuses.filter((s) => s === 304).length, { timeout: 15_000 }).toBeGreaterThan(0);
    const before = await page.locator("[data-generated-at]").getAttribute("data-generated-at");

    // The front may answer the page's no-cache fetch with a copy from before the change (it honours no-cache at most
    // once per render spacing, and a busy machine's render budget puts it further off): the first fetch of the page
    // after the change gets the page as it was, and the live view must ask again rather than keep it.
    const oldPage = await (await fetch(`${server!.baseUrl}/`)).text();
    let staleServed = 0;
    await page.route(`${server!.baseUrl}/`, async (route) => {
      if (route.request().resourceType() !== "fetch" || staleServed > 0) return route.fallback();
      staleServed += 1;
      await route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: oldPage });
    });

    // The worker resolves the outage: the page shows it without a reload.
    const db = new Database(dbPath);
    try {
      db.prepare("UPDATE measured_incidents SET ended_at = ? WHERE ended_at IS NULL").run(Date.now());
    } finally {
      db.close();
    }
    await expect(headline).toHaveText("Claude is working: every surface measured up, and the official page agrees.", { timeout: 15_000 });
    await expect(page).toHaveTitle("✓ Claude working · Witness");
    expect(staleServed).toBe(1);
    const api = page.getByRole("region", { name: "Now" }).getByRole("article", { name: "Claude API" });
    await expect(api.locator(".versus-side").first().locator(".state")).toHaveText("Up");
    // The same document: it was refreshed in place, never reloaded.
    expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
    expect(await page.locator("[data-generated-at]").getAttribute("data-generated-at")).not.toBe(before);

    await server!.stop();
    server = null;
    const banner = page.locator(".live-banner[role=alert]");
    await expect(banner).toContainText("Cannot reach Witness", { timeout: 15_000 });
    await expect(banner).toContainText("may be out of date");
  });
});

test.describe("home: times", () => {
  test("are the visitor's own, with UTC on hover", async ({ browser }) => {
    const context = await browser.newContext({ timezoneId: "Asia/Kolkata", locale: "en-GB" });
    try {
      const page = await context.newPage();
      await gotoFresh(page, "/");
      const time = page.locator(".freshness time");
      const iso = (await time.getAttribute("datetime"))!;
      const local = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Kolkata", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).format(Date.parse(iso));
      await expect(time).toHaveText(local);
      await expect(time).toHaveAttribute("title", new RegExp(`${iso.slice(11, 19)} UTC$`));
      // The headline's time says whose it is.
      await expect(page.locator(".headline time")).toContainText("(your time)");
    } finally {
      await context.close();
    }
  });

  test("are UTC in the HTML for readers without JavaScript", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, timezoneId: "Asia/Kolkata" });
    try {
      const page = await context.newPage();
      await gotoFresh(page, "/");
      const time = page.locator(".freshness time");
      const iso = (await time.getAttribute("datetime"))!;
      await expect(time).toHaveText(`${iso.slice(11, 19)} UTC`);
      await expect(page.locator(".headline time").first()).toHaveText(/^\d{2}:\d{2} UTC$/);
      await expect(page.locator(".live-updated")).toHaveCount(0);
    } finally {
      await context.close();
    }
  });
});

test.describe("home: weight", () => {
  test("the HTML and the first-load JavaScript stay within their budgets, and no chart library loads", async ({ baseURL }) => {
    const base = baseURL ?? process.env.WITNESS_E2E_BASE_URL!;
    const html = await (await fetch(`${base}/`)).text();
    const htmlBytes = Buffer.byteLength(html);
    // Every <script src> of the page, gzipped one by one; the noModule polyfills are fetched only by browsers
    // without ES modules, so they are counted apart.
    const tags = [...html.matchAll(/<script([^>]*)\ssrc="([^"]+)"([^>]*)>/g)].map((m) => ({ src: m[2]!, noModule: /nomodule/i.test(m[1]! + m[3]!) }));
    expect(tags.length).toBeGreaterThan(0);
    let jsGzip = 0;
    let polyfillGzip = 0;
    for (const { src, noModule } of tags) {
      const code = Buffer.from(await (await fetch(new URL(src, base))).arrayBuffer());
      // Recharts' own error text: its code must never be in the home page's scripts.
      expect(code.toString("utf8")).not.toMatch(/recharts/i);
      const size = gzipSync(code).length;
      if (noModule) polyfillGzip += size;
      else jsGzip += size;
    }
    test.info().annotations.push({ type: "weight", description: `HTML ${htmlBytes} B; first-load JS ${jsGzip} B gzipped (+${polyfillGzip} B noModule polyfills) over ${tags.length} scripts` });
    // Issue 8's budgets. The page runs without React (lib/web/static-home.ts): its one script is a few KB.
    expect(htmlBytes).toBeLessThan(60 * 1024);
    expect(jsGzip).toBeLessThan(120 * 1024);
    expect(html.match(/<script[^>]*\ssrc="\/_next\/[^"]*"/g)).toBeNull();
  });
});

test.describe("home: phone", () => {
  test("the series table says so whenever it scrolls sideways, and only then", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 375, height: 812 });
    await gotoFresh(page, "/");
    const card = page.getByRole("region", { name: "Now" }).getByRole("article", { name: "Claude API" });
    const wrap = card.locator(".table-wrap");
    expect(await wrap.evaluate((el) => getComputedStyle(el).overflowX)).toBe("auto");
    const scrolls = () => wrap.evaluate((el) => el.scrollWidth > el.clientWidth);
    // At 375 px the table drops its timing columns to fit; whatever it does, the hint matches it.
    if (await scrolls()) await expect(card.locator(".scroll-hint")).toBeVisible();
    else await expect(card.locator(".scroll-hint")).toBeHidden();
    await page.screenshot({ path: screenshotPath(testInfo, "home-375-light.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: screenshotPath(testInfo, "home-375-dark.png"), fullPage: true });

    // A box narrower than the table (a long model name, a larger font): the hint appears, and stays in view while scrolled.
    await wrap.evaluate((el) => (el.style.width = "220px"));
    expect(await scrolls()).toBe(true);
    const hint = card.locator(".scroll-hint");
    await expect(hint).toBeVisible();
    await wrap.evaluate((el) => (el.scrollLeft = 100));
    const [box, hintBox] = [await wrap.boundingBox(), await hint.boundingBox()];
    expect(hintBox!.x).toBeGreaterThanOrEqual(box!.x - 1);
    await wrap.evaluate((el) => (el.style.width = ""));

    await page.setViewportSize({ width: 1280, height: 900 });
    await expect(hint).toBeHidden();
  });
});
