/** Pieces shared by the incident list and the incident page. */
import type { IncidentSummary } from "@/lib/dashboard/types";
import { formatAck, formatDuration, formatUtc, formatUtcTime, severityState } from "@/lib/dashboard/format";
import { Time } from "@/app/_components/state";

export function SeverityBadge({ severity }: { severity: string }) {
  const { className, label } = severityState(severity);
  return <span className={`state ${className}`}>{label}</span>;
}

export function KindTag({ kind }: { kind: IncidentSummary["kind"] }) {
  return kind === "measured" ? <span className="tag tag-measured">Measured</span> : <span className="tag tag-official">Official only</span>;
}

/** What Witness measured while an official incident was open, in a few words: "Witness was not running then". */
export function measuredImpactText(incident: Pick<IncidentSummary, "measuredImpact" | "minutes" | "measuredMinutes">): string {
  switch (incident.measuredImpact) {
    case "measured":
      return "Measured impact";
    case "none":
      return "No measured impact";
    case "no_data":
      return incident.measuredMinutes ? "Witness was not running for part of it" : "Witness was not running then";
    default:
      return "";
  }
}

/** How the official page answered: a badge whose words carry the meaning (the colour only repeats it). */
export function AckBadge({ incident }: { incident: IncidentSummary }) {
  if (incident.kind !== "measured") return <span className="ack ack-none">{measuredImpactText(incident)}</span>;
  // A hub's incident below the quorum is not the official page's to acknowledge.
  if (incident.scope === "regional" || incident.scope === "unconfirmed") return <span className="ack ack-none">{incident.scope === "regional" ? "Regional: not graded" : "Unconfirmed: not graded"}</span>;
  const text = formatAck(incident);
  // Within 15 minutes is what the grade scores full marks; an incident too short to grade is never an accusation.
  const tone = !incident.accountable
    ? "ack-none"
    : !incident.acknowledged
      ? incident.endedAt === null
        ? "ack-pending"
        : "ack-never"
      : (incident.ackDelayMs ?? 0) > 15 * 60_000
        ? "ack-late"
        : "ack-ok";
  return <span className={`ack ${tone}`}>{text.charAt(0).toUpperCase() + text.slice(1)}</span>;
}

/** "21 Nov 2026, 23:52 UTC – 01:39 UTC (1 h 47 min)" or "… – ongoing (24 min so far)". */
export function Span({ incident, now }: { incident: Pick<IncidentSummary, "startedAt" | "endedAt">; now: number }) {
  const { startedAt, endedAt } = incident;
  const sameDay = endedAt !== null && new Date(startedAt).toISOString().slice(0, 10) === new Date(endedAt).toISOString().slice(0, 10);
  return (
    <>
      <Time at={startedAt}>{formatUtc(startedAt)}</Time> to{" "}
      {endedAt === null ? (
        <strong>ongoing</strong>
      ) : (
        <Time at={endedAt}>{sameDay ? formatUtcTime(endedAt) : formatUtc(endedAt)}</Time>
      )}{" "}
      ({formatDuration((endedAt ?? now) - startedAt)}
      {endedAt === null ? " so far" : ""})
    </>
  );
}

/** Said beside an official incident that left the page unresolved: its end is only when Witness last saw it. */
export function VanishedNote({ vanished }: { vanished: boolean }) {
  return vanished ? <span className="vanished"> (vanished from the official page without a resolution; closed when last seen)</span> : null;
}

/** A link to the official incident only when it is an https URL (the value comes from a third party). */
export function safeShortlink(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}
