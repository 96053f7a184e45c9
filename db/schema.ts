/**
 * The database schema: one row per probe run, the columns are the ProbeResult contract
 * (probes/types.ts). Change it only together with a new migration (`npm run db:generate`).
 */
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ERROR_CLASSES, OUTCOMES, PROBE_KINDS } from "@/probes/types";

export const probeResults = sqliteTable(
  "probe_results",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
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
  },
  (t) => [
    // Serves "one series over a time range" (getResultsBySeriesSince, charts, uptime windows).
    index("probe_results_series_started_at_idx").on(t.series, t.startedAt),
    // Serves "latest results" across all series and pruning rows older than a cutoff.
    index("probe_results_started_at_idx").on(t.startedAt),
  ],
);

export type ProbeResultRow = typeof probeResults.$inferSelect;
export type NewProbeResultRow = typeof probeResults.$inferInsert;
