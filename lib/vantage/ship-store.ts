/**
 * A vantage's shipping queue on its own database: its results (vantage `local`) after the cursor in ship_state, in id
 * order. Shipping never deletes a result: the vantage keeps its own history as any install does; "dropped" moves the
 * cursor past results the hub did not take within the retention, and counts them.
 */
import { and, count, eq, gt, gte, lt, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { getLocalResultsAfter, rowToProbeResult } from "@/db/queries/probe-results";
import { LOCAL_VANTAGE, probeResults, shipState } from "@/db/schema";
import type { ShipStore } from "@/lib/vantage/shipper";

const ROW = 1;

export class SqliteShipStore implements ShipStore {
  constructor(private readonly db: Db) {}

  pending(afterId: number, limit: number) {
    return getLocalResultsAfter(this.db, { afterId, limit }).map((row) => ({ id: row.id, startedAtMs: row.startedAt.getTime(), result: rowToProbeResult(row) }));
  }

  cursor(): number {
    return this.db.select({ cursor: shipState.cursor }).from(shipState).where(eq(shipState.id, ROW)).get()?.cursor ?? 0;
  }

  advance(toId: number): void {
    this.db
      .insert(shipState)
      .values({ id: ROW, cursor: toId })
      .onConflictDoUpdate({ target: shipState.id, set: { cursor: sql`max(${shipState.cursor}, ${toId})` } })
      .run();
  }

  backlog(afterId: number): number {
    return this.db.select({ n: count() }).from(probeResults).where(and(eq(probeResults.vantage, LOCAL_VANTAGE), gt(probeResults.id, afterId))).get()?.n ?? 0;
  }

  /** Moves the cursor past the unsent results that started before `cutoffMs` up to the first newer one; how many. */
  dropOlderThan(cutoffMs: number, afterId: number): number {
    return this.db.transaction((tx) => {
      const after = and(eq(probeResults.vantage, LOCAL_VANTAGE), gt(probeResults.id, afterId));
      const firstNewer = tx.select({ id: sql<number>`min(${probeResults.id})` }).from(probeResults).where(and(after, gte(probeResults.startedAt, new Date(cutoffMs)))).get()?.id ?? null;
      const upTo = firstNewer === null ? null : firstNewer - 1;
      const old = tx
        .select({ n: count(), last: sql<number | null>`max(${probeResults.id})` })
        .from(probeResults)
        .where(and(after, lt(probeResults.startedAt, new Date(cutoffMs)), upTo === null ? undefined : sql`${probeResults.id} <= ${upTo}`))
        .get();
      if (!old || old.n === 0 || old.last === null) return 0;
      tx.insert(shipState)
        .values({ id: ROW, cursor: old.last, dropped: old.n })
        .onConflictDoUpdate({ target: shipState.id, set: { cursor: sql`max(${shipState.cursor}, ${old.last})`, dropped: sql`${shipState.dropped} + ${old.n}` } })
        .run();
      return old.n;
    });
  }

  /** Results dropped unsent over the vantage's life. */
  dropped(): number {
    return this.db.select({ dropped: shipState.dropped }).from(shipState).where(eq(shipState.id, ROW)).get()?.dropped ?? 0;
  }

  /** The last plan the hub sent, or null. */
  savedPlan(): unknown {
    return this.db.select({ plan: shipState.plan }).from(shipState).where(eq(shipState.id, ROW)).get()?.plan ?? null;
  }

  savePlan(plan: Record<string, unknown>, at: Date): void {
    this.db.insert(shipState).values({ id: ROW, plan, planFetchedAt: at }).onConflictDoUpdate({ target: shipState.id, set: { plan, planFetchedAt: at } }).run();
  }
}
