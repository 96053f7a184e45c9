/**
 * The configured vantages as a public answer may show them (GET /api/v1/vantages, /methodology): picked field by field,
 * so the secret in the config can never reach a page, and the refusal reason only as one of a short error code's
 * characters, never free text, however the table grows.
 */
import type { Config } from "@/lib/config";
import { vantageViews, type VantageState } from "@/lib/vantage/state";
import type { Db } from "@/db/client";
import { getVantageRows } from "@/db/queries/vantages";
import type { VantageRow } from "@/db/schema";

export interface VantageListing {
  id: string;
  name: string;
  group: string | null;
  state: VantageState;
  /** ISO 8601 (UTC), or null: never. */
  lastBatchAt: string | null;
  newestResultAt: string | null;
  backlog: number;
  clockSkewMs: number | null;
  rejected: number;
  /** Results it dropped unsent after 7 days (the hub never had them), as it last said. */
  dropped: number;
  accepted: number;
  duplicates: number;
  /** Why its last refused request was refused ("bad_signature"), while it is refused (`auth_failing`); else null. */
  refusedFor: string | null;
}

// The ingest stores an error code ("bad_signature", "timestamp_out_of_tolerance"); anything else is not shown.
const ERROR_CODE = /^[a-z][a-z_]{0,39}$/;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The reason a vantage's request was refused, as a code a page may show, or null. */
export function refusalCode(raw: string | null): string | null {
  if (raw === null) return null;
  return ERROR_CODE.test(raw) ? raw : "other";
}

/** Every configured vantage at `now`, in config order; none configured: an empty list. */
export function listVantages(config: Pick<Config, "probes" | "quorum" | "vantages">, rows: readonly VantageRow[], now: number): VantageListing[] {
  return vantageViews(config, rows, now).map((v) => ({
    id: v.id,
    name: v.name,
    group: v.group,
    state: v.state,
    lastBatchAt: iso(v.lastBatchAt),
    newestResultAt: iso(v.newestResultAt),
    backlog: v.backlog,
    clockSkewMs: v.clockSkewMs,
    rejected: v.rejected,
    dropped: v.dropped,
    accepted: v.accepted,
    duplicates: v.duplicates,
    refusedFor: v.state === "auth_failing" ? refusalCode(v.lastAuthFailure) : null,
  }));
}

/** The answer of GET /api/v1/vantages, read from the database (the page's Vantages section reads the same). */
export function readVantageListing(db: Db, config: Pick<Config, "probes" | "quorum" | "vantages">, now: number): { vantages: VantageListing[] } {
  return { vantages: config.vantages.length === 0 ? [] : listVantages(config, getVantageRows(db), now) };
}
