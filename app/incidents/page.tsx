/**
 * The incident history: each measured incident with the official incidents that matched it on the same card (and
 * how late the page acknowledged it, or that it never did), and the official incidents Witness measured no impact
 * for, or was not running for, labelled as such. Newest first, grouped by UTC month.
 */
import type { Metadata, ResolvingMetadata } from "next";
import { livePreview } from "@/app/_components/preview-metadata";
import Link from "next/link";
import { listIncidents } from "@/lib/dashboard/incidents";
import { readNoIncidentsWords } from "@/lib/dashboard/official-reading";
import type { IncidentSummary } from "@/lib/dashboard/types";
import { readData } from "@/app/_components/data";
import { NoData } from "@/app/_components/no-data";
import { IncidentCard } from "@/app/_components/incident-card";
import { DataReadAt } from "@/app/_components/data-read-at";

// Rendered per request from data lib/web/cache.ts keeps fresh; never a copy on disk from another server or database.
export const dynamic = "force-dynamic";

export async function generateMetadata(_props: unknown, parent: ResolvingMetadata): Promise<Metadata> {
  return { title: "Incidents", ...(await livePreview(parent)) };
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function monthOf(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

const DAYS = 90;

export default function IncidentsPage() {
  const loaded = readData("incidents", (db, config, now) => {
    const incidents = listIncidents(db, config, now, DAYS);
    // Only an empty list needs to know how much of the window Witness read the official page.
    const emptyWords = incidents.length ? "" : readNoIncidentsWords(db, config, { from: now - DAYS * 86_400_000, to: now + 1 }, now, "in the last 90 days");
    return { incidents, emptyWords };
  });
  return (
    <div className="page" data-generated-at={loaded.now}>
      <header className="page-head">
        <h1>Incidents</h1>
        <p className="lead">
          The last 90 days: every incident Witness measured, with what the official status page said about it and how
          long it took, and the official page&rsquo;s own incidents for which Witness measured no impact. Older ones are
          in the <Link href="/history">history</Link>, month by month.
        </p>
        <DataReadAt at={loaded.now} />
      </header>
      {loaded.status === "ok" ? <IncidentList incidents={loaded.data.incidents} emptyWords={loaded.data.emptyWords} now={loaded.now} /> : <NoData status={loaded.status} what="the incident list" />}
    </div>
  );
}

function IncidentList({ incidents, emptyWords, now }: { incidents: IncidentSummary[]; emptyWords: string; now: number }) {
  if (incidents.length === 0) {
    return (
      <div className="notice" role="status">
        <h2>No incidents in the last 90 days</h2>
        <p>{emptyWords}</p>
      </div>
    );
  }
  const measured = incidents.filter((i) => i.kind === "measured");
  const ongoing = measured.filter((i) => i.endedAt === null).length;
  const never = measured.filter((i) => i.accountable && i.endedAt !== null && !i.acknowledged).length;
  const officialOnly = incidents.filter((i) => i.measuredImpact === "none").length;
  const notRunning = incidents.filter((i) => i.measuredImpact === "no_data").length;
  const months = new Map<string, IncidentSummary[]>();
  for (const incident of incidents) {
    const key = monthOf(incident.startedAt);
    months.set(key, [...(months.get(key) ?? []), incident]);
  }
  return (
    <>
      <ul className="summary-figures" aria-label="In the last 90 days">
        <li>
          <strong>{measured.length}</strong> measured {measured.length === 1 ? "incident" : "incidents"}
          {ongoing ? `, ${ongoing} ongoing` : ""}
        </li>
        <li>
          <strong>{never}</strong> never acknowledged by the official page
        </li>
        <li>
          <strong>{officialOnly}</strong> official {officialOnly === 1 ? "incident" : "incidents"} with no measured impact
        </li>
        {notRunning ? (
          <li>
            <strong>{notRunning}</strong> official {notRunning === 1 ? "incident" : "incidents"} from when Witness was not running
          </li>
        ) : null}
      </ul>
      {[...months.entries()].map(([month, list]) => (
        <section key={month} aria-labelledby={`month-${month.replace(" ", "-")}`} className="section">
          <h2 id={`month-${month.replace(" ", "-")}`}>{month}</h2>
          <ol className="incident-list">
            {list.map((incident) => (
              <IncidentCard key={incident.slug} incident={incident} now={now} />
            ))}
          </ol>
        </section>
      ))}
    </>
  );
}
