/**
 * One month of /history: every incident that began in it, with links to the month before and after. A month outside
 * Witness's record (or not a month at all) is a 404 decided before any month is read, so no visitor can make the
 * server read or cache anything for it.
 */
import type { ReactNode } from "react";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getHistoryMonth, getHistorySpan, isHistoryMonth, monthName, monthOf, type HistoryMonth } from "@/lib/dashboard/history";
import { readData } from "@/app/_components/data";
import { NoData } from "@/app/_components/no-data";
import { IncidentCard } from "@/app/_components/incident-card";
import { DataReadAt } from "@/app/_components/data-read-at";

/** `month` null: the current month. */
export function HistoryPage({ month }: { month: string | null }) {
  const span = readData("history-span", (db, _config, now) => getHistorySpan(db, now));
  const spanData = span.status === "ok" ? span.data : null;
  if (month !== null && !isHistoryMonth(spanData, month)) notFound();
  if (span.status !== "ok" || spanData === null) {
    return (
      <Frame title="History" at={span.now}>
        <NoData status={span.status === "error" ? "error" : "empty"} what="the history" />
      </Frame>
    );
  }
  const wanted = month ?? spanData.last;
  const loaded = readData(`history:${wanted}`, (db, config, now) => getHistoryMonth(db, config, spanData, wanted, now));
  return (
    <Frame title={`History: ${monthName(wanted)}`} at={loaded.now}>
      {loaded.status === "ok" ? <Month page={loaded.data} now={loaded.now} since={spanData.first} /> : <NoData status={loaded.status} what="the history" />}
    </Frame>
  );
}

function Frame({ title, at, children }: { title: string; at: number; children: ReactNode }) {
  return (
    <div className="page" data-generated-at={at}>
      <header className="page-head">
        <h1>{title}</h1>
        <p className="lead">
          Every incident Witness measured and every incident the official page posted since Witness began, a month at a
          time. The last 90 days are also on the <Link href="/incidents">incidents page</Link>.
        </p>
        <DataReadAt at={at} />
      </header>
      {children}
    </div>
  );
}

function Month({ page, now, since }: { page: HistoryMonth; now: number; since: string }) {
  const measured = page.incidents.filter((i) => i.kind === "measured").length;
  const official = page.incidents.length - measured;
  return (
    <>
      <MonthNav page={page} />
      <p className="small muted history-since">
        Witness&rsquo;s record begins in {monthName(since)}
        {page.month === monthOf(now) ? "; this month so far." : "."}
      </p>
      {page.incidents.length === 0 ? (
        <div className="notice" role="status">
          <h2>No incidents in {monthName(page.month)}</h2>
          <p>{page.emptyWords}</p>
        </div>
      ) : (
        <section className="section" aria-label={`Incidents in ${monthName(page.month)}`}>
          <p className="small">
            {measured} measured, {official} official on their own.
          </p>
          <ol className="incident-list">
            {page.incidents.map((incident) => (
              <IncidentCard key={incident.slug} incident={incident} now={now} />
            ))}
          </ol>
        </section>
      )}
      <MonthNav page={page} />
    </>
  );
}

function MonthNav({ page }: { page: HistoryMonth }) {
  return (
    <nav className="history-nav" aria-label="Months">
      {page.prev ? (
        <Link href={`/history/${page.prev}`} rel="prev">
          ← {monthName(page.prev)}
        </Link>
      ) : (
        <span className="muted">Witness began this month</span>
      )}
      {page.next ? (
        <Link href={`/history/${page.next}`} rel="next">
          {monthName(page.next)} →
        </Link>
      ) : null}
    </nav>
  );
}
