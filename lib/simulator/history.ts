/**
 * A generated history: 90 days × 8 series of one-minute results with outages, an official page that acknowledges
 * some of them late and one never, an official incident with no measured impact, one from before Witness ran, one
 * that vanished from the page unresolved, and an hour the monitor was down.
 * Deterministic for a seed. Used by the benchmarks, the browser tests and the demo. Written as the config it is given
 * would have measured it: one result per series per probe interval (one a minute by default), and a component row at
 * every official heartbeat, so the detector, coverage and the official reading see the past as they see the present.
 */
import type { OpenedDatabase } from "@/db/client";
import { LOCAL_VANTAGE, VERDICT_VANTAGE } from "@/db/schema";
import { insertMeasuredIncident, saveDetectorState } from "@/db/queries/measured-incidents";
import { insertComponentStatuses, markIncidentsListed, recordOfficialRead, upsertIncidentUpdates, upsertOfficialIncident } from "@/db/queries/official";
import type { Config } from "@/lib/config";
import { replayIncidents, type Observation, type ReplayedIncident } from "@/lib/judge/detector";
import { detectorPolicy, incidentColumns } from "@/lib/measure/recorder";
import { coverageGapOf } from "@/lib/judge/coverage";
import { rebuildRollups } from "@/lib/keep/rollup-writer";
import { surfaceOfSeries } from "@/lib/judge/surfaces";
import type { ErrorClass, ProbeKind } from "@/probes/types";
import { seeded } from "@/lib/simulator/random";

const MIN = 60_000;
const API = "k8w3r06qmzrp";
const WEB = "rwppv331jlwc";
const CONSOLE = "0qbwn08sd68x";
const CODE = "yyzkbfz2thpt";
/** The benchmarks' 8 series (PRODUCT.md's scale figure is for these): the API's and claude.ai's front page. */
export const HISTORY_SERIES = [
  "messages:claude-haiku-4-5",
  "stream:claude-haiku-4-5",
  "messages:claude-sonnet-4-5",
  "stream:claude-sonnet-4-5",
  "messages:claude-opus-4-5",
  "stream:claude-opus-4-5",
  "edge",
  "web",
] as const;
/** The surfaces issue 16 added (the Console, claude.ai in a browser, Claude Code per model): the demo's history has them too. */
export const SURFACE_SERIES = [...HISTORY_SERIES, "console", "browser", "code:claude-haiku-4-5", "code:claude-sonnet-4-5", "code:claude-opus-4-5"] as const;

interface Outage {
  start: number;
  end: number;
  series: readonly string[];
  errorClass: ErrorClass;
  ratio: number;
  /** Minutes until the page admits it; null: never. */
  ackAfter: number | null;
  component: string;
}

export interface HistorySummary {
  from: number;
  to: number;
  results: number;
  outages: number;
  measuredIncidents: number;
  officialIncidents: number;
  gap: { from: number; to: number };
}

/** Fill an empty, migrated database with `days` of history ending at `now` (minute-aligned), then roll it up. */
/**
 * `vantages`: a hub's database instead, each listed vantage measuring every series (its own draws of the same outages),
 * its own incidents as evidence, and the hub's verdict rows (global, the first vantage's spans) naming who saw them.
 */
export function generateHistory(store: OpenedDatabase, config: Config, opts: { days: number; now: number; seed: number; hostileTitle?: string; series?: readonly string[]; vantages?: readonly string[] }): HistorySummary {
  const random = seeded(opts.seed);
  const all: readonly string[] = opts.series ?? HISTORY_SERIES;
  const to = Math.floor(opts.now / MIN) * MIN;
  const from = to - opts.days * 1440 * MIN;
  const outages = planOutages(from, to, random, all);
  const gap = { from: from + Math.floor(opts.days / 2) * 1440 * MIN + 600 * MIN, to: from + Math.floor(opts.days / 2) * 1440 * MIN + 660 * MIN };
  const insert = store.sqlite.prepare(
    "INSERT INTO probe_results (vantage, series, kind, model, started_at, outcome, error_class, http_status, connect_ms, ttfb_ms, ttft_ms, total_ms, output_tokens, tokens_per_second, request_id, message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
  );
  const vantages = opts.vantages ?? [LOCAL_VANTAGE];
  const observations = new Map<string, Observation[]>(vantages.flatMap((v) => all.map((s) => [observationKey(v, s), []] as [string, Observation[]])));
  const every = (series: string) => config.probes[series.split(":")[0] as ProbeKind].intervalSeconds * 1000;
  const step = Math.min(...all.map(every));
  // Background noise: rare isolated failures that must never open an incident, 0.2% a minute however often probed.
  const noise = (series: string) => 0.002 * Math.min(1, every(series) / MIN);
  let results = 0;
  const writeDay = store.sqlite.transaction((dayStart: number) => {
    for (let t = dayStart; t < Math.min(dayStart + 1440 * MIN, to); t += step) {
      if (t >= gap.from && t < gap.to) continue;
      for (const vantage of vantages) for (const series of all) {
        if ((t - from) % every(series) !== 0) continue;
        const [kind, model = null] = series.split(":") as [ProbeKind, string?];
        const outage = outages.find((o) => t >= o.start && t < o.end && o.series.includes(series));
        const failed = outage ? random() < outage.ratio : random() < noise(series);
        const errorClass: ErrorClass | null = failed ? (outage?.errorClass ?? "http_5xx") : null;
        const at = t + Math.floor(random() * Math.min(2000, step / 4));
        const slowness = 1 + (outage && !failed ? 1.5 : 0);
        const page = kind === "web" || kind === "console" || kind === "browser";
        const ttfb = (page ? 120 : 180) * slowness * (0.7 + random() * 0.6);
        // browser: time until the app is usable; code: the whole tool round trip.
        const total = kind === "messages" ? ttfb + 300 + random() * 400 : kind === "stream" ? ttfb + 250 + random() * 300 : kind === "browser" ? ttfb + 900 + random() * 600 : kind === "code" ? ttfb + 1200 + random() * 900 : ttfb + 10;
        const ttft = (kind === "stream" || kind === "code") && !failed ? ttfb + 60 + random() * 120 : null;
        const tokens = kind === "messages" || kind === "stream" ? 5 : kind === "code" ? 40 : null;
        const requestId = page ? null : `req_gen${(results + 1).toString(36)}`;
        insert.run(vantage, series, kind, model, at, failed ? "down" : "up", errorClass, failed ? (errorClass === "overloaded" ? 529 : 500) : kind === "edge" ? 401 : 200, 20 + random() * 10, ttfb, ttft, total, failed ? null : tokens, ttft && tokens ? tokens / ((total - ttft) / 1000) : null, requestId, failed ? `generated ${errorClass}` : null);
        observations.get(observationKey(vantage, series))!.push({ at, outcome: failed ? "down" : "up", errorClass, requestId });
        results += 1;
      }
    }
  });
  for (let day = from; day < to; day += 1440 * MIN) writeDay(day);
  rebuildRollups(store.db, { gapMsOf: coverageGapOf(config) });
  const measuredIncidents = writeMeasuredIncidents(store, config, observations, opts.vantages ?? null);
  const components = [API, WEB, ...(all.includes("console") ? [CONSOLE] : []), ...(all.some(isCode) ? [CODE] : [])];
  const officialIncidents = writeOfficial(store, outages, { from, to, gap, random, hostileTitle: opts.hostileTitle, heartbeatMs: config.official.heartbeatMinutes * MIN, components });
  return { from, to, results, outages: outages.length, measuredIncidents, officialIncidents, gap };
}

/**
 * About one API outage a week and a web outage a fortnight; some on one model only, some hard, some partial. Claude
 * Code's series share the API's outages, the browser claude.ai's; the Console has none. The random draws do not
 * depend on `series`, so the benchmarks' 8-series history stays what it was.
 */
function planOutages(from: number, to: number, random: () => number, series: readonly string[]): Outage[] {
  const outages: Outage[] = [];
  const api = series.filter((s) => /^(messages|stream|edge|code)(:|$)/.test(s));
  const web = series.filter((s) => s === "web" || s === "browser");
  for (let t = from + 2 * 1440 * MIN; t < to - 1440 * MIN; t += (4 + random() * 6) * 1440 * MIN) {
    const start = Math.floor(t / MIN) * MIN + Math.floor(random() * 1200) * MIN;
    const oneModel = random() < 0.4;
    const model = ["haiku", "sonnet", "opus"][Math.floor(random() * 3)]!;
    const hit = oneModel ? api.filter((s) => s.includes(model)) : api;
    const errorClass = (["overloaded", "http_5xx", "empty_response", "stream_truncated"] as const)[Math.floor(random() * 4)]!;
    const minutes = Math.floor(20 + random() * 100);
    // Usually while it lasts; one in five never.
    const ackAfter = random() < 0.2 ? null : Math.floor(5 + random() * (minutes - 5));
    outages.push({ start, end: start + minutes * MIN, series: hit, errorClass, ratio: 0.6 + random() * 0.4, ackAfter, component: API });
  }
  for (let t = from + 5 * 1440 * MIN; t < to - 1440 * MIN; t += (10 + random() * 8) * 1440 * MIN) {
    const start = Math.floor(t / MIN) * MIN + Math.floor(random() * 1200) * MIN;
    const minutes = Math.floor(15 + random() * 60);
    outages.push({ start, end: start + minutes * MIN, series: web, errorClass: "http_5xx", ratio: 0.9, ackAfter: Math.floor(5 + random() * (minutes - 5)), component: WEB });
  }
  return outages.sort((a, b) => a.start - b.start);
}

const observationKey = (vantage: string, series: string) => `${vantage}\u0000${series}`;

/**
 * Each (vantage, series)'s incidents by the detector. On a single install they are published (global); at a hub they
 * are each vantage's evidence, and the verdict rows are the first vantage's spans, naming every vantage whose own
 * incident overlaps one.
 */
function writeMeasuredIncidents(store: OpenedDatabase, config: Config, observations: Map<string, Observation[]>, hub: readonly string[] | null): number {
  let count = 0;
  store.db.transaction((tx) => {
    const replayed = new Map<string, ReplayedIncident[]>();
    for (const [key, list] of observations) {
      const [vantage, series] = key.split("\u0000") as [string, string];
      const surface = surfaceOfSeries(config.surfaces, series);
      if (!surface) continue;
      const kind = series.split(":")[0] as ProbeKind;
      const { incidents, state } = replayIncidents(list, detectorPolicy(config, kind));
      replayed.set(key, incidents);
      for (const i of incidents) {
        const id = insertMeasuredIncident(tx, {
          ...incidentColumns(i),
          vantage,
          surface: surface.id,
          series,
          model: series.split(":")[1] ?? null,
          endedAt: i.endedAt === null ? null : new Date(i.endedAt),
          scope: hub === null ? "global" : null,
        });
        if (state.open && i.endedAt === null) state.open.id = id;
        count += 1;
      }
      saveDetectorState(tx, series, state, new Date(list.at(-1)?.at ?? 0), vantage);
    }
    if (hub === null || hub.length === 0) return;
    for (const [key, incidents] of replayed) {
      const [vantage, series] = key.split("\u0000") as [string, string];
      if (vantage !== hub[0]) continue;
      for (const i of incidents) {
        const witnesses = hub.flatMap((v) => {
          const own = replayed.get(observationKey(v, series))?.find((o) => o.startedAt <= (i.endedAt ?? Infinity) && (o.endedAt ?? Infinity) >= i.startedAt);
          return own ? [{ id: v, firstFailureAt: own.startedAt }] : [];
        });
        insertMeasuredIncident(tx, {
          ...incidentColumns(i),
          vantage: VERDICT_VANTAGE,
          surface: surfaceOfSeries(config.surfaces, series)!.id,
          series,
          model: series.split(":")[1] ?? null,
          endedAt: i.endedAt === null ? null : new Date(i.endedAt),
          scope: "global",
          vantages: witnesses,
          decidedAt: new Date(i.confirmedAt),
        });
        count += 1;
      }
    }
  });
  return count;
}

/** A component row every official heartbeat (none while the monitor was down), and at acknowledgement and resolution. */
function writeOfficial(store: OpenedDatabase, outages: Outage[], ctx: { from: number; to: number; gap: { from: number; to: number }; random: () => number; hostileTitle?: string; heartbeatMs: number; components: readonly string[] }): number {
  const names: Record<string, string> = { [API]: "Claude API (api.anthropic.com)", [WEB]: "claude.ai", [CONSOLE]: "Claude Console (platform.claude.com)", [CODE]: "Claude Code" };
  const acknowledged = outages.filter((o) => o.ackAfter !== null);
  let official = 0;
  store.db.transaction((tx) => {
    for (const component of ctx.components) {
      const rows: { componentId: string; componentName: string; status: string; observedAt: Date; reason: "change" | "heartbeat" }[] = [];
      const mine = acknowledged.filter((o) => componentsOf(o).includes(component));
      for (let t = ctx.from; t < ctx.to; t += ctx.heartbeatMs) {
        if (t >= ctx.gap.from && t < ctx.gap.to) continue;
        const open = mine.some((o) => t >= o.start + o.ackAfter! * MIN && t < o.end + 10 * MIN);
        rows.push({ componentId: component, componentName: names[component]!, status: open ? "partial_outage" : "operational", observedAt: new Date(t), reason: "heartbeat" });
      }
      for (const o of mine) {
        rows.push({ componentId: component, componentName: names[component]!, status: "partial_outage", observedAt: new Date(o.start + o.ackAfter! * MIN), reason: "change" });
        rows.push({ componentId: component, componentName: names[component]!, status: "operational", observedAt: new Date(o.end + 10 * MIN), reason: "change" });
      }
      rows.sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());
      for (let i = 0; i < rows.length; i += 500) insertComponentStatuses(tx, rows.slice(i, i + 500));
    }
    const incidents = acknowledged.map((o, n) => ({ outage: o, id: `gen${n.toString().padStart(9, "0")}`, name: officialTitle(o) }));
    // The page's own incident Witness saw no impact for, with a hostile title for the renderers to escape.
    const quiet = ctx.from + Math.floor((ctx.to - ctx.from) * 0.8);
    for (const { outage, id, name } of [...incidents, { outage: { start: quiet, end: quiet + 30 * MIN, ackAfter: 0, component: API } as Outage, id: "genquiet0001", name: ctx.hostileTitle ?? "Degraded performance for some users" }]) {
      const created = new Date(outage.start + outage.ackAfter! * MIN);
      const resolved = new Date(outage.end + 10 * MIN);
      const common = { status: "resolved", impact: "major", createdAt: created, updatedAt: resolved, startedAt: created, monitoringAt: null, resolvedAt: resolved, shortlink: null, componentIds: componentsOf(outage), firstSeenAt: created, lastSeenAt: resolved };
      upsertOfficialIncident(tx, { id, name, ...common });
      // Listed by the page's summary from when it was posted until it was resolved, as Witness read it every minute.
      markIncidentsListed(tx, [id], created);
      markIncidentsListed(tx, [id], resolved);
      upsertIncidentUpdates(tx, [
        { id: `${id}u1`, incidentId: id, status: "investigating", body: "We are investigating elevated errors.", createdAt: created, displayAt: created, affectedComponents: [], firstSeenAt: created },
        { id: `${id}u2`, incidentId: id, status: "resolved", body: "This incident has been resolved.", createdAt: resolved, displayAt: resolved, affectedComponents: [], firstSeenAt: resolved },
      ]);
      official += 1;
    }
    official += writeUnmeasuredOfficial(tx, outages, ctx);
    // Both documents were read to the end (the summary every minute, the history every ten).
    recordOfficialRead(tx, "summary", new Date(ctx.to), true);
    recordOfficialRead(tx, "incidents", new Date(ctx.to), true);
  });
  return official;
}

/**
 * Two official incidents Witness cannot vouch for: one from two days before its first result (imported by its first
 * incidents.json read), and one dropped from the page unresolved, 40 minutes after it was posted, while Witness kept
 * reading the page.
 */
function writeUnmeasuredOfficial(tx: Parameters<typeof upsertOfficialIncident>[0], outages: readonly Outage[], ctx: { from: number; to: number }): number {
  const before = ctx.from - 2 * 1440 * MIN;
  // 30% into the history, moved on past any outage so nothing measured matches it.
  let posted = ctx.from + Math.floor((ctx.to - ctx.from) * 0.3 / MIN) * MIN;
  while (outages.some((o) => posted < o.end + 60 * MIN && posted + 100 * MIN > o.start)) posted += 60 * MIN;
  // The first only ever came from incidents.json (listed: null); the second was listed by the summary for 40 minutes.
  const rows = [
    { id: "genbefore001", name: "Elevated errors on the Claude API", status: "resolved", impact: "major", at: before, resolvedAt: new Date(before + 45 * MIN), firstSeen: ctx.from, lastSeen: ctx.from, listed: null },
    { id: "genvanish001", name: "Investigating reports of slow responses", status: "investigating", impact: "minor", at: posted, resolvedAt: null, firstSeen: posted, lastSeen: posted + 40 * MIN, listed: [posted, posted + 40 * MIN] },
  ];
  for (const r of rows) {
    upsertOfficialIncident(tx, { id: r.id, name: r.name, status: r.status, impact: r.impact, createdAt: new Date(r.at), updatedAt: new Date(r.at), startedAt: new Date(r.at), monitoringAt: null, resolvedAt: r.resolvedAt, shortlink: null, componentIds: [API], firstSeenAt: new Date(r.firstSeen), lastSeenAt: new Date(r.lastSeen) });
    for (const at of r.listed ?? []) markIncidentsListed(tx, [r.id], new Date(at));
    upsertIncidentUpdates(tx, [{ id: `${r.id}u1`, incidentId: r.id, status: "investigating", body: "We are looking into it.", createdAt: new Date(r.at), displayAt: new Date(r.at), affectedComponents: [], firstSeenAt: new Date(r.firstSeen) }]);
  }
  return rows.length;
}

const isCode = (series: string) => series.startsWith("code:");

/** The official components an outage is posted against: the page names Claude Code too when its series were hit. */
function componentsOf(o: Outage): string[] {
  return o.series?.some(isCode) ? [o.component, CODE] : [o.component];
}

/** Titles in the page's own style: model-scoped when one model failed. */
function officialTitle(o: Outage): string {
  if (o.component === WEB) return "claude.ai unavailable";
  const models = new Set(o.series.map((s) => s.split(":")[1]).filter(Boolean));
  if (models.size !== 1) return "Elevated errors across the Claude API";
  const model = [...models][0]!.replace("claude-", "").replace(/-(\d)-(\d)$/, " $1.$2");
  return `Elevated errors on Claude ${model.charAt(0).toUpperCase()}${model.slice(1)}`;
}
