/**
 * One surface now: what Witness measured beside what the official page says, the sentence when they disagree,
 * since when, and every series behind it.
 */
import Link from "next/link";
import type { SurfaceNow } from "@/lib/dashboard/types";
import { describeSeries, formatDuration, formatMs, formatPercent, formatPosted, humanise, MEASURED } from "@/lib/dashboard/format";
import { modelName } from "@/lib/dashboard/models";
import { MeasuredBadge, OfficialBadge } from "@/app/_components/state";
import { LocalTime } from "@/app/_components/local-time";
import { VerdictTable } from "@/app/_components/verdict-table";

/** `offline`: Witness's own network is down, so no data here means it cannot see, not that nothing ran. */
export function SurfaceNowCard({ surface, now, offline = false }: { surface: SurfaceNow; now: number; offline?: boolean }) {
  const headingId = `now-${surface.id}`;
  const failing = surface.series.filter((s) => s.state === "down" || s.state === "degraded").length;
  const up = surface.series.filter((s) => s.state === "up").length;
  return (
    <article className={`card surface-now${surface.disagreement ? " has-disagreement" : ""}`} aria-labelledby={headingId}>
      <div className="card-head">
        <h3 id={headingId}>{surface.name}</h3>
        <Link className="small" href={`/charts#surface-${surface.id}`}>
          Charts<span className="sr-only"> for {surface.name}</span>
        </Link>
      </div>

      <div className="versus">
        <div className="versus-side">
          <p className="versus-label">Measured now</p>
          <p className="versus-state">
            <MeasuredBadge state={surface.measured} large />
          </p>
          <p className="small muted">
            {surface.since !== null ? (
              <>
                since <LocalTime at={surface.since} /> ({formatDuration(now - surface.since)})
                {surface.failureWords !== null ? `: ${surface.failureWords}` : ""}
              </>
            ) : surface.notMeasured !== null ? (
              `not measured by this install: ${surface.notMeasured}`
            ) : surface.measured === "nodata" ? (
              offline ? "Witness cannot reach the internet" : "no recent results"
            ) : (
              `${up} of ${surface.series.length} series up`
            )}
          </p>
        </div>
        <div className="versus-side">
          <p className="versus-label">Official now</p>
          <p className="versus-state">
            <OfficialBadge state={surface.official} large />
          </p>
          <p className="small muted">
            {surface.officialStatus === null ? "no recent reading of status.claude.com" : `component status: ${humanise(surface.officialStatus)}`}
            {surface.officialIncidents.length > 0 ? `, ${surface.officialIncidents.length} open incident${surface.officialIncidents.length === 1 ? "" : "s"}` : ""}
          </p>
          {surface.officialLatest ? (
            <div className="official-latest small">
              <p>
                Latest official update, <LocalTime at={surface.officialLatest.at} refAt={now} /> ({humanise(surface.officialLatest.status)}):
              </p>
              <blockquote className="official-latest-body">{surface.officialLatest.body}</blockquote>
              <p>
                <a href={surface.officialLatest.url} rel="noopener noreferrer external">
                  {surface.officialLatest.incidentName}
                </a>{" "}
                on the official page
              </p>
            </div>
          ) : null}
        </div>
      </div>

      {surface.verdict ? (
        <>
          <p className={`verdict verdict-${surface.verdict.scope ?? "none"}`}>{surface.verdict.headline}</p>
          <VerdictTable name={surface.name} verdict={surface.verdict} now={now} />
        </>
      ) : null}

      {surface.disagreement ? (
        <p className="disagreement">
          <span className="disagreement-label">They disagree.</span> {surface.disagreement}
        </p>
      ) : null}

      {surface.officialIncidents.length > 0 ? (
        <div className="official-open">
          <p className="small muted">Open on the official page:</p>
          <ul className="small">
            {surface.officialIncidents.map((o) => (
              <li key={o.id}>
                <Link href={`/incidents/o-${encodeURIComponent(o.id)}`}>{o.name}</Link> ({humanise(o.status)}, {o.impact} impact, {o.backdated ? formatPosted(o, now) : <>since <LocalTime at={o.createdAt} refAt={now} /></>})
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {surface.series.length > 0 ? (
        <>
        <div className="table-wrap" tabIndex={0} role="region" aria-label={`${surface.name}: series`}>
          <table className="series-table">
            <caption className="sr-only">
              {surface.name}: each series now{failing ? `, ${failing} of ${surface.series.length} failing` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Series</th>
                <th scope="col">State</th>
                <th scope="col">Last result</th>
                <th scope="col" className="num col-opt">
                  Total
                </th>
                <th scope="col" className="num col-opt">
                  TTFT
                </th>
              </tr>
            </thead>
            <tbody>
              {surface.series.map((s) => (
                <tr key={s.series}>
                  <th scope="row">
                    <span className="series-kind">{describeSeries(s.series).kind}</span>
                    {s.model ? (
                      <span className="series-model" title={s.model}>
                        {modelName(s.model)}
                      </span>
                    ) : null}
                  </th>
                  <td>
                    <span className={MEASURED[s.state].className}>{MEASURED[s.state].label}</span>
                    {s.since !== null ? (
                      <span className="small muted block">
                        since <LocalTime at={s.since} />
                        {s.failureRatio !== null ? `, ${formatPercent(s.failureRatio)} failing` : ""}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    {s.lastAt === null ? (
                      <span className="muted">none</span>
                    ) : (
                      <>
                        <LocalTime at={s.lastAt} seconds />
                        <span className="small muted block">{s.lastOutcome === "up" ? "ok" : `${s.lastOutcome}${s.lastErrorClass ? `: ${s.lastErrorClass}` : ""}`}</span>
                        {/* Phones drop the two timing columns: their figures move here. */}
                        <span className="small muted narrow-only">total {formatMs(s.lastTotalMs)}</span>
                        {s.lastTtftMs !== null ? <span className="small muted narrow-only">TTFT {formatMs(s.lastTtftMs)}</span> : null}
                      </>
                    )}
                  </td>
                  <td className="num col-opt">{formatMs(s.lastTotalMs)}</td>
                  <td className="num col-opt">{formatMs(s.lastTtftMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="scroll-hint small muted" aria-hidden="true">
            Scroll the table sideways for every column →
          </p>
        </div>
        </>
      ) : (
        <p className="small muted">No series measured for this surface yet.</p>
      )}
    </article>
  );
}
