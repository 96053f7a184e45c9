/** Reads and writes of published feed items. Rows are only ever inserted: a published item never changes. */
import { and, asc, desc, gte, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { feedItems, type FeedItemRow, type NewFeedItemRow, type Scope } from "@/db/schema";

type Conn = Pick<Db, "insert" | "select">;

/** Insert-or-ignore on the GUID: an item published twice (a restart, a replay) stays the first one. Returns rows added. */
export function insertFeedItems(db: Conn, rows: NewFeedItemRow[]): number {
  if (rows.length === 0) return 0;
  return db.insert(feedItems).values(rows).onConflictDoNothing({ target: feedItems.guid }).run().changes;
}

/** Every item published about these incidents, oldest publication first. */
export function getFeedItemsBySlugs(db: Conn, slugs: readonly string[]): FeedItemRow[] {
  if (slugs.length === 0) return [];
  return db.select().from(feedItems).where(inArray(feedItems.slug, [...slugs])).orderBy(asc(feedItems.id)).all();
}

/** The items the feed shows: those of these scopes (default global) that happened since `since`, newest first. */
export function getFeedItemsSince(db: Pick<Db, "select">, params: { since: Date; scopes?: readonly Scope[] }): FeedItemRow[] {
  return db
    .select()
    .from(feedItems)
    .where(and(gte(feedItems.at, params.since), inArray(feedItems.scope, [...(params.scopes ?? ["global"])])))
    .orderBy(desc(feedItems.at), desc(feedItems.id))
    .all();
}
