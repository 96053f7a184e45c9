/** /history: the current month of the incident history, with links back to the month Witness began. */
import type { Metadata } from "next";
import { HistoryPage } from "@/app/_components/history-page";

// Rendered per request from data lib/web/cache.ts keeps fresh; never a copy on disk from another server or database.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "History" };

export default function History() {
  return <HistoryPage month={null} />;
}
