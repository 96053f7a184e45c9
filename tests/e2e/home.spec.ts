/**
 * The home page shows what the database holds: each surface measured beside official, the disagreement sentence
 * where (and only where) they disagree, the 90 daily bars with keyboard-reachable tooltips, all of it without
 * JavaScript too, and at 375 px without sideways scrolling. Expected values are computed from the seeded database
 * at the moment the page was generated (its data-generated-at), with the same data functions the page uses.
 */
import { getSurfaceDays } from "@/lib/dashboard/days";
import { getIncident } from "@/lib/dashboard/incidents";
import { describeSeries, formatDay, formatUptime, MEASURED, OFFICIAL } from "@/lib/dashboard/format";
import { modelName } from "@/lib/dashboard/models";
import { getStatusNow } from "@/lib/dashboard/now";
import type { StatusNow, SurfaceDays } from "@/lib/dashboard/types";
import { expect, generatedAt, gotoFresh, openSeeded, screenshotPath, test } from "./fixtures";
import { NOT_RUNNING_INCIDENT_SLUG, OPEN_INCIDENT_SERIES } from "./seed";

function expected(at: number): { status: StatusNow; days: SurfaceDays[] } {
  const { store, config } = openSeeded();
  try {
    return { status: getStatusNow(store.db, config, at), days: getSurfaceDays(store.db, config, at) };
  } finally {
    store.close();
  }
}

test.describe("home: now", () => {
  test("shows the states the database holds, and the disagreement sentence only where they disagree", async ({ page }) => {
    const at = await gotoFresh(page, "/");
    const { status } = expected(at);

    // The seed's intent, checked against the data layer before the page is: the API disagrees, claude.ai agrees.
    const api = status.surfaces.find((s) => s.id === "api")!;
    const web = status.surfaces.find((s) => s.id === "claude-ai")!;
    expect(api.measured).toBe("down");
    expect(api.official).toBe("operational");
    expect(api.disagreement).toMatch(/^Official: operational\. Measured: for \d+ minutes, .+\.$/);
    expect(web.disagreement).toBeNull();
    expect(api.series.filter((s) => s.state === "down").map((s) => s.series).sort()).toEqual([...OPEN_INCIDENT_SERIES].sort());

    const now = page.getByRole("region", { name: "Now" });
    for (const surface of status.surfaces) {
      const card = now.getByRole("article", { name: surface.name });
      await expect(card).toBeVisible();
      await expect(card.locator(".versus-side").nth(0)).toContainText("Measured now");
      await expect(card.locator(".versus-side").nth(0).locator(".state")).toHaveText(MEASURED[surface.measured].label);
      await expect(card.locator(".versus-side").nth(0).locator(".state")).toHaveClass(new RegExp(MEASURED[surface.measured].className));
      await expect(card.locator(".versus-side").nth(1)).toContainText("Official now");
      await expect(card.locator(".versus-side").nth(1).locator(".state")).toHaveText(OFFICIAL[surface.official].label);

      if (surface.disagreement) await expect(card.locator(".disagreement")).toContainText(surface.disagreement);
      else await expect(card.locator(".disagreement")).toHaveCount(0);

      const rows = card.locator("tbody tr");
      await expect(rows).toHaveCount(surface.series.length);
      for (const [i, s] of surface.series.entries()) {
        const { kind, model } = describeSeries(s.series);
        await expect(rows.nth(i).locator("th")).toContainText(kind);
        if (model) await expect(rows.nth(i).locator("th")).toContainText(modelName(model));
        await expect(rows.nth(i).locator("td").first()).toContainText(MEASURED[s.state].label);
      }
    }

    // The headline says, per surface, whether Claude works and what the official page says beside it.
    await expect(page.locator(".headline")).toContainText(/^Claude API is failing since \d{2}:\d{2} \(your time\): [^.]+\. The official page still says Operational\./);
    await expect(page.locator(".headline")).toContainText("claude.ai is working. The official page agrees.");
    await expect(page).toHaveTitle("✕ Claude API failing · Witness");
    await expect(page.locator(".freshness")).toContainText("newest result at");
  });

  test("works without JavaScript: states and the sentence are in the HTML", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const at = await gotoFresh(page, "/");
      const { status } = expected(at);
      const api = status.surfaces.find((s) => s.id === "api")!;
      const now = page.getByRole("region", { name: "Now" });
      await expect(now.getByRole("article", { name: "Claude API" }).locator(".disagreement")).toContainText(api.disagreement!);
      await expect(now.getByRole("article", { name: "claude.ai" }).locator(".disagreement")).toHaveCount(0);
      for (const surface of status.surfaces) {
        await expect(now.getByRole("article", { name: surface.name }).locator(".versus-side .state").first()).toHaveText(MEASURED[surface.measured].label);
      }
      // No script of the page ran (the hydration data is never pushed): this is the server's HTML alone.
      expect(await page.evaluate(() => typeof (self as unknown as { __next_f?: unknown }).__next_f)).toBe("undefined");
      await expect(page.locator("ol.bars").first().locator("li.bar")).toHaveCount(90);
    } finally {
      await context.close();
    }
  });
});

test.describe("home: 90 days", () => {
  test("each surface has 90 bars measured and official, with the day's facts in each bar's tooltip", async ({ page }) => {
    const at = await gotoFresh(page, "/");
    const { days } = expected(at);
    const history = page.getByRole("region", { name: "Last 90 days" });
    for (const surface of days) {
      const card = history.getByRole("article", { name: surface.name });
      await expect(card.locator("dl")).toContainText(`Measured uptime${formatUptime(surface.measuredUptime)}`);
      await expect(card.locator("dl")).toContainText(`Official uptime${formatUptime(surface.officialUptime)}`);
      const rows = card.locator("ol.bars");
      await expect(rows).toHaveCount(2);
      for (const row of [rows.nth(0), rows.nth(1)]) {
        // The facts are sent once; each bar's tooltip is made when it is focused (or hovered).
        const tips = await row.evaluate(async (ol) => {
          const texts: string[] = [];
          for (const li of Array.from(ol.querySelectorAll<HTMLElement>("li.bar"))) {
            li.focus();
            await new Promise((r) => requestAnimationFrame(r));
            texts.push(li.querySelector(".tip")?.textContent ?? "");
          }
          (document.activeElement as HTMLElement | null)?.blur();
          return texts;
        });
        expect(tips).toHaveLength(90);
        tips.forEach((tip, i) => {
          const day = surface.days[i]!;
          expect(tip).toContain(formatDay(day.day));
          if (day.measuredUptime === null) expect(tip).toContain("Measured: no data");
          else expect(tip).toContain(`${formatUptime(day.measuredUptime)} uptime`);
          if (day.officialUptime !== null) expect(tip).toContain(`Official: ${OFFICIAL[day.official].label}, ${formatUptime(day.officialUptime)} uptime`);
          if (day.officialUpMeasuredDownMinutes > 0) expect(tip).toContain("official operational while measured down");
        });
      }
      // The rows line up: the same day is at the same place in both.
      const [m, o] = [await rows.nth(0).locator("li.bar").last().boundingBox(), await rows.nth(1).locator("li.bar").last().boundingBox()];
      expect(Math.abs(m!.x - o!.x)).toBeLessThan(1);
      expect(Math.abs(m!.width - o!.width)).toBeLessThan(1);
    }
  });

  test("the official bar of a day Witness never read the page is unknown, whatever the page's history says", async ({ page }) => {
    const at = await gotoFresh(page, "/");
    const { store, config } = openSeeded();
    let day: string;
    try {
      const before = getIncident(store.db, config, NOT_RUNNING_INCIDENT_SLUG, at)!;
      expect(before.measuredImpact).toBe("no_data");
      day = new Date(before.startedAt).toISOString().slice(0, 10);
    } finally {
      store.close();
    }
    const api = expected(at).days.find((s) => s.id === "api")!;
    const index = api.days.findIndex((d) => d.day === day);
    expect(api.days[index]).toMatchObject({ official: "unknown", officialUptime: null, measuredUptime: null });
    const card = page.getByRole("region", { name: "Last 90 days" }).getByRole("article", { name: "Claude API" });
    const bar = card.locator("ol.bars").nth(1).locator("li.bar").nth(index);
    await expect(bar).toHaveClass(/state-unknown/);
    await bar.focus();
    await expect(bar.locator(".tip")).toContainText("Official: unknown (not read)");
  });

  test("a tooltip opens on keyboard focus and stays on screen", async ({ page }) => {
    await gotoFresh(page, "/");
    const card = page.getByRole("region", { name: "Last 90 days" }).getByRole("article", { name: "Claude API" });
    // Keyboard: from the card's last link, Tab lands on the first bar of the measured row.
    await card.getByRole("link", { name: /Charts/ }).focus();
    await page.keyboard.press("Tab");
    const first = card.locator("ol.bars").first().locator("li.bar").first();
    await expect(first).toBeFocused();
    await expect(first.locator(".tip")).toBeVisible();
    await expect(first.locator(".tip")).toContainText("Measured:");

    // Today's bar, last in the row: its tooltip shows uptime and lies inside the viewport.
    const last = card.locator("ol.bars").first().locator("li.bar").last();
    await last.focus();
    const tip = last.locator(".tip");
    await expect(tip).toBeVisible();
    await expect(tip).toContainText("today, so far");
    await expect(tip).toContainText(/uptime/);
    const box = (await tip.boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    expect(box.height).toBeGreaterThan(20);
  });
});

test.describe("home: layout", () => {
  test("fits 375 px without sideways scrolling", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 375, height: 812 });
    await gotoFresh(page, "/");
    await expect(page.getByRole("region", { name: "Now" }).locator(".disagreement")).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Only the last 30 days are drawn at this width.
    const visible = await page.locator("ol.bars").first().locator("li.bar:visible").count();
    expect(visible).toBe(30);
    await page.screenshot({ path: screenshotPath(testInfo, "home-mobile.png"), fullPage: true });
  });

  test("screenshots at 1280 px, light and dark", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: "light" });
    await gotoFresh(page, "/");
    await generatedAt(page);
    await page.screenshot({ path: screenshotPath(testInfo, "home.png"), fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(13, 17, 23)");
    await page.screenshot({ path: screenshotPath(testInfo, "home-dark.png"), fullPage: true });
  });
});

test.describe("home on a phone", () => {
  test("the answer (the headline saying whether Claude works) starts on the first screen at 375 x 740", async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 740 });
    await gotoFresh(page, "/");
    const headline = page.locator("p.headline");
    await expect(headline).toBeVisible();
    const box = (await headline.boundingBox())!;
    // It was at y ≈ 545, below the header, the title and the paragraph about how Witness works.
    expect(box.y).toBeLessThan(300);
    // And it comes before the words about how Witness works, for a screen reader as for the eye.
    expect(await page.evaluate(() => {
      const h = document.querySelector("p.headline")!;
      const lead = document.querySelector(".page-head .lead")!;
      return Boolean(h.compareDocumentPosition(lead) & Node.DOCUMENT_POSITION_FOLLOWING);
    })).toBe(true);
  });
});
