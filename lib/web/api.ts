/**
 * The JSON API's inputs and the data it needs beyond lib/dashboard: query validation (every error names its
 * parameter), a page of one series' raw results, and the uptime figures of the report.
 */
import { monitorGapMs } from "@/lib/dashboard/now";
import { unprobedReason } from "@/lib/measure/targets";
import { and, desc, eq, gte, lt, or } from "drizzle-orm";
import { z } from "zod";
import { countDisagreement, type Disagreement } from "@/lib/judge/accountability";
import type { Config } from "@/lib/config";
import type { StatusNow } from "@/lib/dashboard/types";
import { ackStats, type AckStats } from "@/lib/judge/grade";
import { readMonitorNetwork, type MonitorNetwork } from "@/lib/measure/monitor-network";
import { buildReport, WINDOWS, type Report, type WindowName, type SurfaceReport } from "@/lib/judge/report";
import type { Db } from "@/db/client";
import { getLatestResults, rowToProbeResult } from "@/db/queries/probe-results";
import { LOCAL_VANTAGE, probeResults } from "@/db/schema";
import { PROBE_KINDS, withVantage, type ProbeResult } from "@/probes/types";

const DAY = 86_400_000;
const UNITS = { m: 60_000, h: 3_600_000, d: DAY } as const;

/** The validated query, or `name: message` for its first problem. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Validate a URL's query against `shape`. Unknown parameters are ignored (cache busters are common); a parameter
 * given twice is an error rather than a silent pick of one.
 */
export function parseQuery<S extends z.ZodRawShape>(url: string, shape: S): Parsed<z.infer<z.ZodObject<S>>> {
  const params = new URL(url).searchParams;
  const raw: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const values = params.getAll(key);
    if (values.length > 1) return { ok: false, error: `${key}: given more than once` };
    if (values.length === 1) raw[key] = values[0]!;
  }
  const parsed = z.object(shape).safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, error: `${issue.path.join(".") || "query"}: ${issue.message}` };
}

/** A whole number in [min, max], written in plain digits ("1e2", "0x10" and " 5" are refused). */
export function wholeNumber(min: number, max: number, fallback: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message))
    .default(fallback);
}

/** One of `values`, with the list in the message. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

/** The surface ids of the configuration, for `oneOf`. */
export function surfaceIds(config: Config): [string, ...string[]] {
  return config.surfaces.map((s) => s.id) as [string, ...string[]];
}

/** `since`: an ISO 8601 date or date-time, or a span back from now like 30m, 24h, 7d. */
export function sinceParam(now: number, fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const relative = /^(\d{1,6})([mhd])$/.exec(value);
      if (relative) return now - Number(relative[1]) * UNITS[relative[2] as keyof typeof UNITS];
      const iso = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).safeParse(value);
      if (iso.success) return Date.parse(iso.data);
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time (2025-06-01T12:00:00Z) or a span like 30m, 24h, 7d" });
      return z.NEVER;
    });
}

/** The opaque paging token: the last row's (started_at, id), the order a page is read in. */
export const cursorParam = z
  .string()
  .regex(/^\d{1,15}-\d{1,15}$/, "must be the `next` value of a previous page")
  .transform((value) => {
    const [at, id] = value.split("-").map(Number) as [number, number];
    return { at, id };
  })
  .optional();

/** Names the worker gives series (`edge`, `stream:claude-haiku-4-5`); anything else cannot exist. */
export const SERIES_NAME = /^[a-z]{1,20}(?::[a-z0-9][a-z0-9.-]{0,99})?$/;

/** A dynamic path segment, percent-decoded once; a malformed escape is returned as is (and then matches nothing). */
export function pathSegment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Incident slugs as lib/dashboard/incidents.ts makes them: `m-<id>` or `o-<Statuspage id>`. */
export const INCIDENT_SLUG = /^(?:m-\d{1,15}|o-[A-Za-z0-9_-]{1,64})$/;

export interface ResultsPage {
  /** Each with `vantage`, the place that measured it (PRODUCT.md "One result"): this install's own id. */
  results: ReturnType<typeof withVantage>[];
  next: string | null;
}

/**
 * One series' raw results started at or after `since`, newest first, `limit` at a time; `before` continues after
 * the previous page's last row. Keyset paging on (started_at, id) is served by the (series, started_at) index and
 * stays correct while the worker inserts new rows at the top.
 */
export function getResultsPage(db: Db, params: { series: string; since: number; before?: { at: number; id: number }; limit: number; vantageId?: string }): ResultsPage {
  const { before } = params;
  const rows = db
    .select()
    .from(probeResults)
    .where(
      and(
        eq(probeResults.vantage, LOCAL_VANTAGE),
        eq(probeResults.series, params.series),
        gte(probeResults.startedAt, new Date(params.since)),
        before ? or(lt(probeResults.startedAt, new Date(before.at)), and(eq(probeResults.startedAt, new Date(before.at)), lt(probeResults.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(probeResults.startedAt), desc(probeResults.id))
    .limit(params.limit + 1)
    .all();
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  const vantage = params.vantageId ?? LOCAL_VANTAGE;
  return { results: page.map((row) => withVantage(rowToProbeResult(row), vantage)), next: rows.length > params.limit && last ? `${last.startedAt.getTime()}-${last.id}` : null };
}

/** What getStatusNow answers before the worker has created the database: every surface, nothing known. */
export function emptyStatus(config: Config, now: number): StatusNow {
  return {
    generatedAt: now,
    lastResultAt: null,
    monitor: { online: true, offlineSince: null },
    surfaces: config.surfaces.map((s) => ({ id: s.id, name: s.name, componentId: s.componentId, measured: "nodata", failureRatio: null, failureWords: null, since: null, official: "unknown", officialStatus: null, officialIncidents: [], disagreement: null, series: [], notMeasured: unprobedReason(config, s.kinds) })),
  };
}

/** The report's per-surface figures, with the grade lifted out and incidents counted rather than listed. */
export type SurfaceUptime = Pick<SurfaceReport, "id" | "name" | "measuredUptime" | "officialUptime" | "measuredMinutes" | "officialMinutes" | "noDataMinutes" | "disagreement" | "ack"> & {
  /** A–F, or null when there was nothing to acknowledge; `ack` has the figures behind it. */
  grade: string | null;
  /** Measured incidents in the window (GET /api/v1/incidents lists them). */
  incidents: number;
};

export interface Uptime {
  window: WindowName;
  from: number;
  to: number;
  surfaces: SurfaceUptime[];
}

// A 90-day report takes about a second on a full 90-day database (30d: 0.3 s) and barely moves in a minute: one per
// database and window, reused for a minute, serves every poller and README badge in that minute.
const reports = new WeakMap<Db, Map<WindowName, Report>>();
const REPORT_TTL_MS = 60_000;

/** The report's uptime figures per surface over `window`; with no database, every minute is "no data". */
export function getUptime(db: Db | null, config: Config, window: WindowName, now: number): Uptime {
  if (!db) {
    const minutes = WINDOWS[window] / 60_000;
    const empty = { measuredUptime: null, officialUptime: null, measuredMinutes: 0, officialMinutes: 0, noDataMinutes: minutes, disagreement: countDisagreement(new Uint8Array(0), new Uint8Array(0)), grade: null, ack: ackStats([]), incidents: 0 };
    return { window, from: now - WINDOWS[window], to: now, surfaces: config.surfaces.map((s) => ({ id: s.id, name: s.name, ...empty })) };
  }
  const report = cachedReport(db, config, window, now);
  return {
    window,
    from: Date.parse(report.from),
    to: Date.parse(report.to),
    surfaces: report.surfaces.map((s) => ({
      id: s.id,
      name: s.name,
      measuredUptime: s.measuredUptime,
      officialUptime: s.officialUptime,
      measuredMinutes: s.measuredMinutes,
      officialMinutes: s.officialMinutes,
      noDataMinutes: s.noDataMinutes,
      disagreement: s.disagreement,
      grade: s.ack.grade,
      ack: s.ack,
      incidents: s.incidents.length,
    })),
  };
}

function cachedReport(db: Db, config: Config, window: WindowName, now: number): Report {
  const perDb = reports.get(db) ?? new Map<WindowName, Report>();
  reports.set(db, perDb);
  const cached = perDb.get(window);
  if (cached && Math.abs(now - Date.parse(cached.generatedAt)) < REPORT_TTL_MS) return cached;
  const report = buildReport(db, config, window, now);
  perDb.set(window, report);
  return report;
}

export interface Health {
  web: "ok";
  database: "ok" | "missing";
  /** `fresh`: the newest stored result is younger than `freshWithinMs`, 3 × the shortest enabled probe interval. */
  worker: { lastResultAt: number | null; fresh: boolean; freshWithinMs: number };
  /** Witness's own network (the monitor-offline rule): while offline it measures nothing of Claude. */
  monitor: MonitorNetwork;
}

/** Is Witness measuring? The newest result of any series, by the started_at index (one row, whatever the size). */
export function getHealth(db: Db | null, config: Config, now: number): Health {
  const intervals = PROBE_KINDS.filter((k) => config.probes[k].enabled).map((k) => config.probes[k].intervalSeconds * 1000);
  const freshWithinMs = 3 * (intervals.length ? Math.min(...intervals) : 60_000);
  const lastResultAt = db ? (getLatestResults(db, { limit: 1 })[0]?.startedAt.getTime() ?? null) : null;
  const monitor = db ? readMonitorNetwork(db, monitorGapMs(config)) : { online: true, offlineSince: null };
  return { web: "ok", database: db ? "ok" : "missing", worker: { lastResultAt, fresh: lastResultAt !== null && now - lastResultAt <= freshWithinMs, freshWithinMs }, monitor };
}
