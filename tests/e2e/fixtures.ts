/**
 * `test` and `expect` for every spec: import them from here, not from @playwright/test. Each test fails if the page
 * logged a console error or threw (a CSP violation, a hydration mismatch, a 404 asset, an uncaught exception), unless
 * the test declared it expected with `consoleErrors.allow(/pattern/)`.
 */
import { dirname, join } from "node:path";
import { test as base, expect, type Page, type TestInfo } from "@playwright/test";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { loadConfig, type Config } from "@/lib/config";
import { E2E_API_KEY_CANARY, ENV_SEEDED_AT } from "./server";

/**
 * Routes the navigation links to whose pages are not written yet: the links' background prefetch of them 404s, and
 * Chromium logs that as a console error on every page. Delete each entry when its page lands (an entry for a route
 * that exists is harmless but hides nothing useful).
 */
const UNWRITTEN_ROUTES: string[] = [];

export class ConsoleErrors {
  private readonly seen: string[] = [];
  private readonly allowed: RegExp[] = [];

  add(message: string): void {
    this.seen.push(message);
  }

  /** Expect errors matching this pattern in the current test. */
  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  unexpected(): string[] {
    return this.seen.filter((m) => !this.allowed.some((p) => p.test(m)));
  }
}

export const test = base.extend<{ consoleErrors: ConsoleErrors }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors = new ConsoleErrors();
      for (const route of UNWRITTEN_ROUTES) {
        errors.allow(new RegExp(`status of 404 .*\\(at https?://[^/]+${route}\\?_rsc=[^)]*\\)$`));
      }
      page.on("console", (msg) => {
        if (msg.type() !== "error") return;
        const url = msg.location().url;
        errors.add(url ? `${msg.text()} (at ${url})` : msg.text());
      });
      page.on("pageerror", (err) => errors.add(`uncaught: ${err.message}`));
      await use(errors);
      expect(errors.unexpected(), "console errors or uncaught exceptions on the page").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** The seeded database (read-only) and the configuration the server runs with, as global setup left them. */
export function openSeeded(): { store: OpenedDatabase; config: Config } {
  const path = process.env.DATABASE_PATH;
  if (!path) throw new Error("DATABASE_PATH is not set: run the specs through playwright test (global setup seeds it)");
  // The server's configuration, key included: without one the Claude Code surface is unprobed and the page says so.
  return { store: openDatabase(path, { readonly: true }), config: loadConfig({ ...process.env, ANTHROPIC_API_KEY: E2E_API_KEY_CANARY }) };
}

/** When the page on screen was generated (its data-generated-at), so a spec computes what it must show. */
export async function generatedAt(page: Page): Promise<number> {
  const value = await page.locator("[data-generated-at]").first().getAttribute("data-generated-at");
  const at = Number(value);
  expect(at, "the page carries data-generated-at").toBeGreaterThan(0);
  return at;
}

/**
 * Go to `path` and check that the page was made from the seeded database: its data was read after seeding, on the
 * first visit (no page is served from a copy an earlier server or another database left behind).
 */
export async function gotoFresh(page: Page, path: string): Promise<number> {
  const seededAt = Number(process.env[ENV_SEEDED_AT] ?? 0);
  await page.goto(path);
  const at = await generatedAt(page);
  expect(at, `${path} was made from data read after seeding`).toBeGreaterThanOrEqual(seededAt);
  return at;
}

/** Where the review screenshots go: test-results/screenshots/ beside the Playwright config (kept across runs). */
export function screenshotPath(testInfo: TestInfo, name: string): string {
  return join(dirname(testInfo.config.configFile ?? join(process.cwd(), "playwright.config.ts")), "test-results", "screenshots", name);
}
