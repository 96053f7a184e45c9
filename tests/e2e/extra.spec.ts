/**
 * Issue 8 in the browser: feeds in every head and a Subscribe box, link previews that carry the state now (and a
 * 1200×630 PNG), the official page in the header, /history beyond 90 days paged by month, and the demo banner.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { getStatusNow } from "@/lib/dashboard/now";
import { linkPreview } from "@/lib/dashboard/preview";
import { monthName, monthOf } from "@/lib/dashboard/history";
import { getMeasuredIncidentsRange } from "@/db/queries/measured-incidents";
import { expect, openSeeded, screenshotPath, test } from "./fixtures";
import { OLD_MEASURED_DAYS, OLD_OFFICIAL_DAYS, OLD_OFFICIAL_TITLE } from "./seed";
import { ENV_SEEDED_AT, ENV_TMP_DIR, serverEnv, startServer } from "./server";

const DAY = 86_400_000;
const seededAt = () => Number(process.env[ENV_SEEDED_AT]);

function previewNow() {
  const { store, config } = openSeeded();
  try {
    return linkPreview(getStatusNow(store.db, config, Date.now()));
  } finally {
    store.close();
  }
}

test.describe("subscribe", () => {
  for (const path of ["/", "/incidents", "/history", "/methodology"]) {
    test(`${path} has RSS, Atom and JSON Feed as rel=alternate links with absolute URLs that answer`, async ({ page, baseURL, request }) => {
      await page.goto(path);
      const types = { "application/rss+xml": "/feed.xml", "application/atom+xml": "/feed.atom", "application/feed+json": "/feed.json" };
      for (const [type, feedPath] of Object.entries(types)) {
        const link = page.locator(`head link[rel="alternate"][type="${type}"]`);
        await expect(link).toHaveCount(1);
        const href = await link.getAttribute("href");
        expect(href).toBe(`${baseURL}${feedPath}`);
        expect((await request.get(href!)).status()).toBe(200);
      }
    });
  }

  test("a visible Subscribe box offers the feed URLs and badge snippets, reached from the header", async ({ page, baseURL }) => {
    await page.goto("/incidents");
    await page.getByRole("banner").getByRole("link", { name: "Subscribe" }).click();
    const box = page.getByRole("region", { name: "Subscribe" });
    await expect(box).toBeInViewport();
    await expect(box.getByRole("link", { name: "RSS" })).toHaveAttribute("href", `${baseURL}/feed.xml`);
    await expect(box.getByRole("link", { name: "Atom" })).toHaveAttribute("href", `${baseURL}/feed.atom`);
    await expect(box.getByRole("link", { name: "JSON Feed" })).toHaveAttribute("href", `${baseURL}/feed.json`);
    await box.getByText("Badges and embed snippets").click();
    await expect(box.locator('code[data-snippet="markdown"]').first()).toHaveText(`[![claude.ai status](${baseURL}/api/v1/badges/claude-ai.svg)](${baseURL}/)`);
    // One snippet per surface, in the default surfaces' order: claude.ai, Claude Console, Claude API, Claude Code.
    const html = box.locator('code[data-snippet="html"]');
    await expect(html).toHaveCount(4);
    for (const [i, id] of ["claude-ai", "console", "api", "claude-code"].entries()) await expect(html.nth(i)).toContainText(`${baseURL}/api/v1/badges/${id}.svg`);
    await expect(box.getByRole("img", { name: "Claude API status badge" })).toBeVisible();
  });
});

test("the header links to the official status page with rel=noopener", async ({ page }) => {
  await page.goto("/");
  const link = page.getByRole("banner").getByRole("link", { name: "Official status page" });
  // The test server's STATUS_PAGE_URL (tests/e2e/server.ts serverEnv): nothing in a test run reaches the real page.
  await expect(link).toHaveAttribute("href", "http://127.0.0.1:9");
  await expect(link).toHaveAttribute("rel", "noopener");
});

test.describe("link previews", () => {
  test("OpenGraph and Twitter tags carry each surface's state now", async ({ page }) => {
    const before = previewNow();
    await page.goto("/");
    const after = previewNow();
    const meta = (attr: string, name: string) => page.locator(`head meta[${attr}="${name}"]`).getAttribute("content");
    const title = await meta("property", "og:title");
    expect([before.title, after.title]).toContain(title);
    // Each surface with its measured state in words (which one depends on how old the seed's newest results are).
    const state = "(up|degraded|down|no data)";
    expect(title).toMatch(new RegExp(`claude\\.ai ${state}, Claude Console ${state}, Claude API ${state}, Claude Code ${state}$`));
    expect([before.description, after.description]).toContain(await meta("property", "og:description"));
    expect(await meta("property", "og:description")).toMatch(/Claude API: measured [a-z ]+.*official: operational/);
    expect(await meta("name", "twitter:card")).toBe("summary_large_image");
    expect(await meta("name", "twitter:title")).toBe(title);
  });

  test("og:image is an absolute URL of a 1200×630 PNG rendered by the server", async ({ page, baseURL, request }, testInfo) => {
    await page.goto("/history");
    const image = await page.locator('head meta[property="og:image"]').getAttribute("content");
    expect(image).toMatch(new RegExp(`^${baseURL!.replace(/[.]/g, "\\.")}/opengraph-image`));
    const response = await request.get(image!);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toBe("image/png");
    const png = await response.body();
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(png.subarray(12, 16).toString("ascii")).toBe("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 630]);
    mkdirSync(dirname(screenshotPath(testInfo, "x")), { recursive: true });
    writeFileSync(screenshotPath(testInfo, "opengraph-image.png"), png);
    expect(await page.locator('head meta[property="og:image:width"]').getAttribute("content")).toBe("1200");
  });
});

test.describe("history", () => {
  test("pages back month by month to Witness's first measurement, beyond 90 days", async ({ page }) => {
    const first = monthOf(seededAt() - OLD_MEASURED_DAYS * DAY);
    await page.goto("/history");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`History: ${monthName(monthOf(Date.now()))}`);
    await expect(page.locator('a[rel="next"]')).toHaveCount(0);
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      const prev = page.locator('a[rel="prev"]').first();
      if ((await prev.count()) === 0) break;
      const href = (await prev.getAttribute("href"))!;
      await prev.click();
      await page.waitForURL((url) => url.pathname === href);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(`History: ${monthName(href.slice(-7))}`);
      seen.push(href.slice(-7));
    }
    expect(seen.at(-1)).toBe(first);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    await expect(page.getByText("Witness began this month").first()).toBeVisible();
    await expect(page.locator('a[rel="next"]').first()).toHaveAttribute("href", `/history/${seen.at(-2)}`);
  });

  test("lists the measured and official incidents older than 90 days that /incidents leaves out", async ({ page }) => {
    const { store } = openSeeded();
    const old = getMeasuredIncidentsRange(store.db, { from: new Date(0), to: new Date(seededAt() - 90 * DAY) });
    store.close();
    expect(old).toHaveLength(1);
    await page.goto(`/history/${monthOf(old[0]!.startedAt.getTime())}`);
    await expect(page.locator(`a[href="/incidents/m-${old[0]!.id}"]`)).toBeVisible();
    await page.goto(`/history/${monthOf(seededAt() - OLD_OFFICIAL_DAYS * DAY)}`);
    await expect(page.getByRole("link", { name: OLD_OFFICIAL_TITLE })).toBeVisible();
    await page.goto("/incidents");
    await expect(page.locator(`a[href="/incidents/m-${old[0]!.id}"]`)).toHaveCount(0);
    await expect(page.getByRole("link", { name: OLD_OFFICIAL_TITLE })).toHaveCount(0);
  });

  test("a month that is malformed, before Witness began or in the future is a 404 and writes nothing", async ({ request }) => {
    const db = process.env.DATABASE_PATH!;
    const before = statSync(db).mtimeMs;
    const future = monthOf(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1));
    for (const month of ["2026-13", "2026-1", "abcd-ef", "1999-01", future, "..%2Ffeed.xml"]) {
      expect((await request.get(`/history/${month}`)).status(), month).toBe(404);
    }
    expect(statSync(db).mtimeMs).toBe(before);
  });
});

test.describe("demo", () => {
  test.describe.configure({ timeout: 120_000 });
  test("with WITNESS_DEMO=1 every page says the data is the simulator's and generated; without it none does", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("note", { name: "Demo" })).toHaveCount(0);
    const dir = mkdtempSync(join(process.env[ENV_TMP_DIR] ?? tmpdir(), "demo-"));
    const server = await startServer(serverEnv(dir, process.env.DATABASE_PATH!, { WITNESS_DEMO: "1" }), join(dir, "server.log"));
    try {
      for (const path of ["/", "/incidents", "/history", "/methodology"]) {
        await page.goto(`${server.baseUrl}${path}`);
        await expect(page.getByRole("note", { name: "Demo" })).toContainText("simulator and generated history");
      }
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
