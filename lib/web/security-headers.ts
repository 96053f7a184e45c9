/**
 * The security headers on every answer, whoever produces it: next.config.ts gives them to Next's own responses, and
 * the front server (lib/web/front.ts) puts them on the answers it makes itself (400, 405, cached pages). No `@/`
 * imports: next.config.ts loads this file before any alias exists.
 *
 * Content-Security-Policy: script-src keeps 'unsafe-inline' and has no nonce, on purpose: a nonce must be new on every
 * request, so Next.js can only stamp it on dynamically rendered pages (its own CSP guide), and a status page is the
 * page everyone reloads at once during an outage: its responses are served from an in-process snapshot
 * (lib/web/snapshot.ts), the same bytes to every visitor, which a per-request nonce would forbid. The App Router's
 * hydration data is inline `<script>self.__next_f.push(...)</script>` that differs per page and per render, so hashes
 * cannot be listed in a static header either. The risk 'unsafe-inline' leaves is HTML injection, and React escapes
 * every string it renders (incident titles from status.claude.com included); never use dangerouslySetInnerHTML with
 * stored data. What the policy does guarantee: no eval (no 'unsafe-eval' in production), no script, style, image, font
 * or connection from any other origin, no plugins, no <base> hijack, no framing, forms post only to us.
 *
 * style-src needs 'unsafe-inline' for the style attributes React and recharts write (SVG sizes, tooltip positions).
 * No upgrade-insecure-requests or HSTS: Witness is often self-hosted over plain http on a LAN or localhost, where
 * either would break the page; a TLS-terminating proxy in front should add HSTS itself.
 */
function contentSecurityPolicy(dev: boolean): string {
  const directives: Record<string, string[]> = {
    "default-src": ["'self'"],
    // React's dev build uses eval to rebuild server error stacks; only `next dev` gets it.
    "script-src": ["'self'", "'unsafe-inline'", ...(dev ? ["'unsafe-eval'"] : [])],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "manifest-src": ["'self'"],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(" ")}`)
    .join("; ");
}

/** Features a status page never uses; denying them limits what injected or third-party code could ask for. */
const PERMISSIONS_POLICY = [
  "accelerometer=()",
  "autoplay=()",
  "camera=()",
  "display-capture=()",
  "geolocation=()",
  "gyroscope=()",
  "magnetometer=()",
  "microphone=()",
  "midi=()",
  "payment=()",
  "usb=()",
  "browsing-topics=()",
].join(", ");

/** The headers every response carries, as `{ key, value }` pairs (the shape next.config.ts's headers() wants). */
export function securityHeaders(dev = false): { key: string; value: string }[] {
  return [
    { key: "Content-Security-Policy", value: contentSecurityPolicy(dev) },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "X-Frame-Options", value: "DENY" },
    { key: "Permissions-Policy", value: PERMISSIONS_POLICY },
    { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  ];
}
