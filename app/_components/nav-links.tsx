"use client";
/**
 * The site navigation; a client component only to mark the current page with aria-current. Home is a plain link: the
 * home page runs without React (lib/web/static-home.ts), so it must be loaded as a document, never rendered by the
 * client router. Nothing is prefetched: during an outage every open page would otherwise ask for four renders.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/", label: "Home" },
  { href: "/charts", label: "Charts" },
  { href: "/incidents", label: "Incidents" },
  { href: "/history", label: "History" },
  { href: "/methodology", label: "Methodology" },
] as const;

function isCurrent(pathname: string, href: string): boolean {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

export function NavLinks() {
  const pathname = usePathname() ?? "/";
  return (
    <nav aria-label="Main">
      <ul className="nav-list">
        {LINKS.map(({ href, label }) => (
          <li key={href}>
            {href === "/" ? (
              <a href={href} aria-current={isCurrent(pathname, href) ? "page" : undefined}>
                {label}
              </a>
            ) : (
              <Link href={href} prefetch={false} aria-current={isCurrent(pathname, href) ? "page" : undefined}>
                {label}
              </Link>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}
