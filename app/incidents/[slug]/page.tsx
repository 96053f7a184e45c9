/**
 * One incident: its summary and a timeline interleaving what Witness measured with what the official page posted,
 * each entry labelled with its source. Unknown or malformed slugs are a 404. Official titles and update bodies are
 * third-party text and are rendered as text only.
 */
import type { Metadata, ResolvingMetadata } from "next";
import { livePreview } from "@/app/_components/preview-metadata";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { getIncident } from "@/lib/dashboard/incidents";
import type { IncidentDetail, TimelineEntry } from "@/lib/dashboard/types";
import { describeSeries, formatAck, formatDay, formatDuration, formatPercent, formatPosted, formatUtc, formatUtcTime, humanise } from "@/lib/dashboard/format";
import { readData } from "@/app/_components/data";
import { NoData } from "@/app/_components/no-data";
import { AckBadge, KindTag, measuredImpactText, safeShortlink, SeverityBadge, Span, VanishedNote } from "@/app/_components/incident-bits";
import { Time } from "@/app/_components/state";
import { DataReadAt } from "@/app/_components/data-read-at";

// Rendered per request from data lib/web/cache.ts keeps fresh; never a copy on disk from another server or database.
export const dynamic = "force-dynamic";

/** `m-<number>` (measured) or `o-<Statuspage id>` (official alone); anything else is not an incident. */
const SLUG = /^(?:m-\d{1,15}|o-[A-Za-z0-9_-]{1,64})$/;

type Props = { params: Promise<{ slug: string }> };

const load = cache((slug: string) => readData(`incident:${slug}`, (db, config, now) => getIncident(db, config, slug, now)));

export async function generateMetadata({ params }: Props, parent: ResolvingMetadata): Promise<Metadata> {
  const { slug } = await params;
  if (!SLUG.test(slug)) return { title: "Incident not found" };
  const loaded = load(slug);
  // An unknown incident is the not-found page: no state in its preview.
  return loaded.status === "ok" && loaded.data ? { title: loaded.data.title, ...(await livePreview(parent)) } : { title: "Incident" };
}

export default async function IncidentPage({ params }: Props) {
  const { slug } = await params;
  if (!SLUG.test(slug)) notFound();
  const loaded = load(slug);
  if (loaded.status === "empty" || (loaded.status === "ok" && loaded.data === null)) notFound();
  return (
    <div className="page" data-generated-at={loaded.now}>
      <p className="breadcrumb small">
        <Link href="/incidents">← All incidents</Link>
      </p>
      <DataReadAt at={loaded.now} />
      {loaded.status === "ok" && loaded.data ? (
        <Incident incident={loaded.data} now={loaded.now} />
      ) : (
        <>
          <h1>Incident</h1>
          <NoData status="error" what="this incident" />
        </>
      )}
    </div>
  );
}

/** What a hub's scope means, said once on the incident page. */
const SCOPE_WORDS: Record<"global" | "regional" | "unconfirmed", string> = {
  global: "global: failing from a quorum of the hub's vantages",
  regional: "regional: failing from fewer than the quorum while the others succeed; likely a network path, not Claude (not graded)",
  unconfirmed: "unconfirmed: the only vantage reporting was failing (not graded)",
};

function Incident({ incident, now }: { incident: IncidentDetail; now: number }) {
  const measured = incident.kind === "measured";
  return (
    <>
      <header className="page-head">
        <div className="incident-tags">
          <KindTag kind={incident.kind} />
          <SeverityBadge severity={incident.severity} />
          <span className="muted small">{incident.surfaceName ?? "All surfaces"}</span>
          <AckBadge incident={incident} />
        </div>
        <h1 className="incident-h1">{incident.title}</h1>
        <p className="small muted">
          <Span incident={incident} now={now} />
        </p>
      </header>

      <section aria-labelledby="summary-title" className="card">
        <h2 id="summary-title">Summary</h2>
        <dl className="facts">
          <dt>Surface</dt>
          <dd>{incident.surfaceName ?? "All surfaces (the incident names no component Witness measures)"}</dd>
          <dt>Started</dt>
          <dd>
            <Time at={incident.startedAt}>{formatUtc(incident.startedAt, { seconds: true })}</Time>
            {measured ? <span className="muted"> (first failing result)</span> : null}
          </dd>
          <dt>Ended</dt>
          <dd>
            {incident.endedAt === null ? (
              <strong>Ongoing</strong>
            ) : (
              <>
                <Time at={incident.endedAt}>{formatUtc(incident.endedAt, { seconds: true })}</Time>
                {measured ? <span className="muted"> (first result of the recovery)</span> : null}
                {!measured && incident.official[0]?.vanished ? <span className="muted"> (when Witness last saw it on the page: it vanished without a resolution)</span> : null}
              </>
            )}
          </dd>
          <dt>Duration</dt>
          <dd>
            {formatDuration((incident.endedAt ?? now) - incident.startedAt)}
            {incident.endedAt === null ? " so far" : ""}
          </dd>
          <dt>Severity</dt>
          <dd>
            <SeverityBadge severity={incident.severity} />
          </dd>
          {measured ? (
            <>
              <dt>Peak failure ratio</dt>
              <dd>{formatPercent(incident.peakFailureRatio)} of requests in the detector&rsquo;s window</dd>
              <dt>Error mix</dt>
              <dd>{incident.errorMix ?? "none recorded"}</dd>
              <dt>Series</dt>
              <dd>
                <ul className="plain">
                  {incident.series.map((s) => (
                    <li key={s}>
                      {describeSeries(s).label} <code className="muted">{s}</code>
                    </li>
                  ))}
                </ul>
              </dd>
              <dt>Models</dt>
              <dd>{incident.models.length ? incident.models.join(", ") : "none (keyless series)"}</dd>
              {incident.vantages.length > 0 ? (
                <>
                  <dt>Scope</dt>
                  <dd>
                    {SCOPE_WORDS[incident.scope ?? "global"]}
                    {incident.confirmedLate ? " (confirmed late, by a vantage that caught up: not paged)" : ""}
                  </dd>
                  <dt>Seen from</dt>
                  <dd>
                    <ul className="plain">
                      {incident.vantages.map((v) => (
                        <li key={v.id}>
                          {v.name} <code className="muted">{v.id}</code>: first failure <Time at={v.firstFailureAt}>{formatUtc(v.firstFailureAt, { seconds: true })}</Time>
                        </li>
                      ))}
                    </ul>
                  </dd>
                </>
              ) : null}
              {incident.lateNotes.length > 0 ? (
                <>
                  <dt>Reported late</dt>
                  <dd>
                    <ul className="plain">
                      {incident.lateNotes.map((note) => (
                        <li key={note}>{note}</li>
                      ))}
                    </ul>
                  </dd>
                </>
              ) : null}
              <dt>Sample request ids</dt>
              <dd>
                {incident.sampleRequestIds.length ? (
                  <ul className="plain request-ids">
                    {incident.sampleRequestIds.map((id) => (
                      <li key={id}>
                        <code>{id}</code>
                      </li>
                    ))}
                  </ul>
                ) : (
                  "none recorded"
                )}
              </dd>
              <dt>Acknowledgement</dt>
              <dd>
                {formatAck(incident)}
                {!incident.accountable ? <span className="muted"> (too short to grade)</span> : null}
              </dd>
            </>
          ) : (
            <>
              <dt>Measured impact</dt>
              <dd>
                <MeasuredImpact incident={incident} />
              </dd>
            </>
          )}
          <dt>Official {incident.official.length === 1 ? "incident" : "incidents"}</dt>
          <dd>
            {incident.official.length === 0 ? (
              "none posted"
            ) : (
              <ul className="plain">
                {incident.official.map((o) => {
                  const link = safeShortlink(o.shortlink);
                  return (
                    <li key={o.id}>
                      <span className="official-title">{o.name}</span>{" "}
                      <span className="muted">
                        ({o.impact} impact, {humanise(o.status)}, {formatPosted(o, now)})
                      </span>
                      <VanishedNote vanished={o.vanished} />
                      {link ? (
                        <>
                          {" "}
                          <a href={link} rel="noopener noreferrer nofollow">
                            on status.claude.com
                          </a>
                        </>
                      ) : null}
                    </li>
                  );
                })}
              </ul>
            )}
          </dd>
        </dl>
      </section>

      {incident.screenshot ? <Screenshot shot={incident.screenshot} ongoing={incident.endedAt === null} /> : null}

      <section aria-labelledby="timeline-title" className="section">
        <h2 id="timeline-title">Timeline</h2>
        <p className="small muted">Measured entries are Witness&rsquo;s own results; official entries are the updates the status page posted, quoted as posted. Times are UTC.</p>
        <Timeline entries={incident.timeline} />
      </section>
    </>
  );
}

/** The page as the browser probe last saw it failing during the incident: people would rather see it than read about it. */
function Screenshot({ shot, ongoing }: { shot: NonNullable<IncidentDetail["screenshot"]>; ongoing: boolean }) {
  const when = formatUtc(shot.takenAt, { seconds: true });
  return (
    <section aria-labelledby="screenshot-title" className="section">
      <h2 id="screenshot-title">What the browser saw</h2>
      <figure className="screenshot">
        <a href={`/api/v1/screenshots/${shot.id}`}>
          <img src={`/api/v1/screenshots/${shot.id}`} alt={`claude.ai in the browser probe at ${when}${shot.errorClass ? ` (${shot.errorClass})` : ""}`} width={640} height={400} loading="lazy" />
        </a>
        <figcaption className="small muted">
          {ongoing ? "The latest failed load, at" : "The last failed load before the incident ended, at"} <Time at={shot.takenAt}>{when}</Time>
          {shot.errorClass ? (
            <>
              {" "}
              (<code>{shot.errorClass}</code>)
            </>
          ) : null}
          .
        </figcaption>
      </figure>
    </section>
  );
}

/** What Witness measured while an official incident was open: a link to what it matched, or why it has nothing. */
function MeasuredImpact({ incident }: { incident: IncidentDetail }) {
  const where = incident.surfaceName ?? "any surface";
  if (incident.measuredImpact === "measured") {
    return (
      <>
        Witness measured an incident on {where} at the time:{" "}
        {incident.measuredSlugs.map((slug, i) => (
          <span key={slug}>
            {i > 0 ? ", " : ""}
            <Link href={`/incidents/${slug}`}>{slug}</Link>
          </span>
        ))}
      </>
    );
  }
  if (incident.measuredImpact === "no_data") {
    return incident.measuredMinutes ? (
      <>
        {measuredImpactText(incident)}: Witness measured {incident.measuredMinutes} of its {incident.minutes} minutes on {where}, with no incident in those; it cannot
        speak for the rest
      </>
    ) : (
      <>{measuredImpactText(incident)}: Witness has no results from while this was open, so it cannot say what users saw</>
    );
  }
  return <>none: Witness measured no incident on {where} while this was open</>;
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <p className="muted">No entries.</p>;
  let lastDay = "";
  return (
    <ol className="timeline">
      {entries.map((entry, i) => {
        const day = new Date(entry.at).toISOString().slice(0, 10);
        const showDay = day !== lastDay;
        lastDay = day;
        return (
          <li key={`${entry.at}-${i}`} className={`tl tl-${entry.source}`}>
            <p className="tl-when">
              {showDay ? <span className="tl-day">{formatDay(entry.at)}</span> : null}
              <Time at={entry.at}>{formatUtcTime(entry.at, { seconds: true })}</Time>
            </p>
            <div className="tl-body">
              <p className="tl-head">
                <span className={`tag ${entry.source === "measured" ? "tag-measured" : "tag-official"}`}>{entry.source === "measured" ? "Measured" : "Official"}</span>{" "}
                <span className="tl-label">{entry.source === "measured" ? entry.label : humaniseLabel(entry.label)}</span>
              </p>
              {entry.text ? (
                entry.source === "measured" ? (
                  <p className="small muted">
                    {describeSeries(entry.text).label} <code>{entry.text}</code>
                  </p>
                ) : (
                  <p className="tl-text">{entry.text}</p>
                )
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** "investigating (Elevated errors…)" → "Investigating (Elevated errors…)". */
function humaniseLabel(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}
