/** Official times carry their date when not today's, and a backdated official incident says when it was really posted. */
import { describe, expect, it } from "vitest";
import { formatPosted, formatUtcMoment } from "@/lib/dashboard/format";

const NOW = Date.parse("2026-12-04T09:00:00Z");

describe("official times on the pages", () => {
  it("are the clock time today, with the date on another day, and the year in another year", () => {
    expect(formatUtcMoment(Date.parse("2026-12-04T07:36:00Z"), NOW)).toBe("07:36 UTC");
    expect(formatUtcMoment(Date.parse("2026-10-08T14:41:00Z"), NOW)).toBe("14:41 UTC on 8 Oct");
    expect(formatUtcMoment(Date.parse("2025-10-08T14:41:00Z"), NOW)).toBe("14:41 UTC on 8 Oct 2025");
  });

  it("say when a backdated incident was posted, and to which day it was dated", () => {
    const o = { createdAt: Date.parse("2026-10-08T14:12:03Z"), shownAt: Date.parse("2026-12-04T07:36:00Z"), backdated: true };
    expect(formatPosted(o, NOW)).toBe("posted at 07:36 UTC, backdated to 8 Oct");
    expect(formatPosted({ ...o, backdated: false }, NOW)).toBe("posted 14:12 UTC on 8 Oct");
    expect(formatPosted({ createdAt: Date.parse("2026-12-04T08:02:00Z") }, NOW)).toBe("posted 08:02 UTC");
  });
});
