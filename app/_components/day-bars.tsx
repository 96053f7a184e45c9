"use client";
/**
 * A surface's last 90 UTC days as two rows of bars, measured above official, following the .bars contract in
 * globals.css. The days arrive once, compactly (lib/dashboard/day-facts.ts); the one tooltip on screen, for the bar
 * hovered or focused, is made here. Without JavaScript the bars still show each day's state by colour and marker.
 */
import { useState, type FocusEvent, type MouseEvent } from "react";
import { unpackDays, type CompactDays } from "@/lib/dashboard/day-facts";
import type { DayBar } from "@/lib/dashboard/types";
import { formatDay, formatDuration, formatUptime, MEASURED, OFFICIAL, plural } from "@/lib/dashboard/format";

const MIN = 60_000;

function Tip({ day, today }: { day: DayBar; today: boolean }) {
  const measured = day.measuredUptime === null ? "no data" : `${MEASURED[day.measured].label}, ${formatUptime(day.measuredUptime)} uptime`;
  const official = day.officialUptime === null ? "unknown (not read)" : `${OFFICIAL[day.official].label}, ${formatUptime(day.officialUptime)} uptime`;
  const partlyNoData = day.measuredUptime !== null && day.noDataMinutes > 0;
  return (
    <span className="tip" role="tooltip">
      <span className="tip-title">
        {formatDay(day.day)}
        {today ? " (today, so far)" : ""}.
      </span>
      <span className="tip-line">Measured: {measured}.</span>
      <span className="tip-line">Official: {official}.</span>
      <span className="tip-line">{day.incidents === 0 ? "No measured incidents." : `${plural(day.incidents, "measured incident")}.`}</span>
      {day.officialUpMeasuredDownMinutes > 0 ? (
        <span className="tip-line tip-alert">{formatDuration(day.officialUpMeasuredDownMinutes * MIN)} official operational while measured down.</span>
      ) : null}
      {partlyNoData ? <span className="tip-line">No data for {formatDuration(day.noDataMinutes * MIN)}.</span> : null}
    </span>
  );
}

type Side = "measured" | "official";

/** Which bar of its row an event came from (no per-bar attribute: the HTML stays small). */
function barIndex(event: FocusEvent | MouseEvent): number | null {
  const li = (event.target as Element).closest?.("li.bar");
  return li?.parentElement ? Array.prototype.indexOf.call(li.parentElement.children, li) : null;
}

function Row({ name, days, side, active, onActive }: { name: string; days: DayBar[]; side: Side; active: number | null; onActive: (i: number | null) => void }) {
  const last = days.length - 1;
  return (
    <div className="bars-row">
      <span className="bars-label" aria-hidden="true">
        {side === "measured" ? "Measured" : "Official"}
      </span>
      <ol
        className="bars"
        aria-label={`${name}, ${side === "measured" ? "measured by Witness" : "official status page"}, last ${days.length} days, oldest first`}
        onFocus={(e) => onActive(barIndex(e))}
        onBlur={() => onActive(null)}
        onMouseOver={(e) => onActive(barIndex(e))}
        onMouseLeave={(e) => onActive(e.currentTarget.contains(document.activeElement) ? barIndex({ target: document.activeElement } as FocusEvent) : null)}
      >
        {days.map((day, i) => {
          const state = side === "measured" ? (day.measuredUptime === null ? "state-nodata" : MEASURED[day.measured].className) : day.officialUptime === null ? "state-unknown" : OFFICIAL[day.official].className;
          return (
            <li key={day.day} className={`bar ${state}`} tabIndex={0}>
              {active === i ? <Tip day={day} today={i === last} /> : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function DayBars({ name, packed }: { name: string; packed: CompactDays }) {
  const days = unpackDays(packed);
  const [active, setActive] = useState<{ side: Side; i: number } | null>(null);
  const onActive = (side: Side) => (i: number | null) => setActive(i === null ? null : { side, i });
  return (
    <div className="day-bars">
      <Row name={name} days={days} side="measured" active={active?.side === "measured" ? active.i : null} onActive={onActive("measured")} />
      <Row name={name} days={days} side="official" active={active?.side === "official" ? active.i : null} onActive={onActive("official")} />
      <p className="bars-axis">
        <span>
          <span className="only-wide">{days.length}</span>
          <span className="only-narrow">{Math.min(30, days.length)}</span> days ago
        </span>
        <span>Today</span>
      </p>
    </div>
  );
}
