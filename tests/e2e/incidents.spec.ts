/**
 * The incident list and pages: measured incidents with how the official page answered (never, or after a delay),
 * official incidents with no measured impact labelled as such, one from before Witness ran as "not running", one that
 * vanished from the page as vanished, a timeline with both sources, the hostile official
 * title shown as text and never run, and a 404 for unknown or malformed slugs.
 */
import { listIncidents } from "@/lib/dashboard/incidents";
import type { IncidentSummary } from "@/lib/dashboard/types";
import { expect, gotoFresh, openSeeded, screenshotPath, test } from "./fixtures";
import { HOSTILE_INCIDENT_SLUG, HOSTILE_TITLE, NOT_RUNNING_INCIDENT_SLUG, VANISHED_INCIDENT_SLUG } from "./seed";

function incidentsAt(at: number): IncidentSummary[] {
  const { store, config } = openSeeded();
  try {
    return listIncidents(store.db, config, at);
  } finally {
    store.close();
  }
}

test.describe("incident list", () => {
  test("shows measured incidents never acknowledged and acknowledged late, and official ones with no impact", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const at = await gotoFresh(page, "/incidents");
    const incidents = incidentsAt(at);
    const cards = page.locator("li.incident-card");
    await expect(cards).toHaveCount(incidents.length);

    const never = incidents.find((i) => i.kind === "measured" && i.accountable && i.endedAt !== null && !i.acknowledged);
    const late = incidents.find((i) => i.kind === "measured" && i.acknowledged && (i.ackDelayMs ?? 0) > 60_000);
    const alone = incidents.find((i) => i.kind === "official");
    expect(never, "the seed holds a resolved incident the page never acknowledged").toBeDefined();
    expect(late, "the seed holds an incident acknowledged late").toBeDefined();
    expect(alone, "the seed holds an official incident with no measured impact").toBeDefined();

    const card = (slug: string) => cards.filter({ has: page.locator(`a[href="/incidents/${slug}"]`) });
    await expect(card(never!.slug)).toContainText("Never acknowledged");
    await expect(card(never!.slug).locator(".tag")).toHaveText("Measured");

    const lateCard = card(late!.slug);
    await expect(lateCard).toContainText(new RegExp(`Acknowledged after ${Math.round(late!.ackDelayMs! / 60_000)}\\smin`));
    // The matched official incident is on the same card as the measured one.
    await expect(lateCard.locator(".matched")).toContainText(late!.official[0]!.name);

    const aloneCard = card(alone!.slug);
    await expect(aloneCard.locator(".tag")).toHaveText("Official only");
    await expect(aloneCard).toContainText("No measured impact");

    // From before Witness's first result: no data, never "no measured impact".
    expect(incidents.find((i) => i.slug === NOT_RUNNING_INCIDENT_SLUG)).toMatchObject({ measuredImpact: "no_data", measuredMinutes: 0 });
    await expect(card(NOT_RUNNING_INCIDENT_SLUG)).toContainText("Witness was not running then");
    await expect(card(NOT_RUNNING_INCIDENT_SLUG)).not.toContainText("No measured impact");
    // Dropped from the page unresolved: closed when last seen, and said so.
    expect(incidents.find((i) => i.slug === VANISHED_INCIDENT_SLUG)?.official[0]?.vanished).toBe(true);
    await expect(card(VANISHED_INCIDENT_SLUG)).toContainText("dropped it without a resolution");
    await expect(card(VANISHED_INCIDENT_SLUG)).not.toContainText("ongoing");

    // Every card links to its page; the ongoing incident says so.
    for (const incident of incidents) await expect(card(incident.slug)).toHaveCount(1);
    const ongoing = incidents.find((i) => i.endedAt === null)!;
    await expect(card(ongoing.slug)).toContainText("ongoing");
    await expect(card(ongoing.slug)).toContainText("Not acknowledged yet");

    await page.screenshot({ path: screenshotPath(testInfo, "incidents.png"), fullPage: true });
  });
});

test.describe("incident page", () => {
  test("a matched incident has a summary and a timeline with Measured and Official entries", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await gotoFresh(page, "/incidents");
    // An API incident: its keyed series carry request ids (claude.ai's web probe has none).
    const incident = incidentsAt(Date.now()).find((i) => i.kind === "measured" && i.acknowledged && i.surface === "api")!;
    await page.locator(`a[href="/incidents/${incident.slug}"]`).click();
    await expect(page).toHaveURL(new RegExp(`/incidents/${incident.slug}$`));
    await gotoFresh(page, `/incidents/${incident.slug}`);

    await expect(page.getByRole("heading", { level: 1 })).toHaveText(incident.title);
    const summary = page.getByRole("region", { name: "Summary" });
    await expect(summary).toContainText(incident.surfaceName!);
    await expect(summary).toContainText(incident.errorMix!);
    for (const series of incident.series) await expect(summary).toContainText(series);
    await expect(summary.locator(".request-ids code").first()).toHaveText(/^req_/);
    await expect(summary).toContainText(/acknowledged after \d+\smin/);

    const timeline = page.getByRole("region", { name: "Timeline" });
    const measured = timeline.locator("li.tl-measured");
    const official = timeline.locator("li.tl-official");
    expect(await measured.count()).toBeGreaterThan(0);
    expect(await official.count()).toBeGreaterThan(0);
    await expect(measured.first().locator(".tag")).toHaveText("Measured");
    await expect(official.first().locator(".tag")).toHaveText("Official");
    await expect(official.first()).toContainText("We are investigating elevated errors.");
    await expect(timeline.locator("time").first()).toContainText("UTC");
    // Oldest first.
    const times = await timeline.locator("li.tl time[datetime]").evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute("datetime")!)));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    await page.screenshot({ path: screenshotPath(testInfo, "incident.png"), fullPage: true });
  });

  test("the hostile official title is shown as text and never runs", async ({ page }) => {
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    for (const path of ["/incidents", `/incidents/${HOSTILE_INCIDENT_SLUG}`]) {
      await gotoFresh(page, path);
      await expect(page.getByText(HOSTILE_TITLE, { exact: true }).first()).toBeVisible();
      // No element was made from it: no script carrying it, no <img src=x>.
      const scripts = await page.locator("script").evaluateAll((els) => els.filter((e) => e.textContent?.includes('alert("xss")')).length);
      expect(scripts).toBe(0);
      await expect(page.locator('img[src="x"]')).toHaveCount(0);
    }
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(HOSTILE_TITLE);
    await expect(page.locator(".tag").first()).toHaveText("Official only");
    await expect(page.getByRole("region", { name: "Summary" })).toContainText("Witness measured no incident");
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
  });

  test("an official incident from before Witness ran says Witness was not running then; a vanished one says it vanished", async ({ page }) => {
    await gotoFresh(page, `/incidents/${NOT_RUNNING_INCIDENT_SLUG}`);
    const summary = page.getByRole("region", { name: "Summary" });
    await expect(summary).toContainText("Witness was not running then");
    await expect(summary).not.toContainText("Witness measured no incident");
    await gotoFresh(page, `/incidents/${VANISHED_INCIDENT_SLUG}`);
    await expect(page.getByRole("region", { name: "Summary" })).toContainText("vanished from the official page without a resolution");
  });

  for (const slug of ["m-999999", "o-doesnotexist", "zzz", "m-abc", "m-1.5", "o-", "m-12345678901234567890"]) {
    test(`unknown or malformed slug ${slug} is a 404`, async ({ page, consoleErrors }) => {
      consoleErrors.allow(/Failed to load resource: the server responded with a status of 404/);
      const response = await page.goto(`/incidents/${slug}`);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    });
  }
});
