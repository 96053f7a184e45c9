/**
 * The e2e database, written before the web server starts: a generated history (tests/bench/history.ts) ending at
 * the real time of seeding, then a CURRENT disagreement on top of it: an open measured incident on the Claude API
 * surface that began OPEN_INCIDENT_MINUTES ago, with the recent results of its series failing, while the official
 * component status stays "operational". claude.ai is left alone, so there measured and official agree.
 *
 * Specs read the facts back from the same file (process.env.DATABASE_PATH, set by global setup) or use the
 * constants below.
 */
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertMeasuredIncident } from "@/db/queries/measured-incidents";
import { upsertOfficialIncident } from "@/db/queries/official";
import { loadConfig, type Config } from "@/lib/config";
import { coverageGapOf } from "@/lib/judge/coverage";
import { rebuildRollups } from "@/lib/keep/rollup-writer";
import { generateHistory, SURFACE_SERIES, type HistorySummary } from "@/lib/simulator/history";

export const SEED_DAYS = 20;
/** Chosen so the history holds resolved API incidents both acknowledged late and never acknowledged. */
export const SEED = 7;
export const HOSTILE_TITLE = '<script>alert("xss")</script><img src=x onerror=alert(1)>';
/** The official incident Witness saw no impact for; generateHistory gives it the hostile title. */
export const HOSTILE_INCIDENT_SLUG = "o-genquiet0001";
/** generateHistory's official incident from two days before Witness's first result, and the one that vanished unresolved. */
export const NOT_RUNNING_INCIDENT_SLUG = "o-genbefore001";
export const VANISHED_INCIDENT_SLUG = "o-genvanish001";
/** The open incident: these series, failing since this many minutes before seeding. */
export const OPEN_INCIDENT_SERIES = ["messages:claude-opus-4-5", "stream:claude-opus-4-5"] as const;
export const OPEN_INCIDENT_MINUTES = 23;
/** Of the open incident's recent results, these (by index, oldest first) failed: 2 in a row, then every third. */
const failedAt = (i: number) => i < 2 || i % 3 === 0;

const MIN = 60_000;
const DAY = 86_400_000;

/**
 * Beyond the generated SEED_DAYS and beyond /incidents' 90 days, for /history: a resolved measured API outage from
 * OLD_MEASURED_DAYS ago (the earliest thing Witness measured, so /history begins in its month) and an official
 * incident from OLD_OFFICIAL_DAYS ago.
 */
export const OLD_MEASURED_DAYS = 120;
export const OLD_OFFICIAL_DAYS = 100;
export const OLD_OFFICIAL_ID = "genold000001";
export const OLD_OFFICIAL_TITLE = "Elevated errors on Claude API (old)";

export interface SeedSummary extends HistorySummary {
  seededAt: number;
  openIncidentIds: number[];
  oldIncidentId: number;
}

/** `days`: a shorter history for a spec that needs its own fresh database, not the shared one's every fact. */
export async function seedDatabase(dbPath: string, now: number = Date.now(), days: number = SEED_DAYS): Promise<SeedSummary> {
  const store = openDatabase(dbPath);
  try {
    migrateDatabase(store.db);
    const config = loadConfig({ DATABASE_PATH: dbPath });
    const summary = generateHistory(store, config, { days, now, seed: SEED, hostileTitle: HOSTILE_TITLE, series: SURFACE_SERIES });
    const openIncidentIds = addOpenIncident(store, config, summary.to);
    const oldIncidentId = addOldIncidents(store, now);
    return { ...summary, seededAt: now, openIncidentIds, oldIncidentId };
  } finally {
    store.close();
  }
}

/**
 * Turn the last OPEN_INCIDENT_MINUTES of results of OPEN_INCIDENT_SERIES into a partial outage (overloaded on
 * messages, truncated streams) and store the open incident the detector would hold for each series.
 */
function addOpenIncident(store: OpenedDatabase, config: Config, to: number): number[] {
  const start = to - OPEN_INCIDENT_MINUTES * MIN;
  const select = store.sqlite.prepare<[string, number], { id: number; started_at: number; request_id: string | null }>(
    "SELECT id, started_at, request_id FROM probe_results WHERE series = ? AND started_at >= ? ORDER BY started_at, id",
  );
  const fail = store.sqlite.prepare<[string, number, string, number]>(
    "UPDATE probe_results SET outcome = 'down', error_class = ?, http_status = ?, message = ?, ttft_ms = NULL, output_tokens = NULL, tokens_per_second = NULL WHERE id = ?",
  );
  const ids: number[] = [];
  store.sqlite.transaction(() => {
    for (const series of OPEN_INCIDENT_SERIES) {
      const errorClass = series.startsWith("stream") ? "stream_truncated" : "overloaded";
      const rows = select.all(series, start);
      const failed = rows.filter((_, i) => failedAt(i));
      for (const row of failed) fail.run(errorClass, errorClass === "overloaded" ? 529 : 200, `seeded ${errorClass}`, row.id);
      const first = rows[0]!;
      ids.push(
        insertMeasuredIncident(store.db, {
          surface: "api",
          series,
          model: series.split(":")[1] ?? null,
          startedAt: new Date(first.started_at),
          confirmedAt: new Date(rows[1]!.started_at),
          endedAt: null,
          severity: "down",
          peakFailureRatio: 1,
          errorClassCounts: { [errorClass]: failed.length },
          sampleRequestIds: failed.slice(0, 5).flatMap((r) => (r.request_id ? [r.request_id] : [])),
          failedResults: failed.length,
          totalResults: rows.length,
          lastResultAt: new Date(rows.at(-1)!.started_at),
        }),
      );
    }
  })();
  // The changed minutes, and the hours and days above them.
  rebuildRollups(store.db, { from: new Date(start), to: new Date(to + MIN), gapMsOf: coverageGapOf(config) });
  return ids;
}

/** The history before the generated one (see OLD_MEASURED_DAYS); returns the measured incident's id. */
function addOldIncidents(store: OpenedDatabase, now: number): number {
  const started = new Date(now - OLD_MEASURED_DAYS * DAY);
  const ended = new Date(started.getTime() + 40 * MIN);
  const id = insertMeasuredIncident(store.db, {
    surface: "api",
    series: "messages:claude-opus-4-5",
    model: "claude-opus-4-5",
    startedAt: started,
    confirmedAt: new Date(started.getTime() + MIN),
    endedAt: ended,
    severity: "down",
    peakFailureRatio: 1,
    errorClassCounts: { overloaded: 40 },
    sampleRequestIds: [],
    failedResults: 40,
    totalResults: 40,
    lastResultAt: ended,
  });
  const created = new Date(now - OLD_OFFICIAL_DAYS * DAY);
  const resolved = new Date(created.getTime() + 90 * MIN);
  upsertOfficialIncident(store.db, {
    id: OLD_OFFICIAL_ID,
    name: OLD_OFFICIAL_TITLE,
    status: "resolved",
    impact: "minor",
    createdAt: created,
    updatedAt: resolved,
    startedAt: created,
    monitoringAt: null,
    resolvedAt: resolved,
    shortlink: null,
    componentIds: ["k8w3r06qmzrp"],
    firstSeenAt: created,
    lastSeenAt: resolved,
  });
  return id;
}
