/**
 * The link-preview tags of a page (OpenGraph and Twitter): each surface's measured and official state now, so a link
 * pasted into a chat shows whether Claude is up. Every page with content adds them to its metadata; the root layout
 * does not, so the not-found page (which the layout also wraps) reads no data and carries no state: a 404 costs no
 * database read, and in private mode a miss never shows what the dashboard knows.
 */
import type { Metadata, ResolvingMetadata } from "next";
import { headers } from "next/headers";
import { readData } from "@/app/_components/data";
import { getStatusNow } from "@/lib/dashboard/now";
import { linkPreview } from "@/lib/dashboard/preview";
import { getWebContext } from "@/lib/web/context";
import { pageBase } from "@/lib/web/page-base";

/**
 * `openGraph` and `twitter` with the state now; spread into a page's metadata. `parent` (the page's generateMetadata
 * second argument) brings the image of app/opengraph-image.tsx along, which a page's own `openGraph` would replace.
 */
export async function livePreview(parent: ResolvingMetadata): Promise<Pick<Metadata, "openGraph" | "twitter">> {
  const base = pageBase(getWebContext().config, (await headers()).get("host"));
  const { openGraph, twitter } = await parent;
  const loaded = readData("status-now", (db, config, now) => getStatusNow(db, config, now));
  const preview = linkPreview(loaded.status === "ok" ? loaded.data : null);
  return {
    openGraph: { type: "website", siteName: "Witness", title: preview.title, description: preview.description, url: `${base}/`, images: openGraph?.images },
    twitter: { card: "summary_large_image", title: preview.title, description: preview.description, images: twitter?.images },
  };
}
