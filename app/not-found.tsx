import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <section className="not-found" aria-labelledby="not-found-title">
      <p className="muted">404</p>
      <h1 id="not-found-title">Page not found</h1>
      <p>There is nothing at this address. It may have moved, or the link may be mistyped.</p>
      <p>
        <a href="/">Go to the current status</a> or see the <Link href="/incidents">incident history</Link>.
      </p>
    </section>
  );
}
