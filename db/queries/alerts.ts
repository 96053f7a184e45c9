/** Reads and writes of the alert outbox and the recorder's alert bookkeeping (small per-key states). */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { alertOutbox, alertStates, type AlertOutboxRow, type NewAlertOutboxRow } from "@/db/schema";

type Conn = Pick<Db, "insert" | "update" | "select" | "delete">;

/** Insert-or-ignore on (event id, channel): the same fact written twice (a restart, a replay) stays one row. Returns rows added. */
export function insertOutboxRows(db: Conn, rows: NewAlertOutboxRow[]): number {
  if (rows.length === 0) return 0;
  return db.insert(alertOutbox).values(rows).onConflictDoNothing({ target: [alertOutbox.eventId, alertOutbox.channel] }).run().changes;
}

/** The channels among `channels` that already hold a row for this event. */
export function getChannelsWithEvent(db: Conn, eventId: string, channels: string[]): Set<string> {
  if (channels.length === 0) return new Set();
  const rows = db
    .select({ channel: alertOutbox.channel })
    .from(alertOutbox)
    .where(and(eq(alertOutbox.eventId, eventId), inArray(alertOutbox.channel, channels)))
    .all();
  return new Set(rows.map((r) => r.channel));
}

/** The oldest pending row of a channel: the head of its queue, which every later row waits behind. */
export function getOutboxHead(db: Conn, channel: string): AlertOutboxRow | undefined {
  return db
    .select()
    .from(alertOutbox)
    .where(and(eq(alertOutbox.state, "pending"), eq(alertOutbox.channel, channel)))
    .orderBy(asc(alertOutbox.id))
    .limit(1)
    .get();
}

export function markOutboxDelivered(db: Conn, id: number, at: Date): void {
  db.update(alertOutbox).set({ state: "delivered", deliveredAt: at, attempts: sql`${alertOutbox.attempts} + 1` }).where(eq(alertOutbox.id, id)).run();
}

/** One attempt that did not succeed: the next one at `nextAttemptAt`, or (`failed`) none. */
export function markOutboxAttempt(db: Conn, id: number, p: { state: "pending" | "failed"; nextAttemptAt: Date; lastError: string }): void {
  db.update(alertOutbox)
    .set({ state: p.state, nextAttemptAt: p.nextAttemptAt, lastError: p.lastError, attempts: sql`${alertOutbox.attempts} + 1` })
    .where(eq(alertOutbox.id, id))
    .run();
}

/** Rows per state, for metrics and the CLI. */
export function countOutboxByState(db: Conn): Record<"pending" | "delivered" | "failed", number> {
  const out = { pending: 0, delivered: 0, failed: 0 };
  for (const r of db.select({ state: alertOutbox.state, n: sql<number>`count(*)` }).from(alertOutbox).groupBy(alertOutbox.state).all()) out[r.state] = r.n;
  return out;
}

export function getOutboxRows(db: Conn): AlertOutboxRow[] {
  return db.select().from(alertOutbox).orderBy(asc(alertOutbox.id)).all();
}

export function getAlertState(db: Conn, key: string): Record<string, unknown> | undefined {
  return db.select({ value: alertStates.value }).from(alertStates).where(eq(alertStates.key, key)).get()?.value;
}

export function saveAlertState(db: Conn, key: string, value: Record<string, unknown>, at: Date): void {
  db.insert(alertStates).values({ key, value, updatedAt: at }).onConflictDoUpdate({ target: alertStates.key, set: { value, updatedAt: at } }).run();
}

export function deleteAlertState(db: Conn, key: string): void {
  db.delete(alertStates).where(eq(alertStates.key, key)).run();
}
