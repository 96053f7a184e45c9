/** /history/YYYY-MM: one month of the incident history; any other month, or text, is a 404. */
import type { Metadata } from "next";
import { HistoryPage } from "@/app/_components/history-page";
import { monthName, monthRange } from "@/lib/dashboard/history";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ month: string }> }): Promise<Metadata> {
  const { month } = await params;
  return { title: monthRange(month) ? `History: ${monthName(month)}` : "History" };
}

export default async function HistoryMonthPage({ params }: { params: Promise<{ month: string }> }) {
  const { month } = await params;
  return <HistoryPage month={month} />;
}
