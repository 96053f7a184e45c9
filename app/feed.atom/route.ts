/** /feed.atom: incident events as Atom 1.0 (lib/web/feeds.ts). */
import { serveFeed } from "@/lib/web/feeds";
import { getWebContext } from "@/lib/web/context";

// Read from the database on every request; the response's own validators and max-age do the caching.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(request: Request): Promise<Response> {
  return serveFeed(request, "atom", getWebContext(), Date.now());
}
