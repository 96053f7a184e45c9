/** /history/YYYY-MM: one month of the incident history; any other month, or text, is a 404. */
import type { Metadata, ResolvingMetadata } from "next";
import { readData } from "@/app/_components/data";
import { livePreview } from "@/app/_components/preview-metadata";
import { HistoryPage } from "@/app/_components/history-page";
import { getHistorySpan, isHistoryMonth, monthName } from "@/lib/dashboard/history";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ month: string }> }, parent: ResolvingMetadata): Promise<Metadata> {
  const { month } = await params;
  // The page's own check (HistoryPage): a month outside the record is the not-found page, with no state in its preview.
  const span = readData("history-span", (db, _config, now) => getHistorySpan(db, now));
  const known = isHistoryMonth(span.status === "ok" ? span.data : null, month);
  return known ? { title: `History: ${monthName(month)}`, ...(await livePreview(parent)) } : { title: "History" };
}

export default async function HistoryMonthPage({ params }: { params: Promise<{ month: string }> }) {
  const { month } = await params;
  return <HistoryPage month={month} />;
}
