/**
 * Which requests the front server (lib/web/front.ts) answers from a snapshot, and under which key. A key is made only
 * of what the route reads, so what a visitor adds cannot mint one: a query parameter the route does not know is
 * ignored (`/?u=<unique>` is the snapshot of `/`), and the Host counts only where links follow it (pages and feeds,
 * when WITNESS_PUBLIC_URL is unset), only when well-formed, and only for MAX_HOSTS hosts at a time (HostSlots).
 */
import type { IncomingMessage } from "node:http";
import type { ChartWindow } from "@/lib/dashboard/types";
import { BADGE_METRICS, BADGE_WINDOWS, badgeRequest, type BadgeMetric, type BadgeWindow } from "@/lib/web/badges";
import { hostOf } from "@/lib/web/http";

export interface HotRequest {
  /** What the snapshot is filed under: the URL below, and the Host when the answer's links follow it. */
  key: string;
  /** The URL Next renders for it. */
  url: string;
  /** The Host the render is sent with; null: the front's own address (nothing a visitor sent). */
  host: string | null;
  /** Its links follow the Host: the answer varies by it (`Vary: Host`), one snapshot per admitted host. */
  perHost: boolean;
  /** Answers with a query of many values (the series API): kept apart, so they cannot push the pages out. */
  tail: boolean;
}

const FEED_PATHS = ["/feed.xml", "/feed.atom", "/feed.json"];
/** Pages and feeds that hand out absolute links (lib/web/page-base.ts, lib/web/feeds.ts). */
const HOST_PATHS = new Set(["/", "/charts", ...FEED_PATHS]);
/** Hot paths that read no query at all. */
const PLAIN_PATHS = new Set(["/", "/api/v1/status", "/opengraph-image"]);
/** The feeds read one: `scope` (lib/web/feeds.ts FEED_SCOPES), global when absent. */
const FEED_SCOPE_VALUES = ["global", "regional", "all"];
const BADGE_PATH = /^\/api\/v1\/badges\/[A-Za-z0-9._-]{1,64}$/;
const SERIES_PATH = /^\/api\/v1\/series\/[A-Za-z0-9.:%_-]{1,128}\/results$/;
const SERIES_PARAMS = ["since", "limit", "before"] as const;
const CHART_WINDOWS: readonly ChartWindow[] = ["24h", "7d", "30d", "90d"];
// Requests the App Router makes for itself (client navigation, prefetch, server actions) get another body than the HTML.
const NEXT_ROUTER_HEADERS = ["rsc", "next-router-state-tree", "next-router-prefetch", "next-router-segment-prefetch", "next-action", "next-url"];

/** A handful of names one Witness is reached by (localhost, its LAN address, its public name) with room to spare. */
export const MAX_HOSTS = 8;
/** A host unused this long gives its place up, so the first hosts ever seen do not hold them for good. */
export const HOST_IDLE_MS = 10 * 60_000;

/**
 * The hosts that get snapshots of their own: the first MAX_HOSTS well-formed ones, each while it is used. Any other
 * Host (a flood of made-up ones included) gets the snapshot made for the front's own address, so it can force no render.
 */
export class HostSlots {
  private readonly used = new Map<string, number>();
  // The few Host spellings real visitors send, parsed once (hostOf builds a URL); a flood of others is parsed each time.
  private readonly parsed = new Map<string, string | null>();

  constructor(
    readonly max = MAX_HOSTS,
    readonly idleMs = HOST_IDLE_MS,
  ) {}

  /** The Host as hostOf normalises it when it has or gets a slot; null: the front's own address. */
  admit(header: string | undefined, now: number): string | null {
    let host = this.parsed.get(header ?? "");
    if (host === undefined) {
      host = hostOf(header);
      if (this.parsed.size < 4 * this.max) this.parsed.set(header ?? "", host);
    }
    if (host === null) return null;
    if (!this.used.has(host) && this.used.size >= this.max) {
      for (const [known, at] of this.used) if (now - at >= this.idleMs) this.used.delete(known);
      if (this.used.size >= this.max) return null;
    }
    this.used.set(host, now);
    return host;
  }
}

/**
 * The snapshot of a hot request, or null when Next should answer it: only known paths, never the router's own
 * requests, and a query value the route reads only when it is one Next would answer with a 200 (a bad one goes to
 * Next for its 400). `hosts` is null when links do not follow the Host (WITNESS_PUBLIC_URL is set).
 */
export function hotRequest(req: IncomingMessage, hosts: HostSlots | null, now: number = Date.now()): HotRequest | null {
  if (req.method !== "GET" && req.method !== "HEAD") return null;
  if (NEXT_ROUTER_HEADERS.some((h) => req.headers[h] !== undefined)) return null;
  const target = req.url ?? "/";
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const url = canonicalUrl(path, q < 0 ? null : new URLSearchParams(target.slice(q + 1)));
  if (url === null) return null;
  if (hosts === null || !HOST_PATHS.has(path)) return { key: url, url, host: null, perHost: false, tail: SERIES_PATH.test(path) };
  const host = hosts.admit(req.headers.host, now);
  return { key: host === null ? url : `${host}${url}`, url, host, perHost: true, tail: false };
}

/** The URL Next renders for a hot path: the path and the query values the route reads, in a fixed order. */
function canonicalUrl(path: string, params: URLSearchParams | null): string | null {
  if (PLAIN_PATHS.has(path)) return path;
  if (FEED_PATHS.includes(path)) {
    const scopes = params?.getAll("scope") ?? [];
    if (scopes.length === 0) return path;
    // An unknown or repeated scope goes to Next for its 400; the default is the plain feed's one key.
    if (scopes.length > 1 || !FEED_SCOPE_VALUES.includes(scopes[0]!)) return null;
    return scopes[0] === "global" ? path : `${path}?scope=${scopes[0]}`;
  }
  if (path === "/charts") {
    // A window the page does not know shows 24 hours (app/charts/page.tsx): the same page as plain /charts.
    const windows = params?.getAll("window") ?? [];
    return windows.length === 1 && (CHART_WINDOWS as readonly string[]).includes(windows[0]!) ? `/charts?window=${windows[0]}` : "/charts";
  }
  if (BADGE_PATH.test(path)) {
    const metrics = params?.getAll("metric") ?? [];
    const windows = params?.getAll("window") ?? [];
    if (metrics.length > 1 || windows.length > 1) return null;
    const query = { metric: metrics[0] as BadgeMetric | undefined, window: windows[0] as BadgeWindow | undefined };
    if ((query.metric !== undefined && !BADGE_METRICS.includes(query.metric)) || (query.window !== undefined && !BADGE_WINDOWS.includes(query.window))) return null;
    // The same badge is one key (?window=7d is ?metric=uptime&window=7d); a window with metric=state goes to Next for its 400.
    const badge = badgeRequest(query);
    if (!badge.ok) return null;
    return badge.metric === "state" ? path : `${path}?metric=uptime&window=${badge.window}`;
  }
  if (SERIES_PATH.test(path)) {
    const kept = new URLSearchParams();
    for (const name of SERIES_PARAMS) {
      const values = params?.getAll(name) ?? [];
      if (values.length > 1 || (values[0]?.length ?? 0) > 40) return null;
      if (values.length === 1) kept.set(name, values[0]!);
    }
    const query = kept.toString();
    return query ? `${path}?${query}` : path;
  }
  return null;
}
