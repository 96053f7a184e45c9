/**
 * The HTML and plain-text pages that stand in for a healthy JSON answer when something in front of the service
 * (Cloudflare, a load balancer, a maintenance switch) answers instead. Shared by all three targets.
 */
import type { OutgoingHttpHeaders } from "node:http";
import type { Fault } from "./faults";
import { REFUSALS } from "./refusals";
import { edgeHeaders, reply, type Outcome, type Reply } from "./wire";

/** Builds a target's usual headers for a given content-type (the API adds request-id and rate limits). */
export type HeadersFor = (contentType: string) => OutgoingHttpHeaders;

// nginx's stock page, which is what Cloudflare relays when the origin's gateway fails.
const BAD_GATEWAY_502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
`;

const MAINTENANCE_503 = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Service Unavailable</title></head>
<body>
<h1>Service Unavailable</h1>
<p>We are performing scheduled maintenance and will be back shortly.</p>
</body>
</html>
`;

const CF_522 = `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>claude.ai | 522: Connection timed out</title>
<meta charset="UTF-8" />
<meta name="robots" content="noindex, nofollow" />
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details" class="cf-error-details-wrapper">
<h1><span class="cf-error-type">Connection timed out</span> <span class="code-label">Error code 522</span></h1>
<p>The initial connection between Cloudflare's network and the origin web server timed out.</p>
</div>
</div>
</body>
</html>
`;

/** Cloudflare's managed-challenge page ("Just a moment..."); on its own it never clears. */
export const CHALLENGE = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow"><meta name="viewport" content="width=device-width,initial-scale=1"></head><body><div class="main-wrapper" role="main"><div class="main-content"><noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript></div></div><script>(function(){window._cf_chl_opt={cvId: '3',cType: 'managed'};}());</script></body></html>`;

const INTERNAL_500 = `<html>
<head><title>500 Internal Server Error</title></head>
<body>
<center><h1>500 Internal Server Error</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
`;

const GATEWAY_TIMEOUT_504 = `<html>
<head><title>504 Gateway Time-out</title></head>
<body>
<center><h1>504 Gateway Time-out</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
`;

/** A 200 HTML page where JSON belongs: a captive portal or a misrouted proxy. */
export const PORTAL_200 = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to continue</title></head>
<body><h1>Sign in to continue</h1><p>This network requires you to sign in before you can reach the internet.</p></body>
</html>
`;

/** The faults every target answers the same way: edge pages and refusals, hangs and resets. Null for anything else. */
export function edgeOutcome(fault: Fault, headersFor: HeadersFor): Outcome | null {
  const page = (status: number, type: string, body: string | Buffer, extra: OutgoingHttpHeaders = {}): Outcome =>
    reply(status, { ...headersFor(type), ...edgeHeaders(), ...extra }, body);
  switch (fault) {
    case "http_502_html":
      return page(502, "text/html", BAD_GATEWAY_502);
    case "http_503_html":
      return page(503, "text/html", MAINTENANCE_503);
    case "cf_522":
      return page(522, "text/html", CF_522);
    case "cf_522_json":
      return page(522, "application/json; charset=utf-8", REFUSALS.cf522Problem);
    case "region_forbidden":
      return page(403, "application/json", REFUSALS.regionForbidden);
    case "region_unavailable":
      return page(403, "application/json", REFUSALS.regionUnavailable);
    case "forbidden_1010":
      return page(403, "text/plain; charset=UTF-8", "error code: 1010");
    case "challenge":
      return page(403, "text/html", CHALLENGE, {
        "cf-mitigated": "challenge",
        "cache-control": "private, max-age=0, no-store, no-cache, must-revalidate, post-check=0, pre-check=0",
      });
    case "hang":
      return { kind: "hang" };
    case "reset_before_headers":
      return { kind: "reset" };
    default:
      return null;
  }
}

/**
 * A page-serving target's (web, status) answer under a fault, given its healthy reply. Faults that only make sense
 * for the Messages API fall through to the healthy reply.
 */
export function pageOutcome(fault: Fault, healthy: Reply, headersFor: HeadersFor): Outcome {
  const edge = edgeOutcome(fault, headersFor);
  if (edge) return edge;
  const withEdge = (type: string): OutgoingHttpHeaders => ({ ...headersFor(type), ...edgeHeaders() });
  switch (fault) {
    case "http_500":
      return reply(500, withEdge("text/html"), INTERNAL_500);
    case "http_504":
      return reply(504, withEdge("text/html"), GATEWAY_TIMEOUT_504);
    case "rate_limited":
      return reply(429, { ...withEdge("text/plain; charset=UTF-8"), "retry-after": "17" }, "error code: 1015");
    case "reset_after_headers":
      return { kind: "reply", reply: healthy, delivery: "half_then_reset" };
    case "stream_stall":
      return { kind: "reply", reply: healthy, delivery: "half_then_stall" };
    case "one_byte_chunks":
      return { kind: "reply", reply: healthy, delivery: "one_byte" };
    case "gzip":
    case "br":
    case "deflate":
      return { kind: "reply", reply: healthy, delivery: "whole", encoding: { name: fault, bytes: "compressed" } };
    default:
      return { kind: "reply", reply: healthy, delivery: "whole" };
  }
}
