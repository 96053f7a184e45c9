/**
 * Issue 8's logic under the pages: the link base for feeds and previews, the words of a link preview, and /history's
 * months on a database whose record began more than 90 days ago.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { getEarliestMeasuredAt } from "@/db/queries/history";
import { insertMeasuredIncident } from "@/db/queries/measured-incidents";
import { upsertOfficialIncident } from "@/db/queries/official";
import { loadConfig, type Config } from "@/lib/config";
import { getHistoryMonth, getHistorySpan, isHistoryMonth, monthOf, monthRange, shiftMonth } from "@/lib/dashboard/history";
import { listIncidents } from "@/lib/dashboard/incidents";
import { linkPreview } from "@/lib/dashboard/preview";
import type { StatusNow, SurfaceNow } from "@/lib/dashboard/types";
import { feedLinks, pageBase } from "@/lib/web/page-base";
import { readThrough } from "@/lib/web/cache";
import { getWebContext, setWebContext } from "@/lib/web/context";
import { HistoryPage } from "@/app/_components/history-page";

const MIN = 60_000;
const DAY = 86_400_000;
// A fixed "now" so the months are known: 1 December 2026, 12:00 UTC.
const NOW = Date.UTC(2026, 11, 1, 12);

describe("the base of a page's links", () => {
  const config = loadConfig({});
  it("is WITNESS_PUBLIC_URL when set, whatever the Host", () => {
    expect(pageBase(loadConfig({ WITNESS_PUBLIC_URL: "https://status.example.com" }), "evil.example:1")).toBe("https://status.example.com");
  });
  it("follows a well-formed Host without one", () => {
    expect(pageBase(config, "127.0.0.1:4123")).toBe("http://127.0.0.1:4123");
    expect(pageBase(config, "Status.Example.com")).toBe("http://status.example.com");
  });
  it.each(['evil.com/"><script>', "a b", "x@evil.com", "", "host:99999999"])("never echoes a Host like %j", (host) => {
    expect(pageBase(config, host)).toBe("http://localhost:3000");
  });
  it("offers RSS, Atom and JSON Feed by absolute URL", () => {
    expect(feedLinks("https://s.example").map((f) => [f.type, f.url])).toEqual([
      ["application/rss+xml", "https://s.example/feed.xml"],
      ["application/atom+xml", "https://s.example/feed.atom"],
      ["application/feed+json", "https://s.example/feed.json"],
    ]);
  });
});

describe("WITNESS_DEMO", () => {
  it("is read only as 1", () => {
    expect(loadConfig({ WITNESS_DEMO: "1" }).isDemo).toBe(true);
    expect(loadConfig({ WITNESS_DEMO: "0" }).isDemo).toBe(false);
    expect(loadConfig({}).isDemo).toBe(false);
  });
});

function surface(over: Partial<SurfaceNow>): SurfaceNow {
  return { id: "api", name: "Claude API", componentId: "c", measured: "up", failureRatio: null, failureWords: null, since: null, official: "operational", officialStatus: "operational", officialIncidents: [], disagreement: null, series: [], notMeasured: null, ...over };
}

describe("a link preview", () => {
  const status = (surfaces: SurfaceNow[]): StatusNow => ({ generatedAt: NOW, lastResultAt: NOW, monitor: { online: true } as StatusNow["monitor"], surfaces });
  it("names each surface's measured state in its title and the official one in its description", () => {
    const preview = linkPreview(
      status([
        surface({ id: "claude-ai", name: "claude.ai" }),
        surface({ measured: "down", failureRatio: 0.38, failureWords: "38% of requests failing", since: NOW - 23 * MIN, disagreement: "Official: operational. Measured: for 23 minutes, 38% of requests failing." }),
      ]),
    );
    expect(preview.title).toBe("Claude status, measured: claude.ai up, Claude API down");
    expect(preview.description).toContain("Claude API: measured down (38% of requests failing), official: operational.");
    expect(preview.description).toMatch(/Claude API is failing since \d\d:\d\d UTC: 38% of requests failing/);
    expect(preview.description).toContain("The official page still says Operational.");
  });
  it("says there is no data before the first measurement", () => {
    expect(linkPreview(null).title).toContain("no data");
  });
});

describe("history months", () => {
  it("are YYYY-MM, UTC, and nothing else", () => {
    expect(monthRange("2026-08")).toEqual({ from: Date.UTC(2026, 7, 1), to: Date.UTC(2026, 8, 1) });
    for (const bad of ["2026-13", "2026-00", "2026-8", "26-08", "2026-08x", "../etc", "2026-08-01"]) expect(monthRange(bad)).toBeNull();
    expect(shiftMonth("2026-01", -1)).toBe("2025-12");
    expect(shiftMonth("2026-12", 1)).toBe("2027-01");
    expect(monthOf(Date.UTC(2026, 6, 31, 23, 59))).toBe("2026-07");
  });

  let dir: string;
  let store: OpenedDatabase;
  let config: Config;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "witness-history-"));
    const path = join(dir, "witness.db");
    store = openDatabase(path);
    migrateDatabase(store.db);
    config = loadConfig({ DATABASE_PATH: path });
    // 150 days ago (July 2026) a measured outage; 100 days ago (August) an official incident on its own.
    const started = new Date(NOW - 150 * DAY);
    insertMeasuredIncident(store.db, {
      surface: "api", series: "messages:claude-haiku-4-5", model: "claude-haiku-4-5", startedAt: started, confirmedAt: new Date(started.getTime() + MIN),
      endedAt: new Date(started.getTime() + 30 * MIN), severity: "down", peakFailureRatio: 1, errorClassCounts: { overloaded: 30 }, sampleRequestIds: [],
      failedResults: 30, totalResults: 30, lastResultAt: new Date(started.getTime() + 30 * MIN),
    });
    const created = new Date(NOW - 100 * DAY);
    upsertOfficialIncident(store.db, {
      id: "old1", name: "Elevated errors", status: "resolved", impact: "minor", createdAt: created, updatedAt: created, startedAt: created, monitoringAt: null,
      resolvedAt: new Date(created.getTime() + 60 * MIN), shortlink: null, componentIds: [config.surfaces[1]!.componentId], firstSeenAt: created, lastSeenAt: created,
    });
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("begin at the earliest measurement, even when raw results were pruned", () => {
    expect(getEarliestMeasuredAt(store.db)).toBe(NOW - 150 * DAY);
    expect(getHistorySpan(store.db, NOW)).toEqual({ first: "2026-07", last: "2026-12" });
  });

  it("hold only months from the first to the current one", () => {
    const span = getHistorySpan(store.db, NOW);
    expect(isHistoryMonth(span, "2026-07")).toBe(true);
    expect(isHistoryMonth(span, "2026-12")).toBe(true);
    expect(isHistoryMonth(span, "2026-06")).toBe(false);
    expect(isHistoryMonth(span, "2027-01")).toBe(false);
    expect(isHistoryMonth(span, "2026-7")).toBe(false);
    expect(isHistoryMonth(null, "2026-12")).toBe(false);
  });

  it("list incidents older than the 90 days /incidents shows, each in the month it began, with prev/next", () => {
    expect(listIncidents(store.db, config, NOW)).toEqual([]);
    const span = getHistorySpan(store.db, NOW)!;
    const july = getHistoryMonth(store.db, config, span, "2026-07", NOW);
    expect(july.incidents.map((i) => i.kind)).toEqual(["measured"]);
    expect([july.prev, july.next]).toEqual([null, "2026-08"]);
    const august = getHistoryMonth(store.db, config, span, "2026-08", NOW);
    expect(august.incidents.map((i) => [i.kind, i.title])).toEqual([["official", "Elevated errors"]]);
    expect(august.incidents[0]!.measuredImpact).toBe("no_data");
    const december = getHistoryMonth(store.db, config, span, "2026-12", NOW);
    expect([december.incidents.length, december.prev, december.next]).toEqual([0, "2026-11", null]);
  });

  it("answer a month outside the record with a 404 before reading or caching anything for it", () => {
    setWebContext({ config, store });
    try {
      const future = monthOf(Date.now() + 400 * DAY);
      for (const month of ["1999-01", future, "2026-13", "../x"]) {
        let thrown: unknown;
        try {
          HistoryPage({ month });
        } catch (err) {
          thrown = err;
        }
        expect((thrown as { digest?: string } | undefined)?.digest, month).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
        // Nothing was kept for that month: a read under its key is a fresh one.
        expect(readThrough(getWebContext(), `history:${month}`, () => "fresh")?.value).toBe("fresh");
      }
      // A month inside the record renders (and only then is read).
      expect(() => HistoryPage({ month: monthOf(Date.now() - 140 * DAY) })).not.toThrow();
    } finally {
      setWebContext(null);
    }
  });
});
