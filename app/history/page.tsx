/** /history: the current month of the incident history, with links back to the month Witness began. */
import type { Metadata, ResolvingMetadata } from "next";
import { livePreview } from "@/app/_components/preview-metadata";
import { HistoryPage } from "@/app/_components/history-page";

// Rendered per request from data lib/web/cache.ts keeps fresh; never a copy on disk from another server or database.
export const dynamic = "force-dynamic";

export async function generateMetadata(_props: unknown, parent: ResolvingMetadata): Promise<Metadata> {
  return { title: "History", ...(await livePreview(parent)) };
}

export default function History() {
  return <HistoryPage month={null} />;
}
