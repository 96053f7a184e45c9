import { describe, expect, it } from "vitest";
import { acknowledgementOf, describeAckDelay, formatMinutes, type MeasuredSpan } from "@/lib/judge/acknowledgement";
import { incidentClaim, modelKey, modelsInText, namesModel, shownAt, type IncidentSightings, type OfficialIncidentView, type PageReadings } from "@/lib/judge/official-claims";
import { failureShare, percent } from "@/lib/judge/share";

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.UTC(2026, 11, 5, 7, 0);
const readings: PageReadings = { lastSummaryAt: T + 60 * MIN, lastHistoryAt: T + 60 * MIN, summaryEveryMs: MIN, historyEveryMs: 10 * MIN };

function sightings(over: Partial<IncidentSightings>): IncidentSightings {
  return { createdAt: T, startedAt: null, resolvedAt: null, firstSeenAt: T, firstListedAt: T, lastListedAt: T + 60 * MIN, updates: [], ...over };
}

function view(over: Partial<IncidentSightings>, extra: Partial<OfficialIncidentView> = {}): OfficialIncidentView {
  const s = sightings(over);
  return { id: "o1", name: "Elevated errors", status: "investigating", impact: "major", componentIds: ["api"], createdAt: s.createdAt, startedAt: s.startedAt, shortlink: null, models: [], ...incidentClaim(s, readings), ...extra };
}

describe("what the official page claimed, and from when", () => {
  it("an incident first listed today but created weeks ago claims only from when it was shown, and says it was backdated", () => {
    const oct8 = Date.UTC(2026, 9, 8);
    const v = view({ createdAt: oct8, firstSeenAt: T + 36 * MIN, firstListedAt: T + 36 * MIN });
    expect(v.shownAt).toBe(T + 35 * MIN);
    expect(v.claim).toEqual({ from: T + 35 * MIN, to: null });
    expect(v.backdated).toBe(true);
  });

  it("a fresh incident is shown at its own created_at, within one reading of the sighting", () => {
    expect(shownAt(T, T + 40_000, MIN)).toBe(T);
    // The reading set out before the incident was written, and its answer came after: believed, up to one interval.
    expect(shownAt(T + 5_000, T, MIN)).toBe(T + 5_000);
    expect(shownAt(T + 5 * MIN, T, MIN)).toBe(T + MIN);
    expect(view({ createdAt: T, firstSeenAt: T + 40_000, firstListedAt: T + 40_000 }).backdated).toBe(false);
  });

  it("an incident only incidents.json ever listed claims nothing on the timeline", () => {
    expect(view({ firstListedAt: null, lastListedAt: null }).claim).toBeNull();
  });

  it("an incident no longer listed by the summary stops claiming at its last listing at once, and is vanished after a history read", () => {
    const gone = { ...readings, lastHistoryAt: T + 30 * MIN };
    const s = sightings({ lastListedAt: T + 50 * MIN });
    expect(incidentClaim(s, gone)).toMatchObject({ claim: { from: T, to: T + 50 * MIN }, resolvedAt: T + 50 * MIN, vanished: false });
    expect(incidentClaim(s, readings)).toMatchObject({ claim: { from: T, to: T + 50 * MIN }, vanished: true });
  });

  it("reads model names from titles and matches them to model ids", () => {
    expect(modelsInText("Elevated errors on Claude Haiku 4.5")).toEqual(["haiku 4.5"]);
    expect(modelsInText("Errors on Claude Opus 4 and Sonnet 4.5")).toEqual(["opus 4", "sonnet 4.5"]);
    expect(modelsInText("Elevated errors on Claude 3.5 Sonnet")).toEqual(["sonnet 3.5"]);
    expect(modelsInText("Elevated errors on the API")).toEqual([]);
    expect(modelKey("claude-haiku-4-5-20251001")).toBe("haiku 4.5");
    expect(modelKey("claude-3-5-sonnet-20241022")).toBe("sonnet 3.5");
    expect(namesModel(["haiku 4.5"], "claude-haiku-4-5")).toBe(true);
    expect(namesModel(["haiku 4.5"], "claude-sonnet-4-5")).toBe(false);
    expect(namesModel(["haiku 4.5"], null)).toBe(false);
    expect(namesModel([], null)).toBe(true);
  });
});

describe("acknowledgement", () => {
  const m: MeasuredSpan = { startedAt: T + 10 * MIN, endedAt: T + 40 * MIN, severity: "down", models: ["claude-sonnet-4-5"] };
  const policy = { graceMs: 15 * MIN, now: T + 60 * MIN };

  it("is when the page first showed the incident, not its backdated created_at", () => {
    const v = view({ createdAt: Date.UTC(2026, 9, 8), firstSeenAt: T + 25 * MIN, firstListedAt: T + 25 * MIN });
    // Shown long before m? No: shown during it (its claim began at T+24), so it acknowledges 14 min after the start.
    expect(acknowledgementOf(m, [v], "api", policy)).toMatchObject({ acknowledged: true, delayMs: 14 * MIN, impactMatches: true });
  });

  it("an incident naming another model acknowledges nothing of this one", () => {
    const v = view({ createdAt: T + 15 * MIN, firstSeenAt: T + 15 * MIN, firstListedAt: T + 15 * MIN }, { models: ["haiku 4.5"] });
    expect(acknowledgementOf(m, [v], "api", policy).acknowledged).toBe(false);
    expect(acknowledgementOf({ ...m, models: ["claude-haiku-4-5"] }, [v], "api", policy).delayMs).toBe(5 * MIN);
  });

  it("an incident open more than an hour before acknowledges only by an update shown during the measured one", () => {
    const early = { createdAt: T - 3 * HOUR, firstSeenAt: T - 3 * HOUR, firstListedAt: T - 3 * HOUR };
    expect(acknowledgementOf(m, [view(early)], "api", policy).acknowledged).toBe(false);
    const updated = view({ ...early, updates: [{ createdAt: T + 30 * MIN, firstSeenAt: T + 30 * MIN }] });
    expect(acknowledgementOf(m, [updated], "api", policy).delayMs).toBe(20 * MIN);
  });

  it("a page that spoke first has a negative delay, said in words", () => {
    const v = view({ createdAt: T - 20 * MIN, firstSeenAt: T - 20 * MIN, firstListedAt: T - 20 * MIN });
    const ack = acknowledgementOf(m, [v], "api", policy);
    expect(ack.delayMs).toBe(-30 * MIN);
    expect(describeAckDelay(ack)).toBe("acknowledged 30 min before Witness measured it");
    expect(describeAckDelay({ delayMs: null })).toBe("never acknowledged");
    expect(formatMinutes(125)).toBe("2 h 5 min");
  });

  it("a vanished incident never acknowledges what Witness measured after its last listing", () => {
    const s = sightings({ createdAt: T - 30 * MIN, firstSeenAt: T - 30 * MIN, firstListedAt: T - 30 * MIN, lastListedAt: T + 5 * MIN });
    const v = { ...view({}), ...incidentClaim(s, readings) };
    expect(v.vanished).toBe(true);
    expect(acknowledgementOf(m, [v], "api", policy).acknowledged).toBe(false);
  });
});

describe("the failure share", () => {
  const kinds = ["messages", "stream", "edge"];
  it("names the kind that fails and the ones that work", () => {
    const share = failureShare([{ series: "stream:claude-haiku-4-5", failed: 6, total: 6 }, { series: "messages:claude-haiku-4-5", failed: 0, total: 6 }, { series: "edge", failed: 0, total: 6 }], kinds);
    expect(share.words).toBe("streaming requests fail (100%); plain requests and the edge work");
    expect(share.share).toBeCloseTo(1 / 3);
  });

  it("says one figure when every kind fails, and never rounds a partial share to 100% or 0%", () => {
    expect(failureShare([{ series: "edge", failed: 3, total: 3 }, { series: "stream:x", failed: 3, total: 3 }], kinds).words).toBe("100% of requests failing");
    expect(percent(0.999)).toBe(">99%");
    expect(percent(0.001)).toBe("<1%");
    expect(failureShare([], kinds)).toMatchObject({ share: null, words: "no conclusive results" });
  });

  it("one failing kind that is a thing, not requests, takes the singular", () => {
    expect(failureShare([{ series: "edge", failed: 2, total: 4 }, { series: "messages:x", failed: 0, total: 4 }], kinds).words).toBe("the edge fails (50%); plain requests work");
  });
});
