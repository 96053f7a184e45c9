/**
 * Whether Witness read the official page over a window, so a page that found no official incident can say "posted
 * none" only for the minutes it was reading, and "did not read it" for the rest.
 */
import type { Config } from "@/lib/config";
import { formatUtcMoment } from "@/lib/dashboard/format";
import { readOfficialStates } from "@/lib/judge/report";
import { alignToMinute, MINUTE, O, type Window } from "@/lib/judge/timeline";
import type { Db } from "@/db/client";

/** The first minute of the window in which a reading of the page was in force for any surface; null: none was. */
export function readOfficialReadFrom(db: Db, config: Config, window: Window, now: number): number | null {
  const span = { from: alignToMinute(window.from), to: Math.min(window.to, now) };
  if (span.to <= span.from) return null;
  let first: number | null = null;
  for (const surface of config.surfaces) {
    // Claims only raise minutes already read, so the component readings alone say which minutes were read.
    const i = readOfficialStates(db, config, surface, span, now, []).findIndex((state) => state !== O.unknown);
    if (i !== -1 && (first === null || span.from + i * MINUTE < first)) first = span.from + i * MINUTE;
  }
  return first;
}

/** "Witness measured no outage, and the official page posted no incident, in this period.", said only as far as Witness read the page. */
export function describeNoIncidents(readFrom: number | null, window: Window, now: number, period: string): string {
  if (readFrom === null) return `Witness measured no outage ${period}. It did not read the official page ${period}, so it cannot say whether the page posted an incident.`;
  if (readFrom > alignToMinute(window.from)) return `Witness measured no outage ${period}, and the official page posted no incident while Witness read it (from ${formatUtcMoment(readFrom, now)}).`;
  return `Witness measured no outage, and the official page posted no incident, ${period}.`;
}

/** The words for a window with no incident at all, read from the database. */
export function readNoIncidentsWords(db: Db, config: Config, window: Window, now: number, period: string): string {
  return describeNoIncidents(readOfficialReadFrom(db, config, window, now), window, now, period);
}
