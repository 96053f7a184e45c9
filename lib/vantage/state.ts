/**
 * What the hub knows of each configured vantage, and the one word for its health. Read from the `vantages` table the
 * ingest keeps (lib/vantage/ingest.ts); the secret stays in the config, never here.
 *
 * - `auth_failing`: after its last accepted batch it sent a request its own secret signed with a clock more than 5 min
 *   off (lib/vantage/ingest.ts records no other refusal: a bad signature could come from anyone): it is trying, and
 *   the hub refuses it.
 * - `silent`: no batch for SILENT_INTERVALS of the plan's shortest interval (at least a minute), or never.
 * - `late`: batches arrive, but its newest result is older than `quorum.freshIntervals` intervals, or it says it has
 *   rows left to send: it is catching up.
 * - `live`: otherwise.
 */
import { shortestIntervalMs, type Config } from "@/lib/config";
import type { VantageRow } from "@/db/schema";

export const VANTAGE_STATES = ["live", "late", "silent", "auth_failing"] as const;
export type VantageState = (typeof VANTAGE_STATES)[number];

/** Without a batch for this many of the shortest probe intervals, a vantage is silent. */
export const SILENT_INTERVALS = 3;
/** However short the intervals, a vantage gets this long: it ships every 5 s, and a hub restart takes a while. */
export const MIN_SILENT_MS = 60_000;

export interface VantageView {
  id: string;
  name: string;
  group: string | null;
  state: VantageState;
  lastBatchAt: number | null;
  newestResultAt: number | null;
  backlog: number;
  clockSkewMs: number | null;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Results it dropped unsent after 7 days, as it last said. */
  dropped: number;
  lastAuthFailureAt: number | null;
  lastAuthFailure: string | null;
}

/** How long without a batch a vantage may go before it is silent. */
export function silentAfterMs(config: Pick<Config, "probes">): number {
  return Math.max(MIN_SILENT_MS, SILENT_INTERVALS * shortestIntervalMs(config));
}

/** The state of one vantage at `now`, from its row (undefined: never heard from). */
export function vantageState(row: VantageRow | undefined, config: Pick<Config, "probes" | "quorum">, now: number): VantageState {
  const lastBatchAt = row?.lastBatchAt?.getTime() ?? null;
  const authFailedAt = row?.lastAuthFailureAt?.getTime() ?? null;
  if (authFailedAt !== null && (lastBatchAt === null || authFailedAt > lastBatchAt) && now - authFailedAt < silentAfterMs(config)) return "auth_failing";
  if (lastBatchAt === null || now - lastBatchAt > silentAfterMs(config)) return "silent";
  const newest = row?.newestResultAt?.getTime() ?? null;
  const freshMs = config.quorum.freshIntervals * shortestIntervalMs(config);
  if ((row?.backlog ?? 0) > 0 || newest === null || now - newest > freshMs) return "late";
  return "live";
}

/** Every configured vantage as the hub sees it now, in config order. */
export function vantageViews(config: Pick<Config, "probes" | "quorum" | "vantages">, rows: readonly VantageRow[], now: number): VantageView[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return config.vantages.map((v) => {
    const row = byId.get(v.id);
    return {
      id: v.id,
      name: v.name,
      group: v.group,
      state: vantageState(row, config, now),
      lastBatchAt: row?.lastBatchAt?.getTime() ?? null,
      newestResultAt: row?.newestResultAt?.getTime() ?? null,
      backlog: row?.backlog ?? 0,
      clockSkewMs: row?.clockSkewMs ?? null,
      accepted: row?.accepted ?? 0,
      duplicates: row?.duplicates ?? 0,
      rejected: row?.rejected ?? 0,
      dropped: row?.dropped ?? 0,
      lastAuthFailureAt: row?.lastAuthFailureAt?.getTime() ?? null,
      lastAuthFailure: row?.lastAuthFailure ?? null,
    };
  });
}
