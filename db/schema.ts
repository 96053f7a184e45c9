/**
 * The database schema. probe_results: one row per probe run, the columns are the ProbeResult contract
 * (probes/types.ts). Change it only together with a new migration (`npm run db:generate`).
 */
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ERROR_CLASSES, OUTCOMES, PROBE_KINDS } from "@/probes/types";

/**
 * Whose results a row holds: `local` is this install's own probes (a hub's own, or a single install's), stored under
 * that key whatever `vantage.id` names it; any other value is a vantage listed in the hub's config (lib/vantage/).
 */
export const LOCAL_VANTAGE = "local";

export const probeResults = sqliteTable(
  "probe_results",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    vantage: text("vantage").notNull().default(LOCAL_VANTAGE),
    /** The ProbeResult `probe` name, e.g. `stream:claude-haiku-4-5`; a chart line is one series. */
    series: text("series").notNull(),
    kind: text("kind", { enum: PROBE_KINDS }).notNull(),
    model: text("model"),
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
    outcome: text("outcome", { enum: OUTCOMES }).notNull(),
    errorClass: text("error_class", { enum: ERROR_CLASSES }),
    httpStatus: integer("http_status"),
    // Timings are `real`: performance.now() deltas carry fractions of a millisecond.
    dnsMs: real("dns_ms"),
    connectMs: real("connect_ms"),
    tlsMs: real("tls_ms"),
    ttfbMs: real("ttfb_ms"),
    ttftMs: real("ttft_ms"),
    totalMs: real("total_ms"),
    outputTokens: integer("output_tokens"),
    tokensPerSecond: real("tokens_per_second"),
    requestId: text("request_id"),
    message: text("message"),
    /** Kind-specific figures as JSON (the browser's paint and failed requests, the code probe's steps); may be null. */
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
    /** When the hub stored a vantage's row (epoch ms); null for the install's own results. */
    receivedAt: integer("received_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    // A result is stored once per (vantage, series, start): a repeated batch or row changes nothing. It also serves
    // "one series of one vantage over a time range" (getResultsBySeriesSince, charts, uptime windows).
    uniqueIndex("probe_results_vantage_series_started_uq").on(t.vantage, t.series, t.startedAt),
    // Serves pruning rows older than a cutoff and rebuilding rollups in time order, whoever measured them.
    index("probe_results_started_at_idx").on(t.startedAt),
    // Serves "one vantage's latest results" across its series (the monitor's own network, the newest result): with
    // only the two above, SQLite took the vantage's rows from the unique key and sorted all of them (385 ms at 1 M).
    index("probe_results_vantage_started_idx").on(t.vantage, t.startedAt),
  ],
);

export type ProbeResultRow = typeof probeResults.$inferSelect;
export type NewProbeResultRow = typeof probeResults.$inferInsert;

// ---- The official status page, as Witness saw it -------------------------------------------------------------

/** Why a component-status row was written. `unknown`: the page could not be read, so its claim is unknown. */
export const OBSERVATION_REASONS = ["change", "heartbeat", "unknown"] as const;

export const officialComponentStatuses = sqliteTable(
  "official_component_statuses",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    componentId: text("component_id").notNull(),
    componentName: text("component_name").notNull(),
    /** The page's own value (operational … major_outage, or one it invents later), or `unknown`. */
    status: text("status").notNull(),
    observedAt: integer("observed_at", { mode: "timestamp_ms" }).notNull(),
    reason: text("reason", { enum: OBSERVATION_REASONS }).notNull(),
  },
  (t) => [
    // Serves "a component's status over a time range" (official uptime, disagreement minutes).
    index("official_component_statuses_component_observed_idx").on(t.componentId, t.observedAt),
  ],
);

export const officialIncidents = sqliteTable("official_incidents", {
  /** Statuspage's own id: incidents are upserted by it, each update refreshing the row. */
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  status: text("status").notNull(),
  impact: text("impact").notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  startedAt: integer("started_at", { mode: "timestamp_ms" }),
  monitoringAt: integer("monitoring_at", { mode: "timestamp_ms" }),
  resolvedAt: integer("resolved_at", { mode: "timestamp_ms" }),
  shortlink: text("shortlink"),
  /** Component ids the incident names; empty when it names none (it then applies to every surface). */
  componentIds: text("component_ids", { mode: "json" }).$type<string[]>().notNull(),
  firstSeenAt: integer("first_seen_at", { mode: "timestamp_ms" }).notNull(),
  lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
  /**
   * The first and last summary.json reading that listed it: the page claims an incident only while its summary lists
   * it (lib/judge/official-claims.ts). Null: only incidents.json ever listed it (history, or a page that contradicts
   * itself).
   */
  firstListedAt: integer("first_listed_at", { mode: "timestamp_ms" }),
  lastListedAt: integer("last_listed_at", { mode: "timestamp_ms" }),
});

export const officialIncidentUpdates = sqliteTable(
  "official_incident_updates",
  {
    id: text("id").primaryKey(),
    incidentId: text("incident_id")
      .notNull()
      .references(() => officialIncidents.id, { onDelete: "cascade" }),
    status: text("status").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    displayAt: integer("display_at", { mode: "timestamp_ms" }),
    /** `code` null: the page named no component, as in `{"name": "No components were affected by this update."}`. */
    affectedComponents: text("affected_components", { mode: "json" })
      .$type<{ code: string | null; name: string | null; oldStatus: string | null; newStatus: string | null }[]>()
      .notNull(),
    /** When Witness first read it: with created_at, when the page showed it (an update may be backdated too). */
    firstSeenAt: integer("first_seen_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    // Serves "the updates of one incident, in order" (incident timeline, first acknowledgement).
    index("official_incident_updates_incident_created_idx").on(t.incidentId, t.createdAt),
  ],
);

export const officialMaintenances = sqliteTable("official_maintenances", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  status: text("status").notNull(),
  impact: text("impact").notNull(),
  scheduledFor: integer("scheduled_for", { mode: "timestamp_ms" }),
  scheduledUntil: integer("scheduled_until", { mode: "timestamp_ms" }),
  componentIds: text("component_ids", { mode: "json" }).$type<string[]>().notNull(),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  firstSeenAt: integer("first_seen_at", { mode: "timestamp_ms" }).notNull(),
  lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * When each of the page's documents was last read, and last read readable: "listed now" and "vanished" are decided
 * against these (a component heartbeat row comes only every heartbeatMinutes).
 */
export const officialReads = sqliteTable("official_reads", {
  /** `summary` or `incidents`. */
  endpoint: text("endpoint").primaryKey(),
  lastReadAt: integer("last_read_at", { mode: "timestamp_ms" }).notNull(),
  lastOkAt: integer("last_ok_at", { mode: "timestamp_ms" }),
});

export const officialPayloads = sqliteTable(
  "official_payloads",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    fetchedAt: integer("fetched_at", { mode: "timestamp_ms" }).notNull(),
    /** Which document: `summary`, `incidents`. */
    endpoint: text("endpoint").notNull(),
    sha256: text("sha256").notNull(),
    /** The body exactly as received, kept only when it differs from the previous one of the same endpoint. */
    body: text("body").notNull(),
  },
  (t) => [
    // Serves "the latest payload of an endpoint" (change detection) and audit by time.
    index("official_payloads_endpoint_fetched_idx").on(t.endpoint, t.fetchedAt),
  ],
);

// ---- What Witness measured -----------------------------------------------------------------------------------

/**
 * The page as the browser probe saw it at the end of a failed run: a small JPEG (tens of KB), kept in the database
 * rather than beside it so backups, the read-only web process and private mode cover it with nothing more. Bounded:
 * the newest BROWSER_SCREENSHOTS_KEPT only (db/queries/browser-screenshots.ts).
 */
export const browserScreenshots = sqliteTable(
  "browser_screenshots",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    series: text("series").notNull(),
    /** The failed result's startedAt. */
    takenAt: integer("taken_at", { mode: "timestamp_ms" }).notNull(),
    errorClass: text("error_class", { enum: ERROR_CLASSES }),
    jpeg: blob("jpeg", { mode: "buffer" }).$type<Buffer>().notNull(),
  },
  (t) => [
    // Serves "the newest screenshot of a series within an incident's span" (the incident page).
    index("browser_screenshots_series_taken_idx").on(t.series, t.takenAt),
  ],
);

export const SEVERITIES = ["degraded", "down"] as const;

/**
 * How widely a published incident failed (PRODUCT.md "Vantage points"): `global` is the quorum of vantages (or a
 * single install's own detector), `regional` fewer than the quorum, `unconfirmed` the only eligible vantage of several.
 */
export const SCOPES = ["global", "regional", "unconfirmed"] as const;
export type Scope = (typeof SCOPES)[number];

/** The pseudo-vantage of a hub's verdict rows: measured incidents decided across vantages. */
export const VERDICT_VANTAGE = "*";

/** A vantage that saw a verdict incident, and when its own first failure was. */
export interface VantageWitness {
  id: string;
  firstFailureAt: number;
}

export const measuredIncidents = sqliteTable(
  "measured_incidents",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Whose results it was measured from (LOCAL_VANTAGE: this install's own). */
    vantage: text("vantage").notNull().default(LOCAL_VANTAGE),
    surface: text("surface").notNull(),
    series: text("series").notNull(),
    model: text("model"),
    /** The first failing result of the run that confirmed it, not the moment of confirmation. */
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
    confirmedAt: integer("confirmed_at", { mode: "timestamp_ms" }).notNull(),
    /** The first result of the run of successes that resolved it; null while open. */
    endedAt: integer("ended_at", { mode: "timestamp_ms" }),
    severity: text("severity", { enum: SEVERITIES }).notNull(),
    peakFailureRatio: real("peak_failure_ratio").notNull(),
    errorClassCounts: text("error_class_counts", { mode: "json" }).$type<Record<string, number>>().notNull(),
    sampleRequestIds: text("sample_request_ids", { mode: "json" }).$type<string[]>().notNull(),
    failedResults: integer("failed_results").notNull(),
    totalResults: integer("total_results").notNull(),
    lastResultAt: integer("last_result_at", { mode: "timestamp_ms" }).notNull(),
    /**
     * What is published: `global` | `regional` | `unconfirmed`; null for a vantage's own incident at a hub, which is
     * evidence for the verdict and never published by itself. A single install's incidents are `global`.
     */
    scope: text("scope", { enum: SCOPES }).default("global"),
    /** A verdict row: the vantages that saw it, each with its first failure; null for a vantage's own. */
    vantages: text("vantages", { mode: "json" }).$type<VantageWitness[]>(),
    /** Published `unconfirmed`, then made `global` by a vantage's late evidence: never paged. */
    confirmedLate: integer("confirmed_late", { mode: "boolean" }).notNull().default(false),
    /** When the hub decided its scope (a verdict row), null otherwise. */
    decidedAt: integer("decided_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    // Serves "incidents of a surface in a time window" (report, feeds, dashboard lists).
    index("measured_incidents_surface_started_idx").on(t.surface, t.startedAt),
    // Serves "incidents still open" (dashboard now, detector restart).
    index("measured_incidents_ended_idx").on(t.endedAt),
  ],
);

/**
 * What a vantage reported late (after the freshness window) about a published incident: append-only notes, never an
 * edit of the incident's start, end or severity ("Frankfurt also failed 14:02–14:31, reported at 15:05").
 */
export const lateEvidence = sqliteTable(
  "late_evidence",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    incidentId: integer("incident_id").notNull(),
    vantage: text("vantage").notNull(),
    /** The vantage's own incident behind the note: one note per (incident, evidence). */
    evidenceId: integer("evidence_id").notNull(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
    endedAt: integer("ended_at", { mode: "timestamp_ms" }),
    reportedAt: integer("reported_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("late_evidence_incident_evidence_uq").on(t.incidentId, t.evidenceId)],
);
export type LateEvidenceRow = typeof lateEvidence.$inferSelect;

/** Each series' detector state, so a restart neither duplicates an open incident nor alerts again. */
export const detectorStates = sqliteTable(
  "detector_states",
  {
    vantage: text("vantage").notNull().default(LOCAL_VANTAGE),
    series: text("series").notNull(),
    state: text("state", { mode: "json" }).$type<unknown>().notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.vantage, t.series] })],
);

// ---- Rollups: one row per series and bucket, so 90 days read fast --------------------------------------------

const rollupColumns = () => ({
  vantage: text("vantage").notNull().default(LOCAL_VANTAGE),
  series: text("series").notNull(),
  bucketStart: integer("bucket_start", { mode: "timestamp_ms" }).notNull(),
  up: integer("up").notNull(),
  degraded: integer("degraded").notNull(),
  down: integer("down").notNull(),
  inconclusive: integer("inconclusive").notNull(),
  errorClassCounts: text("error_class_counts", { mode: "json" }).$type<Record<string, number>>().notNull(),
  /** Log-bucketed histograms (lib/keep/histogram.ts), so percentiles stay correct when buckets merge. */
  totalMsHistogram: text("total_ms_histogram", { mode: "json" }).$type<Record<string, number>>().notNull(),
  ttftMsHistogram: text("ttft_ms_histogram", { mode: "json" }).$type<Record<string, number>>().notNull(),
  /** Time to first byte (a hub's per-vantage table); empty in rollups written before it was kept. */
  ttfbMsHistogram: text("ttfb_ms_histogram", { mode: "json" }).$type<Record<string, number>>().notNull().default({}),
  tokensPerSecondSum: real("tokens_per_second_sum").notNull(),
  tokensPerSecondCount: integer("tokens_per_second_count").notNull(),
});

export const rollupsMinute = sqliteTable("rollups_minute", rollupColumns(), (t) => [
  // The unique key makes re-running a rollup a no-op; it also serves "one series over a time range".
  uniqueIndex("rollups_minute_vantage_series_bucket_uq").on(t.vantage, t.series, t.bucketStart),
]);
export const rollupsHour = sqliteTable("rollups_hour", rollupColumns(), (t) => [
  uniqueIndex("rollups_hour_vantage_series_bucket_uq").on(t.vantage, t.series, t.bucketStart),
]);
export const rollupsDay = sqliteTable("rollups_day", rollupColumns(), (t) => [
  uniqueIndex("rollups_day_vantage_series_bucket_uq").on(t.vantage, t.series, t.bucketStart),
]);

/**
 * Which minutes of an hour Witness measured one series (lib/judge/coverage.ts has the rule). Kept beside the rollups, not
 * in them: a minute's coverage needs its results' exact times, and the 90-day pages read only these small rows.
 */
export const coverageHours = sqliteTable(
  "coverage_hours",
  {
    vantage: text("vantage").notNull().default(LOCAL_VANTAGE),
    series: text("series").notNull(),
    bucketStart: integer("bucket_start", { mode: "timestamp_ms" }).notNull(),
    /** The hour's first and last result (any outcome): where the previous hour's reach stops, where this one's starts. */
    firstAt: integer("first_at", { mode: "timestamp_ms" }).notNull(),
    lastAt: integer("last_at", { mode: "timestamp_ms" }).notNull(),
    lastConclusive: integer("last_conclusive", { mode: "boolean" }).notNull(),
    /** How far a conclusive result reaches without a next one (the gap in force when written; 0: no reach known). */
    gapMs: integer("gap_ms").notNull(),
    /** Covered minutes as [start, end) offsets from bucketStart, ascending and disjoint: `[[0,60]]` is a whole hour. */
    covered: text("covered", { mode: "json" }).$type<[number, number][]>().notNull(),
  },
  (t) => [
    // The unique key makes rewriting an hour a no-op; it also serves "these series over a time range".
    uniqueIndex("coverage_hours_vantage_series_bucket_uq").on(t.vantage, t.series, t.bucketStart),
  ],
);

export type CoverageHourRow = typeof coverageHours.$inferSelect;
export type OfficialComponentStatusRow = typeof officialComponentStatuses.$inferSelect;
export type OfficialIncidentRow = typeof officialIncidents.$inferSelect;
export type OfficialIncidentUpdateRow = typeof officialIncidentUpdates.$inferSelect;
export type OfficialMaintenanceRow = typeof officialMaintenances.$inferSelect;
export type MeasuredIncidentRow = typeof measuredIncidents.$inferSelect;
export type NewMeasuredIncidentRow = typeof measuredIncidents.$inferInsert;
export type RollupRow = typeof rollupsMinute.$inferSelect;

// ---- Alerts: the outbox the dispatcher delivers, and the bookkeeping that keeps alerts from repeating -----------

export const OUTBOX_STATES = ["pending", "delivered", "failed"] as const;

/**
 * One row per (event, channel), written in the transaction of the fact it reports, so a crash neither loses nor
 * invents an alert. `event` is the whole AlertEvent (lib/alerts/types.ts) as true when written; a channel is named,
 * never its URL or token. The unique key makes writing an event twice (a restart, a replay) a no-op.
 */
export const alertOutbox = sqliteTable(
  "alert_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventId: text("event_id").notNull(),
    channel: text("channel").notNull(),
    event: text("event", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    state: text("state", { enum: OUTBOX_STATES }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    /** Redacted by the dispatcher; a status code and a short reason, never a URL. */
    lastError: text("last_error"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    deliveredAt: integer("delivered_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("alert_outbox_event_channel_uq").on(t.eventId, t.channel),
    // Serves "the oldest pending row of a channel" (the head of its queue) and the pending/failed counts.
    index("alert_outbox_state_channel_idx").on(t.state, t.channel, t.id),
  ],
);

/**
 * Small alert states the recorder carries across results and restarts, one JSON value per key: a surface's incident
 * thread (which open incidents, when it last resolved: flapping folds into it), its disagreement, the monitor's network.
 */
export const alertStates = sqliteTable("alert_states", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

// ---- Feeds: what was published, once ------------------------------------------------------------------------

export const FEED_ITEM_EVENTS = ["opened", "acknowledged", "resolved", "correction"] as const;
/** The events an item tells first-hand; a correction names which of them it corrects. */
export const FEED_SUBJECTS = ["opened", "acknowledged", "resolved"] as const;

/**
 * Feed items as published by the worker (lib/publish/feed-items.ts), never updated: a reader who saw an item under a
 * GUID keeps seeing the same words. When the story changes later (the official page acknowledges late, its incident
 * vanishes), a new `correction` row is published instead. The web process only reads this table.
 */
export const feedItems = sqliteTable(
  "feed_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** "witness:<instance id>:m-12:opened"; a correction "…:acknowledged:c2". */
    guid: text("guid").notNull(),
    slug: text("slug").notNull(),
    event: text("event", { enum: FEED_ITEM_EVENTS }).notNull(),
    /** A correction's subject (the event it corrects); null for the others. */
    corrects: text("corrects", { enum: FEED_SUBJECTS }),
    /** When it happened (a correction: when it was published). */
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    title: text("title").notNull(),
    summary: text("summary").notNull(),
    /** A correction's corrected statement (its subject's words now; empty when withdrawn), compared on the next publish. */
    stated: text("stated", { mode: "json" }).$type<{ title: string; summary: string }>(),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }).notNull(),
    /** Its incident's scope: the feeds show `global` unless asked (?scope=regional or all); a hub's only are other. */
    scope: text("scope", { enum: SCOPES }).notNull().default("global"),
  },
  (t) => [
    uniqueIndex("feed_items_guid_uq").on(t.guid),
    // Serves the feed: the newest items of the last 90 days.
    index("feed_items_at_idx").on(t.at),
    // Serves the publisher: what was said of these incidents so far.
    index("feed_items_slug_idx").on(t.slug, t.id),
  ],
);

export type FeedItemRow = typeof feedItems.$inferSelect;
export type NewFeedItemRow = typeof feedItems.$inferInsert;

export type AlertOutboxRow = typeof alertOutbox.$inferSelect;
export type NewAlertOutboxRow = typeof alertOutbox.$inferInsert;

/**
 * The one-writer lease: at most one row (id 1), the worker that may write this file. Taken in a BEGIN IMMEDIATE
 * transaction at worker start, its heartbeat renewed every few seconds, stolen only once the heartbeat is stale
 * (lib/keep/writer-lease.ts). `token` tells this holder from a later one with the same pid on the same host.
 */
export const writerLeases = sqliteTable("writer_leases", {
  id: integer("id").primaryKey(),
  token: text("token").notNull(),
  holderPid: integer("holder_pid").notNull(),
  holderHost: text("holder_host").notNull(),
  startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
  heartbeatAt: integer("heartbeat_at", { mode: "timestamp_ms" }).notNull(),
  /** Ticks the holder skipped because a run of the same series was still going, since it started (for /metrics). */
  skippedTicks: integer("skipped_ticks").notNull().default(0),
  /** What the holder says is wrong with the database file (a WAL past its bound, checkpoints failing); null when nothing. */
  storageWarning: text("storage_warning"),
  /** The loopback port where a hub's worker takes vantages' batches (lib/vantage/hub-server.ts); null: none. */
  ingestPort: integer("ingest_port"),
});

export type WriterLeaseRow = typeof writerLeases.$inferSelect;

// ---- Vantages: results other places measured, shipped to this hub (lib/vantage/) ------------------------------

/**
 * What the hub knows of each vantage it has heard from, one row per id. Its secret is never here: it stays in the
 * hub's environment. `state` is derived when read (lib/vantage/state.ts), from these times.
 */
export const vantages = sqliteTable("vantages", {
  id: text("id").primaryKey(),
  lastBatchAt: integer("last_batch_at", { mode: "timestamp_ms" }),
  newestResultAt: integer("newest_result_at", { mode: "timestamp_ms" }),
  /** Rows the vantage said it still had to send with its last batch. */
  backlog: integer("backlog").notNull().default(0),
  /** Its signed timestamp minus the hub's clock at its last batch (positive: the vantage is ahead). */
  clockSkewMs: integer("clock_skew_ms"),
  accepted: integer("accepted").notNull().default(0),
  duplicates: integer("duplicates").notNull().default(0),
  rejected: integer("rejected").notNull().default(0),
  /** Results the vantage says it dropped unsent after 7 days, over its life. */
  dropped: integer("dropped").notNull().default(0),
  lastAuthFailureAt: integer("last_auth_failure_at", { mode: "timestamp_ms" }),
  lastAuthFailure: text("last_auth_failure"),
});

export type VantageRow = typeof vantages.$inferSelect;

/**
 * A vantage's side of shipping (one row, id 1): the last row the hub acknowledged, what was dropped unsent after 7
 * days, and the last probe plan the hub sent (kept, so the vantage probes on while the hub is away).
 */
export const shipState = sqliteTable("ship_state", {
  id: integer("id").primaryKey(),
  cursor: integer("cursor").notNull().default(0),
  dropped: integer("dropped").notNull().default(0),
  plan: text("plan", { mode: "json" }).$type<Record<string, unknown>>(),
  planFetchedAt: integer("plan_fetched_at", { mode: "timestamp_ms" }),
});
