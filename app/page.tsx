/**
 * The five-second answer: every surface as measured now beside what the official page says, the sentence when they
 * disagree, how fresh Witness's own data is, then 90 days of daily bars both ways.
 */
import type { Metadata, ResolvingMetadata } from "next";
import Link from "next/link";
import { getStatusNow, headline, type Headline as HeadlineText } from "@/lib/dashboard/now";
import { packDays } from "@/lib/dashboard/day-facts";
import { getSurfaceDays } from "@/lib/dashboard/days";
import { describeNoResults, readWorkerState, type WorkerState } from "@/lib/dashboard/worker";
import type { StatusNow, SurfaceDays } from "@/lib/dashboard/types";
import { formatDuration, formatUptime } from "@/lib/dashboard/format";
import { readData } from "@/app/_components/data";
import { livePreview } from "@/app/_components/preview-metadata";
import { NoData } from "@/app/_components/no-data";
import { SurfaceNowCard } from "@/app/_components/surface-now";
import { DayBars } from "@/app/_components/day-bars";
import { BarsLegend } from "@/app/_components/bars-legend";
import { LocalTime } from "@/app/_components/local-time";
import { LiveStatus } from "@/app/_components/live-status";
import { DataReadAt } from "@/app/_components/data-read-at";
import { shortestIntervalMs } from "@/lib/config";

// Rendered per request from data lib/web/cache.ts keeps fresh; never a copy on disk from another server or database.
export const dynamic = "force-dynamic";

const TITLE = "Witness: is Claude up? Measured, beside the official status";

/** The tab carries the state ("✕ Claude API failing · Witness"); the same read as the page, so it costs nothing. */
export async function generateMetadata(_props: unknown, parent: ResolvingMetadata): Promise<Metadata> {
  const loaded = readHome();
  return { title: { absolute: loaded.status === "ok" ? headline(loaded.data.status).title : TITLE }, ...(await livePreview(parent)) };
}

function readHome() {
  return readData("home", (db, config, now) => ({ status: getStatusNow(db, config, now), days: getSurfaceDays(db, config, now), worker: readWorkerState(db, config, now) }));
}

/** Older than this, Witness's own newest result means the worker has probably stopped. */
const STALE_AFTER_MS = 5 * 60_000;

export default function Home() {
  const loaded = readHome();
  // Every probe interval: the live view asks for new data as often as there can be any.
  const everyMs = shortestIntervalMs(loaded.config);
  return (
    <div className="page" data-generated-at={loaded.now} data-tag={loaded.status === "ok" ? loaded.dataTag : undefined}>
      <header className="page-head">
        <h1>Claude status, measured</h1>
        {/* The answer first: on a phone it must be on the first screen, above the words about how Witness works. */}
        {loaded.status === "ok" ? <Headline status={loaded.data.status} /> : null}
        <p className="lead">
          Witness calls Claude every {formatDuration(everyMs)} from here and records what really happened, then sets it beside what the
          official status page said at the same time. Times are in your time zone (UTC on hover).
        </p>
        <DataReadAt at={loaded.now} />
        <LiveStatus intervalMs={everyMs} readAt={loaded.now} />
      </header>
      {loaded.status === "ok" ? <Dashboard status={loaded.data.status} days={loaded.data.days} worker={loaded.data.worker} now={loaded.now} /> : <NoData status={loaded.status} what="the dashboard" />}
    </div>
  );
}

function Dashboard({ status, days, worker, now }: { status: StatusNow; days: SurfaceDays[]; worker: WorkerState; now: number }) {
  return (
    <>
      <Freshness status={status} worker={worker} now={now} />

      <section aria-labelledby="now-title" className="section">
        <h2 id="now-title">Now</h2>
        <div className="stack">
          {status.surfaces.map((surface) => (
            <SurfaceNowCard key={surface.id} surface={surface} now={now} offline={!status.monitor.online} />
          ))}
        </div>
      </section>

      <section aria-labelledby="history-title" className="section">
        <div className="section-head">
          <h2 id="history-title">Last 90 days</h2>
          <p className="small muted">
            One bar a UTC day, measured by Witness above, the official page below. Hover or focus a bar for the day.
          </p>
        </div>
        {days.map((surface) => (
          <article key={surface.id} className="card history" aria-labelledby={`history-${surface.id}`}>
            <div className="card-head">
              <h3 id={`history-${surface.id}`}>{surface.name}</h3>
              <Link className="small" href={`/charts?window=90d#surface-${surface.id}`}>
                Charts<span className="sr-only"> for {surface.name}</span>
              </Link>
            </div>
            <dl className="uptime-figures">
              <div>
                <dt>Measured uptime</dt>
                <dd>{formatUptime(surface.measuredUptime)}</dd>
              </div>
              <div>
                <dt>Official uptime</dt>
                <dd>{formatUptime(surface.officialUptime)}</dd>
              </div>
              <div>
                <dt>Official operational while measured down</dt>
                <dd>{officialUpMeasuredDown(surface)}</dd>
              </div>
            </dl>
            <DayBars name={surface.name} packed={packDays(surface.days)} />
          </article>
        ))}
        <BarsLegend />
        <p className="small muted">
          The figures cover the last 90 days up to now, the same window as <code>/api/v1/uptime</code>. Uptime counts
          only the minutes each side was known: measured downtime is time inside a measured outage (degraded counts as
          up), over the minutes Witness measured; official downtime is time the page showed a partial or major outage,
          over the minutes Witness was reading the page. See the <Link href="/methodology">methodology</Link>.
        </p>
      </section>
    </>
  );
}

/** Minutes over the 90 days the page said operational while Witness measured an outage. */
function officialUpMeasuredDown(surface: SurfaceDays): string {
  const minutes = surface.officialUpMeasuredDownMinutes;
  return minutes === 0 ? "none" : formatDuration(minutes * 60_000);
}

/** One sentence for the whole page, worst first (lib/dashboard/now.ts headline). */
function Headline({ status }: { status: StatusNow }) {
  const { tone, parts }: HeadlineText = headline(status);
  return (
    <p className={`headline ${tone}`} role="status">
      {/* One inline run: the headline is a flex row (marker, sentence), and each time must not become an item of it. */}
      <span>{parts.map((part, i) => (typeof part === "string" ? part : <LocalTime key={i} at={part.at} yourTime />))}</span>
    </p>
  );
}

function Freshness({ status, worker, now }: { status: StatusNow; worker: WorkerState; now: number }) {
  const last = status.lastResultAt;
  const stale = last === null || now - last > STALE_AFTER_MS;
  return (
    <p className={`freshness small${stale ? " freshness-stale" : ""}`}>
      {last === null ? (
        <>{describeNoResults(worker).line}</>
      ) : (
        <>
          Witness&rsquo;s own data: newest result at <LocalTime at={last} seconds />
          {stale ? `, ${formatDuration(now - last)} old: the worker may be stopped, so "now" is not current` : ""}.
        </>
      )}
    </p>
  );
}
