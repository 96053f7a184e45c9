/**
 * No stale pages: a server started on another database shows that database on its very first visit, never the data
 * an earlier server cached; a database file replaced under a running server is read at the next visit; and every
 * page says when its data was read. These specs start production servers of their own beside global setup's; the
 * file's name sorts it after the specs whose checks depend on the seed's "now" being only minutes old.
 */
import { mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import Database from "better-sqlite3";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { listIncidents } from "@/lib/dashboard/incidents";
import { expect, openSeeded, test } from "./fixtures";
import { serverEnv, startServer, type TestServer } from "./server";

/** The seeded database's measured incidents (database A), newest first. */
function seededIncidents() {
  const { store, config } = openSeeded();
  try {
    return listIncidents(store.db, config, Date.now()).filter((i) => i.kind === "measured");
  } finally {
    store.close();
  }
}

/** A migrated database with no results at all (database B), in rollback-journal mode: no -wal left beside it. */
function emptyDatabase(path: string): string {
  const writer = openDatabase(path);
  migrateDatabase(writer.db);
  writer.sqlite.pragma("journal_mode = DELETE");
  writer.close();
  return path;
}

/** A consistent copy of the seeded database (VACUUM INTO works on a read-only handle), without a -wal file. */
function copyOfSeeded(path: string): string {
  const source = new Database(process.env.DATABASE_PATH!, { readonly: true });
  source.prepare("VACUUM INTO ?").run(path);
  source.close();
  const copy = new Database(path);
  copy.pragma("journal_mode = DELETE");
  copy.close();
  return path;
}

/** The page's "Data read at" time: the <time> element's ISO value, checked against its HH:MM:SS UTC text. */
async function dataReadAt(page: Page): Promise<number> {
  const line = page.locator(".data-read-at");
  await expect(line).toHaveCount(1);
  await expect(line).toHaveText(/^Data read at \d{2}:\d{2}:\d{2} UTC$/);
  const iso = await line.locator("time").getAttribute("datetime");
  expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  await expect(line.locator("time")).toHaveText(`${iso!.slice(11, 19)} UTC`);
  return Date.parse(iso!);
}

test.describe("no stale pages", () => {
  test.describe.configure({ mode: "serial", timeout: 180_000 });
  let dir: string;
  const servers: TestServer[] = [];

  test.beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "witness-e2e-fresh-"));
  });
  test.afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (name: string, dbPath: string) => {
    const server = await startServer(serverEnv(mkdtempSync(join(dir, `${name}-`)), dbPath), join(dir, `${name}.log`));
    servers.push(server);
    return server;
  };

  test("a server restarted on another database shows that database on the first visit, never the old one's", async ({ page, consoleErrors }) => {
    consoleErrors.allow(/status of 404/);
    const incidents = seededIncidents();
    const ongoing = incidents.find((i) => i.endedAt === null)!;
    expect(ongoing, "the seed holds an ongoing incident").toBeDefined();

    // Database A (seeded): every page is visited, so anything that could be cached from it is.
    const a = await start("a", process.env.DATABASE_PATH!);
    // Checks that hold however long ago the seed was: its "now" ages into "no recent measurements" within minutes.
    await page.goto(`${a.baseUrl}/`);
    await expect(page.locator(".freshness")).toContainText("newest result at");
    await page.goto(`${a.baseUrl}/incidents`);
    await expect(page.locator("li.incident-card").first()).toBeVisible();
    await page.goto(`${a.baseUrl}/incidents/${ongoing.slug}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(ongoing.title);
    await page.goto(`${a.baseUrl}/charts`);
    // Leave A's page first: its links' background prefetches would otherwise fail against the stopped server.
    await page.goto("about:blank");
    await a.stop();

    // Database B (empty), same build: each page's first visit must show B.
    const startedB = Date.now();
    const b = await start("b", emptyDatabase(join(dir, "b.db")));
    await page.goto(`${b.baseUrl}/`);
    await expect(page.locator(".headline")).toHaveText(/^No recent measurements/);
    await expect(page.locator(".freshness")).toContainText("no probe results yet");
    expect(await dataReadAt(page)).toBeGreaterThanOrEqual(startedB);

    await page.goto(`${b.baseUrl}/incidents`);
    await expect(page.getByRole("heading", { name: "No incidents in the last 90 days" })).toBeVisible();
    await expect(page.locator("li.incident-card")).toHaveCount(0);
    expect(await dataReadAt(page)).toBeGreaterThanOrEqual(startedB);

    const incidentPage = await page.goto(`${b.baseUrl}/incidents/${ongoing.slug}`);
    expect(incidentPage?.status(), "A's incident does not exist in B").toBe(404);
    await expect(page.getByText(ongoing.title)).toHaveCount(0);

    await page.goto(`${b.baseUrl}/charts`);
    expect(await dataReadAt(page)).toBeGreaterThanOrEqual(startedB);

    const feed = await (await fetch(`${b.baseUrl}/feed.json`)).json();
    expect(feed.items).toEqual([]);
  });

  test("a database file replaced under the running server is read at the next visit", async ({ page }) => {
    const live = emptyDatabase(join(dir, "live.db"));
    const server = await start("live", live);
    await page.goto(`${server.baseUrl}/incidents`);
    await expect(page.getByRole("heading", { name: "No incidents in the last 90 days" })).toBeVisible();

    // A restore: another database file moved over the one the server has open.
    renameSync(copyOfSeeded(join(dir, "restore.db")), live);
    const replacedAt = Date.now();
    await page.goto(`${server.baseUrl}/incidents`);
    await expect(page.locator("li.incident-card").first()).toBeVisible();
    expect(await dataReadAt(page)).toBeGreaterThanOrEqual(replacedAt);
    await page.goto(`${server.baseUrl}/`);
    await expect(page.locator(".freshness")).toContainText("newest result at");
  });
});

test.describe("data read at", () => {
  test("every page says when its data was read, as HH:MM:SS UTC with the ISO time", async ({ page }) => {
    const [incident] = seededIncidents();
    for (const path of ["/", "/charts", "/incidents", `/incidents/${incident!.slug}`, "/methodology"]) {
      const visited = Date.now();
      await page.goto(path);
      const at = await dataReadAt(page);
      // The freshness rule: never older than 30 s, and never from the future.
      expect(at, path).toBeGreaterThan(visited - 30_000);
      expect(at, path).toBeLessThanOrEqual(Date.now());
      expect(Number(await page.locator("[data-generated-at]").first().getAttribute("data-generated-at")), path).toBe(at);
    }
  });
});
