/**
 * The absolute base of the links a page hands out (feed URLs in its head and its Subscribe box, badge snippets, the
 * og:image of a link preview): WITNESS_PUBLIC_URL, else `feed.siteUrl`, else the Host the page was requested with, the
 * same order the feeds use (lib/web/feeds.ts linkBase). A Host that is not a plain host[:port] is never echoed into a
 * link: then the links are relative to `http://localhost:PORT`, which a preview cannot fetch but no visitor can steer.
 * Behind a TLS proxy the scheme is only known from WITNESS_PUBLIC_URL, which is why it is the documented way.
 */
import type { Config } from "@/lib/config";
import { FEED_FORMATS, type FeedFormat } from "@/lib/web/feeds";
import { hostOf } from "@/lib/web/http";
import { getDashboardAuth } from "@/lib/web/auth";

/** `https://status.example.com` (no trailing slash) for a page requested with Host `host`. */
export function pageBase(config: Config, host: string | null): string {
  if (config.publicUrl) return config.publicUrl;
  if (config.feed.siteUrl) return config.feed.siteUrl.replace(/\/+$/, "");
  const valid = hostOf(host);
  return valid === null ? `http://localhost:${config.port}` : `http://${valid}`;
}

export const FEED_LABELS: Record<FeedFormat, { label: string; type: string }> = {
  rss: { label: "RSS", type: "application/rss+xml" },
  atom: { label: "Atom", type: "application/atom+xml" },
  json: { label: "JSON Feed", type: "application/feed+json" },
};

/**
 * The three feeds' absolute URLs, in the order they are offered. In private mode they carry the read token (never the
 * password): a feed reader cannot send the password, and only someone who has it sees a page that shows them.
 */
export function feedLinks(base: string, readToken: string | null = null): { format: FeedFormat; label: string; type: string; url: string }[] {
  return (Object.keys(FEED_FORMATS) as FeedFormat[]).map((format) => ({ format, ...FEED_LABELS[format], url: `${base}${FEED_FORMATS[format].path}${tokenQuery(readToken)}` }));
}

/** `?token=…` for a URL a reader or a README image fetches without the password; empty outside private mode. */
export function tokenQuery(readToken: string | null): string {
  return readToken ? `?token=${encodeURIComponent(readToken)}` : "";
}

/** Private mode's read token for the links a page hands out, or null when the dashboard is public. */
export function linkToken(config: Config): string | null {
  return getDashboardAuth(config.dashboardPassword)?.readToken ?? null;
}
