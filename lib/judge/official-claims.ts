/**
 * What the official page claimed, and from when: the page claims only what it showed while Witness read it. An
 * incident counts from when Witness first saw it listed (its created_at may say weeks earlier: backdating is a fact
 * to show, not a claim about the past Witness watched), until it was resolved or stopped being listed. Pure.
 */
import { impactLevel } from "@/lib/judge/official";

/** An official incident as the comparison reads it (times in epoch ms). */
export interface OfficialIncidentView {
  id: string;
  name: string;
  status: string;
  impact: string;
  componentIds: string[];
  /** The page's own dates: what it says, not when it said it. */
  createdAt: number;
  startedAt: number | null;
  /** The page's resolution, or for an incident that left the page unresolved its last listing; null while listed. */
  resolvedAt: number | null;
  /** When the page first showed it, as far as Witness can vouch (shownAt below). */
  shownAt: number;
  /** Its span on the official timeline: listed by the page's summary while Witness read it. Null: never listed. */
  claim: { from: number; to: number | null } | null;
  /** When the page showed each of its updates (the same rule), oldest first. */
  updatesShownAt: number[];
  /** Normalised model names its title names ("haiku 4.5"); empty: it names none, so it concerns every model. */
  models: string[];
  /** created_at is more than BACKDATED_MS before the page showed it. */
  backdated: boolean;
  shortlink: string | null;
  /** No longer listed by the summary, and not resolved: its claim ended at its last listing. */
  leftUnresolved: boolean;
  /** It left the page unresolved for good: a later incidents.json reading, or long enough, did not resolve it. */
  vanished: boolean;
}

/** A created_at this much before Witness first saw an incident is a backdate worth saying ("posted at 07:36, backdated to 8 Oct"). */
export const BACKDATED_MS = 60 * 60_000;

/** What is stored of one incident's sightings (db official_incidents + its updates). */
export interface IncidentSightings {
  createdAt: number;
  startedAt: number | null;
  resolvedAt: number | null;
  firstSeenAt: number;
  /** First and last summary.json reading that listed it (null: never listed there, only in incidents.json). */
  firstListedAt: number | null;
  lastListedAt: number | null;
  updates: readonly { createdAt: number; firstSeenAt: number }[];
}

export interface PageReadings {
  /** The newest readable summary.json reading, and the newest incidents.json reading. */
  lastSummaryAt: number | null;
  lastHistoryAt: number | null;
  /** How long the page may show something before Witness's next reading can see it. */
  summaryEveryMs: number;
  historyEveryMs: number;
}

/**
 * When the page first showed something Witness first saw in a reading that set out at `seenAt`: its own date when
 * that date is no older than Witness's previous reading could have missed, else one reading interval before the
 * sighting (reading late can only make the page look later by one interval; trusting a backdate would let the page
 * rewrite the past). A date after the reading set out is believed up to one interval: the answer came later.
 */
export function shownAt(createdAt: number, seenAt: number, readEveryMs: number): number {
  return Math.min(Math.max(createdAt, seenAt - readEveryMs), seenAt + readEveryMs);
}

/** The view of one incident under the page readings so far. */
export function incidentClaim(s: IncidentSightings, readings: PageReadings): Pick<OfficialIncidentView, "shownAt" | "claim" | "updatesShownAt" | "backdated" | "leftUnresolved" | "vanished" | "resolvedAt"> {
  const via = s.firstListedAt !== null && s.firstListedAt <= s.firstSeenAt ? readings.summaryEveryMs : readings.historyEveryMs;
  const shown = shownAt(s.createdAt, s.firstSeenAt, via);
  // Still listed by the newest readable summary: open now. Not listed: the claim ended at its last listing.
  const listedNow = s.lastListedAt !== null && readings.lastSummaryAt !== null && s.lastListedAt >= readings.lastSummaryAt;
  const left = s.resolvedAt === null && s.lastListedAt !== null && !listedNow;
  // A resolution shows in incidents.json: once it was read after the incident left the summary, or two of its
  // intervals went by while the summary was read, an incident still unresolved vanished.
  const historyHadItsChance = (readings.lastHistoryAt ?? -Infinity) > s.lastListedAt! || (readings.lastSummaryAt ?? -Infinity) - s.lastListedAt! > 2 * readings.historyEveryMs + readings.summaryEveryMs;
  const vanished = left && historyHadItsChance;
  const end = s.resolvedAt ?? (left ? s.lastListedAt : null);
  const claim = s.firstListedAt === null ? null : { from: shownAt(s.createdAt, s.firstListedAt, readings.summaryEveryMs), to: end === null ? null : Math.max(end, s.firstListedAt) };
  const updatesShownAt = s.updates.map((u) => shownAt(u.createdAt, u.firstSeenAt, readings.summaryEveryMs)).sort((a, b) => a - b);
  return { shownAt: shown, claim, updatesShownAt, backdated: s.createdAt < shown - BACKDATED_MS, leftUnresolved: left, vanished, resolvedAt: end };
}

const MODEL_IN_TEXT = /\b(opus|sonnet|haiku)\s*(\d+(?:[.\s-]\d+)?)|\bclaude\s*(\d+(?:\.\d+)?)\s*(opus|sonnet|haiku)\b/gi;

/** Model names a title speaks of, normalised "family version": "Elevated errors on Claude Haiku 4.5" → ["haiku 4.5"]. */
export function modelsInText(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(MODEL_IN_TEXT)) {
    const family = (m[1] ?? m[4]!).toLowerCase();
    const version = (m[2] ?? m[3]!).replace(/[\s-]/g, ".");
    found.add(`${family} ${version}`);
  }
  return [...found];
}

export const ANY_MODEL = "*";

/** The model a failure of `series` is on, as acknowledgement reads it: any model for a surface's pooled incident. */
export function failedModel(part: { series: string; model: string | null }): string | null {
  return part.series.startsWith("elevated:") ? ANY_MODEL : part.model;
}

/** A model id as modelsInText names it: "claude-haiku-4-5-20251001" → "haiku 4.5", "claude-3-5-sonnet-…" → "sonnet 3.5". */
export function modelKey(id: string): string | null {
  const parts = id.toLowerCase().split("-").filter((p) => !/^\d{8}$/.test(p) && p !== "latest" && p !== "claude");
  const family = parts.find((p) => p === "opus" || p === "sonnet" || p === "haiku");
  if (!family) return null;
  const version = parts.filter((p) => /^\d{1,2}$/.test(p)).join(".");
  return version ? `${family} ${version}` : family;
}

/**
 * Does an official incident that names `models` speak of a failure of `model`? null: a series of no model (the edge);
 * ANY_MODEL: a pooled failure of every series of a surface (lib/judge/elevated.ts), which any model's incident speaks of.
 */
export function namesModel(models: readonly string[], model: string | null): boolean {
  if (models.length === 0 || model === ANY_MODEL) return true;
  const key = model === null ? null : modelKey(model);
  return key !== null && models.some((m) => m === key || key.startsWith(`${m}.`) || m.startsWith(`${key}.`));
}

/** Whether an official incident is about this component: it names it, or names no component at all. */
export function concernsComponent(official: Pick<OfficialIncidentView, "componentIds">, componentId: string): boolean {
  return official.componentIds.length === 0 || official.componentIds.includes(componentId);
}

/** The official level an incident's impact raises its components to (none, degraded, down). */
export function claimLevel(o: Pick<OfficialIncidentView, "impact">): "none" | "degraded" | "down" {
  return impactLevel(o.impact);
}

/** Is the incident's claim in force at `at`? */
export function claimsAt(o: Pick<OfficialIncidentView, "claim">, at: number): boolean {
  return o.claim !== null && o.claim.from <= at && (o.claim.to === null || at < o.claim.to);
}
