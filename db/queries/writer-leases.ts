/** Reads and writes of the single writer_leases row. Whether a lease may be taken is decided in lib/keep/writer-lease.ts. */
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { writerLeases, type WriterLeaseRow } from "@/db/schema";

/** The lease is one row; its key is fixed so a second insert can only replace it. */
export const LEASE_ROW_ID = 1;

type Tx = Pick<Db, "select" | "insert" | "update" | "delete">;

export function getWriterLease(db: Tx): WriterLeaseRow | undefined {
  return db.select().from(writerLeases).where(eq(writerLeases.id, LEASE_ROW_ID)).get();
}

/** Write `lease` as the holder, replacing whoever held it (and the previous holder's counts and warning). */
export function putWriterLease(db: Tx, lease: Omit<WriterLeaseRow, "id" | "skippedTicks" | "storageWarning" | "ingestPort"> & { skippedTicks?: number }): void {
  const row = { id: LEASE_ROW_ID, skippedTicks: 0, storageWarning: null, ingestPort: null, ...lease };
  db.insert(writerLeases).values(row).onConflictDoUpdate({ target: writerLeases.id, set: row }).run();
}

/** Move the heartbeat of the lease held under `token`, with what the holder reports; false when it is no longer ours. */
export function touchWriterLease(db: Tx, token: string, at: Date, report: { skippedTicks?: number; storageWarning?: string | null } = {}): boolean {
  const set = { heartbeatAt: at, ...(report.skippedTicks === undefined ? {} : { skippedTicks: report.skippedTicks }), ...(report.storageWarning === undefined ? {} : { storageWarning: report.storageWarning }) };
  return db.update(writerLeases).set(set).where(and(eq(writerLeases.id, LEASE_ROW_ID), eq(writerLeases.token, token))).run().changes === 1;
}

/** Where the holder under `token` takes vantages' batches (lib/vantage/hub-server.ts); false when the lease is not ours. */
export function setIngestPort(db: Tx, token: string, port: number | null): boolean {
  return db.update(writerLeases).set({ ingestPort: port }).where(and(eq(writerLeases.id, LEASE_ROW_ID), eq(writerLeases.token, token))).run().changes === 1;
}

export function deleteWriterLease(db: Tx, token: string): void {
  db.delete(writerLeases).where(and(eq(writerLeases.id, LEASE_ROW_ID), eq(writerLeases.token, token))).run();
}
