import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import Link from "next/link";
import { NavLinks } from "@/app/_components/nav-links";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Witness: an independent status page for Claude", template: "%s · Witness" },
  description: "Measured availability and latency of Claude, set beside what the official status page said.",
  applicationName: "Witness",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="container site-header-inner">
            <Link href="/" className="brand">
              Witness
            </Link>
            <NavLinks />
          </div>
        </header>
        <main id="main" className="container" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <div className="container">
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
