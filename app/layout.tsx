import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import Link from "next/link";
import { headers } from "next/headers";
import { NavLinks } from "@/app/_components/nav-links";
import { Subscribe } from "@/app/_components/subscribe";
import { DemoBanner } from "@/app/_components/demo-banner";
import { getWebContext } from "@/lib/web/context";
import { feedLinks, linkToken, pageBase } from "@/lib/web/page-base";
import "./globals.css";

const DESCRIPTION = "Measured availability and latency of Claude, set beside what the official status page said.";

/**
 * The head of every page: feeds as rel=alternate links. No data: the link preview with the state now is each page's
 * own (app/_components/preview-metadata.ts), since the not-found page is wrapped by this layout too.
 */
export async function generateMetadata(): Promise<Metadata> {
  const { config } = getWebContext();
  const base = pageBase(config, (await headers()).get("host"));
  const feeds = feedLinks(base, linkToken(config));
  return {
    // og:image (app/opengraph-image.tsx) must be absolute for a chat's unfurler: this is the base it is resolved on.
    metadataBase: new URL(`${base}/`),
    title: { default: "Witness: an independent status page for Claude", template: "%s · Witness" },
    description: DESCRIPTION,
    applicationName: "Witness",
    alternates: { types: Object.fromEntries(feeds.map((f) => [f.type, [{ url: f.url, title: `Witness incidents (${f.label})` }]])) },
  };
}

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { config } = getWebContext();
  const base = pageBase(config, (await headers()).get("host"));
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        {config.isDemo ? <DemoBanner /> : null}
        <header className="site-header">
          <div className="container site-header-inner">
            <a href="/" className="brand">
              Witness
            </a>
            <NavLinks />
            <div className="header-extra">
              <a href="#subscribe" className="header-subscribe">
                Subscribe
              </a>
              <a href={config.statusPageUrl} rel="noopener" className="official-link">
                Official status page
              </a>
            </div>
          </div>
        </header>
        <main id="main" className="container" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <div className="container">
            <Subscribe base={base} readToken={linkToken(config)} surfaces={config.surfaces.map((s) => ({ id: s.id, name: s.name }))} />
            <p className="muted">
              Witness is an independent monitor, not affiliated with Anthropic. Every number here was measured by this
              instance; see the <Link href="/methodology">methodology</Link>.
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
