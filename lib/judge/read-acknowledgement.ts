/** The acknowledgement of a measured span on one surface, read from the database (lib/judge/acknowledgement.ts decides). */
import type { Config, Surface } from "@/lib/config";
import { acknowledgementOf, POST_HOC_MS, type Acknowledgement, type MeasuredSpan } from "@/lib/judge/acknowledgement";
import { readPageReading, toOfficialView } from "@/lib/judge/report";
import type { Db } from "@/db/client";
import { getOfficialIncidentsRange } from "@/db/queries/official";

export function readAcknowledgement(db: Db, config: Config, surface: Surface, span: MeasuredSpan, now: number): Acknowledgement {
  const grace = config.incidents.matchGraceMinutes * 60_000;
  const end = span.endedAt ?? now;
  // Every incident whose stated span reaches the measured one (± grace): old open ones included, for their updates.
  const rows = getOfficialIncidentsRange(db, { from: new Date(span.startedAt - grace), to: new Date(Math.min(end + POST_HOC_MS, now + 1)) });
  const reading = readPageReading(db, config);
  return acknowledgementOf(span, rows.map((row) => toOfficialView(row, reading)), surface.componentId, { graceMs: grace, now });
}
