/**
 * A surface's last 90 UTC days as two rows of bars, measured above official, following the .bars contract in
 * globals.css. The days arrive once, compactly, in `data-days` (lib/dashboard/day-facts.ts); the one tooltip on
 * screen, for the bar hovered or focused, is made by lib/web/client/day-tips.ts. Without JavaScript the bars still
 * show each day's state by colour and marker.
 */
import { unpackDays, type CompactDays } from "@/lib/dashboard/day-facts";
import type { DayBar } from "@/lib/dashboard/types";
import { MEASURED, OFFICIAL } from "@/lib/dashboard/format";

type Side = "measured" | "official";

function Row({ name, days, side }: { name: string; days: DayBar[]; side: Side }) {
  return (
    <div className="bars-row">
      <span className="bars-label" aria-hidden="true">
        {side === "measured" ? "Measured" : "Official"}
      </span>
      <ol className="bars" aria-label={`${name}, ${side === "measured" ? "measured by Witness" : "official status page"}, last ${days.length} days, oldest first`}>
        {days.map((day) => {
          const state = side === "measured" ? (day.measuredUptime === null ? "state-nodata" : MEASURED[day.measured].className) : day.officialUptime === null ? "state-unknown" : OFFICIAL[day.official].className;
          // Focusable only once lib/web/client/day-tips.ts runs, the script that gives a focused bar its tooltip.
          return <li key={day.day} className={`bar ${state}`} />;
        })}
      </ol>
    </div>
  );
}

export function DayBars({ name, packed }: { name: string; packed: CompactDays }) {
  const days = unpackDays(packed);
  return (
    <div className="day-bars" data-days={JSON.stringify(packed)}>
      <Row name={name} days={days} side="measured" />
      <Row name={name} days={days} side="official" />
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
