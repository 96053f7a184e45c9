/**
 * This database's instance id: a short random word made once, so the event ids, PagerDuty keys and feed GUIDs of two
 * Witness installs never collide at a receiver that takes both ("incident.opened:m-1" twice would be deduplicated
 * away). Kept in alert_states, which every database has, under one key.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { getAlertState, saveAlertState } from "@/db/queries/alerts";

const KEY = "instance";

/** The id, made now if there is none (the writer's side: the worker and the one-off probe). */
export function ensureInstanceId(db: Db): string {
  const existing = readInstanceId(db);
  if (existing) return existing;
  const id = `w${randomBytes(4).toString("hex")}`;
  saveAlertState(db, KEY, { id }, new Date());
  return id;
}

/** The id, or null when no writer has made one yet (the web process reads it; it never writes). */
export function readInstanceId(db: Db): string | null {
  const value = getAlertState(db, KEY)?.id;
  return typeof value === "string" ? value : null;
}
