/** Reads of what the hub knows of each vantage (the `vantages` table). Writes live beside the ingest that decides them. */
import { asc } from "drizzle-orm";
import type { Db } from "@/db/client";
import { vantages, type VantageRow } from "@/db/schema";

type Reader = Pick<Db, "select">;

/** Every vantage the hub has heard from (or refused), by id; one row each, so a handful of rows. */
export function getVantageRows(db: Reader): VantageRow[] {
  return db.select().from(vantages).orderBy(asc(vantages.id)).all();
}
