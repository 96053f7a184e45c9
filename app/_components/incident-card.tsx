/** One incident on a list (/incidents, /history): its kind, severity, span, and what the official page said. */
import Link from "next/link";
import type { IncidentSummary } from "@/lib/dashboard/types";
import { formatPercent, humanise, plural } from "@/lib/dashboard/format";
import { AckBadge, KindTag, SeverityBadge, Span, VanishedNote } from "@/app/_components/incident-bits";

export function IncidentCard({ incident, now }: { incident: IncidentSummary; now: number }) {
  const href = `/incidents/${encodeURIComponent(incident.slug)}`;
  const measured = incident.kind === "measured";
  return (
    <li className={`card incident-card incident-${incident.kind}${incident.endedAt === null ? " incident-ongoing" : ""}`}>
      <div className="incident-tags">
        <KindTag kind={incident.kind} />
        <SeverityBadge severity={incident.severity} />
        {incident.surfaceName ? <span className="muted small">{incident.surfaceName}</span> : <span className="muted small">All surfaces</span>}
        <AckBadge incident={incident} />
      </div>
      <h3 className="incident-title">
        <Link href={href}>{incident.title}</Link>
      </h3>
      <p className="incident-meta small">
        <Span incident={incident} now={now} />
      </p>
      {measured ? (
        <p className="small">
          {plural(incident.series.length, "series", "series")} failing
          {incident.models.length ? ` (${incident.models.join(", ")})` : ""}
          {incident.peakFailureRatio !== null ? `, peak ${formatPercent(incident.peakFailureRatio)} of requests failing` : ""}
          {incident.errorMix ? `. Errors: ${incident.errorMix}.` : "."}
          {!incident.accountable ? (incident.scope === "global" || incident.scope === null ? " Too short to grade." : ` Not graded: ${incident.scope}.`) : ""}
          {incident.vantages.length > 0 ? ` Seen from ${incident.vantages.map((v) => v.name).join(", ")}.` : ""}
        </p>
      ) : (
        <p className="small">
          The official page posted this incident ({incident.official[0]?.impact ?? "unknown"} impact, {humanise(incident.official[0]?.status ?? "unknown")}
          ){incident.official[0]?.vanished ? ", then dropped it without a resolution" : ""}. {officialAloneText(incident)}
        </p>
      )}
      {measured && incident.official.length > 0 ? (
        <div className="matched">
          <p className="matched-label small">Official page</p>
          <ul className="small">
            {incident.official.map((o) => (
              <li key={o.id}>
                <span className="official-title">{o.name}</span> <span className="muted">({o.impact} impact)</span>
                <VanishedNote vanished={o.vanished} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </li>
  );
}

/** What Witness measured while an official incident it matched to nothing was open. */
function officialAloneText(incident: IncidentSummary): string {
  const where = incident.surfaceName ?? "any surface";
  if (incident.measuredImpact === "no_data") {
    return incident.measuredMinutes
      ? `Witness was not running for part of it: it measured ${plural(incident.measuredMinutes, "minute")} of ${incident.minutes ?? "?"}, with no failures on ${where} in those.`
      : "Witness was not running then, so it cannot say what users saw.";
  }
  return `Witness measured no failures on ${where} at the time.`;
}
