/**
 * A surface's last 90 UTC days as two rows of bars, measured above official, following the .bars contract in
 * globals.css: each bar is focusable and carries its day's facts as a tooltip (and as its text alternative).
 */
import type { DayBar, SurfaceDays } from "@/lib/dashboard/types";
import { formatDay, formatDuration, formatUptime, MEASURED, OFFICIAL, plural } from "@/lib/dashboard/format";

const MIN = 60_000;

function Tip({ day, today }: { day: DayBar; today: boolean }) {
  const measured = day.measuredUptime === null ? "no data" : `${MEASURED[day.measured].label}, ${formatUptime(day.measuredUptime)} uptime`;
  const official = day.officialUptime === null ? "unknown (not read)" : `${OFFICIAL[day.official].label}, ${formatUptime(day.officialUptime)} uptime`;
  const partlyNoData = day.measuredUptime !== null && day.noDataMinutes > 0;
  return (
    <span className="tip">
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

function Row({ surface, side }: { surface: SurfaceDays; side: "measured" | "official" }) {
  const last = surface.days.length - 1;
  return (
    <div className="bars-row">
      <span className="bars-label" aria-hidden="true">
        {side === "measured" ? "Measured" : "Official"}
      </span>
      <ol className="bars" aria-label={`${surface.name}, ${side === "measured" ? "measured by Witness" : "official status page"}, last ${surface.days.length} days, oldest first`}>
        {surface.days.map((day, i) => {
          const state = side === "measured" ? (day.measuredUptime === null ? "state-nodata" : MEASURED[day.measured].className) : day.officialUptime === null ? "state-unknown" : OFFICIAL[day.official].className;
          return (
            <li key={day.day} className={`bar ${state}`} tabIndex={0}>
              <Tip day={day} today={i === last} />
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function DayBars({ surface }: { surface: SurfaceDays }) {
  return (
    <div className="day-bars">
      <Row surface={surface} side="measured" />
      <Row surface={surface} side="official" />
      <p className="bars-axis">
        <span>
          <span className="only-wide">{surface.days.length}</span>
          <span className="only-narrow">{Math.min(30, surface.days.length)}</span> days ago
        </span>
        <span>Today</span>
      </p>
    </div>
  );
}

/** What the bar patterns mean; shown once under the bars. */
export function BarsLegend() {
  const items = [
    ["state-up", "Up / operational"],
    ["state-degraded", "Degraded"],
    ["state-down", "Down / outage"],
    ["state-maintenance", "Maintenance"],
    ["state-nodata", "No data (Witness not running)"],
    ["state-unknown", "Official state unknown"],
  ] as const;
  return (
    <ul className="legend" aria-label="What the bars mean">
      {items.map(([className, label]) => (
        <li key={className}>
          <span className={`swatch bar ${className}`} aria-hidden="true" />
          {label}
        </li>
      ))}
    </ul>
  );
}
