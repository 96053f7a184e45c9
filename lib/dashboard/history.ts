/**
 * /history: every incident since Witness began, one UTC calendar month per page, beyond the 90 days of /incidents.
 * Months are `YYYY-MM`; only months from Witness's first measurement to now exist, so a visitor cannot make the
 * server read (or cache) anything for a month it never measured.
 */
import type { Config } from "@/lib/config";
import { listIncidentsBetween } from "@/lib/dashboard/incidents";
import { readNoIncidentsWords } from "@/lib/dashboard/official-reading";
import type { IncidentSummary } from "@/lib/dashboard/types";
import type { Db } from "@/db/client";
import { getEarliestMeasuredAt } from "@/db/queries/history";

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** `2026-08` of an instant (UTC). */
export function monthOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** [from, to) of a `YYYY-MM` month in epoch ms, or null when the text is not one. */
export function monthRange(month: string): { from: number; to: number } | null {
  const m = MONTH.exec(month);
  if (!m) return null;
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: Date.UTC(year, index, 1), to: Date.UTC(year, index + 1, 1) };
}

/** "August 2026". */
export function monthName(month: string): string {
  const range = monthRange(month);
  if (!range) return month;
  const d = new Date(range.from);
  return `${NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** The month before or after `month` (`YYYY-MM`). */
export function shiftMonth(month: string, by: number): string {
  const range = monthRange(month)!;
  const d = new Date(range.from);
  return monthOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + by, 1));
}

/** The months /history has: from Witness's first measurement's month to the current one; null with no data. */
export interface HistorySpan {
  first: string;
  last: string;
}

export function getHistorySpan(db: Db, now: number): HistorySpan | null {
  const earliest = getEarliestMeasuredAt(db);
  return earliest === null ? null : { first: monthOf(Math.min(earliest, now)), last: monthOf(now) };
}

/** Whether `month` is a well-formed month inside the span. `YYYY-MM` strings compare in calendar order. */
export function isHistoryMonth(span: HistorySpan | null, month: string): boolean {
  return span !== null && monthRange(month) !== null && month >= span.first && month <= span.last;
}

export interface HistoryMonth {
  month: string;
  /** Incidents that began in the month, newest first (one that spans a month's end is listed where it began). */
  incidents: IncidentSummary[];
  /** Said when there are none: "no incident" only as far as Witness read the official page in the month. */
  emptyWords: string;
  prev: string | null;
  next: string | null;
}

/** The page of one month of the span (the caller has checked it with isHistoryMonth). */
export function getHistoryMonth(db: Db, config: Config, span: HistorySpan, month: string, now: number): HistoryMonth {
  const { from, to } = monthRange(month)!;
  const incidents = listIncidentsBetween(db, config, from, Math.min(to, now + 1), now, "global").filter((i) => i.startedAt >= from && i.startedAt < to);
  const emptyWords = incidents.length ? "" : readNoIncidentsWords(db, config, { from, to: Math.min(to, now + 1) }, now, "in this month");
  const prev = shiftMonth(month, -1);
  const next = shiftMonth(month, 1);
  return { month, incidents, emptyWords, prev: prev >= span.first ? prev : null, next: next <= span.last ? next : null };
}
