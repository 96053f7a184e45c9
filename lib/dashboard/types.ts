import type { SurfaceVerdict } from "@/lib/vantage/verdict-view";
/**
 * What the dashboard, the feeds and the JSON API read: plain, serialisable data (numbers are epoch ms or ratios
 * 0–1; strings are ISO 8601 where they are times). Third-party text (official titles, bodies) is carried as-is and
 * must be rendered as text.
 */
import type { ScreenshotRef } from "@/db/queries/browser-screenshots";
import type { MonitorNetwork } from "@/lib/measure/monitor-network";

export type MeasuredState = "up" | "degraded" | "down" | "nodata";
export type { OfficialState } from "@/lib/judge/official-state";
import type { OfficialState } from "@/lib/judge/official-state";

export interface SeriesNow {
  series: string;
  kind: string;
  model: string | null;
  state: MeasuredState;
  /** The newest result: when, its outcome and error class. */
  lastAt: number | null;
  lastOutcome: string | null;
  lastErrorClass: string | null;
  lastTotalMs: number | null;
  lastTtftMs: number | null;
  /** The open incident, if any. */
  incidentId: number | null;
  since: number | null;
  failureRatio: number | null;
  /** Failed and total results of the open incident (0 with none), for weighting across series. */
  failedResults: number;
  totalResults: number;
}

export interface OfficialIncidentBrief {
  id: string;
  name: string;
  status: string;
  impact: string;
  createdAt: number;
  /** When the page first showed it (Witness's sighting, give or take a reading); `backdated` when createdAt is much earlier. */
  shownAt?: number;
  backdated?: boolean;
  /** The page's resolution, or for a vanished incident when Witness last saw it listed. */
  resolvedAt: number | null;
  shortlink: string | null;
  /** It left the page's documents without being resolved (Witness read them later and it was not there). */
  vanished: boolean;
}

export interface SurfaceNow {
  id: string;
  name: string;
  componentId: string;
  measured: MeasuredState;
  /**
   * The share of all the surface's requests that failed since its trouble began (lib/judge/share.ts), in figures and
   * in words ("streaming requests fail (100%); plain requests and the edge work"), and since when. Null while it works.
   */
  failureRatio: number | null;
  failureWords: string | null;
  since: number | null;
  official: OfficialState;
  /** The component's own status string as the page gave it ("partial_outage"), or null when unknown. */
  officialStatus: string | null;
  officialIncidents: OfficialIncidentBrief[];
  /** "Official: operational. Measured: for 23 minutes, 38% of requests failing." — null when they agree. */
  disagreement: string | null;
  series: SeriesNow[];
  /** Why this install does not probe the surface at all ("it needs ANTHROPIC_API_KEY"), or null: it is probed. */
  notMeasured: string | null;
  /** The newest update the official page posted to this surface's open incidents, or null (none open). */
  officialLatest?: OfficialLatest | null;
  /** A hub's verdict across its vantages (lib/vantage/verdict-view.ts); null on a single install. */
  verdict?: SurfaceVerdict | null;
}

export interface OfficialLatest {
  incidentId: string;
  incidentName: string;
  status: string;
  /** Untrusted text from status.claude.com: render as text. */
  body: string;
  at: number;
  /** The incident on the official page. */
  url: string;
}

export type { SurfaceVerdict, VantageNow } from "@/lib/vantage/verdict-view";

export interface StatusNow {
  generatedAt: number;
  /** The newest stored result of any series: how fresh Witness's own view is. */
  lastResultAt: number | null;
  /** Witness's own network: offline while its newest result found no probed host reachable. */
  monitor: MonitorNetwork;
  surfaces: SurfaceNow[];
}

export interface DayBar {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Null when Witness has no data for the day. */
  measuredUptime: number | null;
  officialUptime: number | null;
  measured: MeasuredState;
  official: OfficialState;
  noDataMinutes: number;
  incidents: number;
  /** Minutes the page said operational while Witness measured down. */
  officialUpMeasuredDownMinutes: number;
}

export interface SurfaceDays {
  id: string;
  name: string;
  days: DayBar[];
  /** The figures below cover [from, to): the same rolling window as /api/v1/uptime?window=90d. */
  from: number;
  to: number;
  measuredUptime: number | null;
  officialUptime: number | null;
  /** Minutes the page said operational while Witness measured down, over [from, to). */
  officialUpMeasuredDownMinutes: number;
}

export type ChartWindow = "24h" | "7d" | "30d" | "90d";

export interface ChartPoint {
  t: number;
  p50: number | null;
  p95: number | null;
  ttftP50: number | null;
  ttftP95: number | null;
  failureRate: number | null;
  /** Every result in the bucket, inconclusive ones included. */
  count: number;
  /** Results that said something about Claude (up, degraded, down): the failure rate's denominator. */
  conclusive: number;
}

export interface SeriesChart {
  series: string;
  points: ChartPoint[];
}

/** A span when the official page said something other than operational, drawn as a band on the time axis. */
export interface OfficialBand {
  from: number;
  to: number;
  state: OfficialState;
}

export interface ModelComparison {
  model: string;
  ttftP50: number | null;
  ttftP95: number | null;
  tokensPerSecond: number | null;
  failureRate: number | null;
  results: number;
  /** Error class → count over the window. */
  errorMix: Record<string, number>;
}

export interface SurfaceCharts {
  id: string;
  name: string;
  series: SeriesChart[];
  bands: OfficialBand[];
  /** The first minute of the window with a reading of the official page in force; null: Witness never read it in the window. */
  officialReadFrom: number | null;
  /** The end of what the bands cover: the window's end, or now when that is earlier. */
  officialTo: number;
}

export interface Charts {
  window: ChartWindow;
  from: number;
  to: number;
  bucketMs: number;
  surfaces: SurfaceCharts[];
  models: ModelComparison[];
}

export interface IncidentSummary {
  /** `m-<id>` for a measured incident (its first series incident's id), `o-<id>` for an official one alone. */
  slug: string;
  kind: "measured" | "official";
  surface: string | null;
  surfaceName: string | null;
  title: string;
  startedAt: number;
  endedAt: number | null;
  severity: string;
  series: string[];
  models: string[];
  peakFailureRatio: number | null;
  /** The share of every request of the surface over the incident's span (lib/judge/share.ts), and in words. */
  failureShare: number | null;
  failureWords: string | null;
  errorMix: string | null;
  acknowledged: boolean | null;
  ackDelayMs: number | null;
  /** "acknowledged after 23 min", "never acknowledged", … (lib/judge/acknowledgement.ts describeAckDelay). */
  ackWords: string | null;
  accountable: boolean;
  official: OfficialIncidentBrief[];
  /**
   * For an official incident: "measured" when a measured incident matched it; "none" when Witness measured every one
   * of its minutes and saw nothing wrong; "no_data" when some went unmeasured (Witness was not running). Null for a
   * measured incident.
   */
  measuredImpact: "measured" | "none" | "no_data" | null;
  /** For "none" and "no_data": the incident's minutes, and those in which Witness measured a surface it concerns. */
  minutes: number | null;
  measuredMinutes: number | null;
  /**
   * How widely a measured incident failed (PRODUCT.md "Vantage points"): `global` (a single install's own, or a hub's
   * quorum), `regional` or `unconfirmed`; null for an official incident alone.
   */
  scope: "global" | "regional" | "unconfirmed" | null;
  /** A hub's: the vantages that saw it, each with its first failure (empty on a single install). */
  vantages: { id: string; name: string; firstFailureAt: number }[];
  /** Published unconfirmed, made global by a vantage's late evidence (never paged). */
  confirmedLate: boolean;
  /** What vantages reported late about it: "Frankfurt also failed 14:02–14:31 UTC, reported at 15:05 UTC". */
  lateNotes: string[];
}

export interface TimelineEntry {
  at: number;
  source: "measured" | "official";
  /** e.g. "opened", "confirmed", "resolved" for measured; the official update status otherwise. */
  label: string;
  /** For measured entries: the series; for official ones: the update body (untrusted text). */
  text: string;
}

export interface IncidentDetail extends IncidentSummary {
  timeline: TimelineEntry[];
  sampleRequestIds: string[];
  /** For an official incident whose measuredImpact is "measured": the measured incidents it matched. */
  measuredSlugs: string[];
  /** A measured incident of the browser series: the page as the probe last saw it failing within the span, or null. */
  screenshot: ScreenshotRef | null;
}

/** One feed item: an incident event, or a correction of one. Published once under its `guid` (lib/publish/feed-items.ts). */
export interface FeedEvent {
  guid: string;
  slug: string;
  event: "opened" | "acknowledged" | "resolved" | "correction";
  at: number;
  title: string;
  summary: string;
}
