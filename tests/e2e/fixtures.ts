/**
 * `test` and `expect` for every spec: import them from here, not from @playwright/test. Each test fails if the page
 * logged a console error or threw (a CSP violation, a hydration mismatch, a 404 asset, an uncaught exception), unless
 * the test declared it expected with `consoleErrors.allow(/pattern/)`.
 */
import { test as base, expect } from "@playwright/test";

/**
 * Routes the navigation links to whose pages are not written yet: the links' background prefetch of them 404s, and
 * Chromium logs that as a console error on every page. Delete each entry when its page lands (an entry for a route
 * that exists is harmless but hides nothing useful).
 */
const UNWRITTEN_ROUTES = ["/incidents", "/methodology"];

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
