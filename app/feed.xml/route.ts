/** /feed.xml: incident events as RSS 2.0 (lib/web/feeds.ts). */
import { serveFeed } from "@/lib/web/feeds";
import { getWebContext } from "@/lib/web/context";

// Read from the database on every request; the response's own validators and max-age do the caching.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(request: Request): Promise<Response> {
  return serveFeed(request, "rss", getWebContext(), Date.now());
}
