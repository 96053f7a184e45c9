/**
 * HTTP plumbing shared by the feeds, the badges and the JSON API: JSON bodies with open CORS, errors that name what
 * is wrong, and conditional GET (ETag / Last-Modified → 304) for documents that readers poll.
 */
import { createHash } from "node:crypto";

/** Every API answer is public data: any origin may read it, and a 15 s cache absorbs a page of pollers. */
export const API_CACHE = "public, max-age=15";
/** Feed readers and badge image proxies revisit every few minutes anyway; a minute spares the database. */
export const DOCUMENT_CACHE = "public, max-age=60";

const CORS = { "Access-Control-Allow-Origin": "*" };

/** A JSON response with the API's CORS and cache headers; a server error is never cached. */
export function json(body: unknown, status = 200, cacheControl = status < 500 ? API_CACHE : "no-store"): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...CORS, "Content-Type": "application/json; charset=utf-8", "Cache-Control": cacheControl },
  });
}

/** `{ "error": "<parameter>: <what is wrong>" }` with the given status. */
export function apiError(status: number, error: string): Response {
  return json({ error }, status);
}

/** The answer to a CORS preflight: GET only, and the conditional headers a polling script may send. */
export function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...CORS,
      "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
      "Access-Control-Allow-Headers": "If-None-Match, If-Modified-Since",
      "Access-Control-Max-Age": "86400",
    },
  });
}

/**
 * Run a handler; an unexpected exception becomes a 500 JSON answer without its message (which could carry a file
 * path or SQL), logged on the server instead. Bad input never gets here: it is a 400 from validation.
 */
export async function guarded(handler: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (err) {
    console.error(`witness web: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return apiError(500, "internal error");
  }
}

/** A strong validator: the quoted sha256 of the exact bytes sent. */
export function strongEtag(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url")}"`;
}

/**
 * RFC 9110 §13.1: If-None-Match wins when present (weak comparison, `*` matches); otherwise If-Modified-Since,
 * compared at the one-second resolution of HTTP dates. An unparsable date is ignored, as the RFC requires.
 */
export function isNotModified(request: Request, etag: string, lastModified: Date | null): boolean {
  return isNotModifiedBy(request.headers.get("if-none-match"), request.headers.get("if-modified-since"), [etag], lastModified?.getTime() ?? null);
}

/** isNotModified on raw header values, for any of a resource's `etags` (the front server's encodings). */
export function isNotModifiedBy(ifNoneMatch: string | null | undefined, ifModifiedSince: string | null | undefined, etags: string[], lastModifiedMs: number | null): boolean {
  if (ifNoneMatch !== null && ifNoneMatch !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
    const own = new Set(etags.map(opaque));
    return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || own.has(opaque(tag)));
  }
  const since = Date.parse(ifModifiedSince ?? "");
  return lastModifiedMs !== null && !Number.isNaN(since) && Math.floor(lastModifiedMs / 1000) <= Math.floor(since / 1000);
}

export interface Document {
  body: string;
  contentType: string;
  /** Null when the document has no meaningful date (a badge): then only the ETag validates. */
  lastModified: Date | null;
  cacheControl: string;
  /** A request header the body depends on (`Host` when links follow it), so shared caches keep one copy per value. */
  vary?: string | null;
  /** The data's state (lib/web/cache.ts Snapshot.dataTag), sent as X-Witness-Data-Tag. */
  dataTag?: string;
}

/** 200 with the document and its validators, or 304 with the validators and no body when the client has it. */
export function conditionalResponse(request: Request, doc: Document): Response {
  const etag = strongEtag(doc.body);
  const headers: Record<string, string> = { ...CORS, ETag: etag, "Cache-Control": doc.cacheControl };
  if (doc.lastModified) headers["Last-Modified"] = doc.lastModified.toUTCString();
  if (doc.vary) headers.Vary = doc.vary;
  if (doc.dataTag) headers["X-Witness-Data-Tag"] = doc.dataTag;
  if (isNotModified(request, etag, doc.lastModified)) return new Response(null, { status: 304, headers });
  return new Response(doc.body, { status: 200, headers: { ...headers, "Content-Type": doc.contentType } });
}

// RFC 9110 §7.2 / RFC 3986 host: a DNS name, an IPv4 address or a bracketed IPv6 literal, then an optional port.
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i;

/**
 * A Host header as `host[:port]`, lower case and without the default port, when it is a well-formed host (anything
 * else would put a visitor's bytes into links); null otherwise. The one check of a Host that links may follow: the
 * feeds, the pages and the front server's snapshots per Host (lib/web/front.ts) all use it.
 */
export function hostOf(value: string | null | undefined): string | null {
  const host = value?.trim() ?? "";
  if (host.length === 0 || host.length > 260 || !HOST.test(host) || !URL.canParse(`http://${host}`)) return null;
  return new URL(`http://${host}`).host;
}

/**
 * The origin a request was addressed to: this server's own scheme and the Host header, when it is well-formed
 * (hostOf), else the server's own idea of its address. Forwarded headers (X-Forwarded-Host, Forwarded) are not
 * honoured: any client can send them, and behind a proxy the public address belongs in WITNESS_PUBLIC_URL instead.
 */
export function requestOrigin(request: Request): string {
  const own = new URL(request.url);
  const host = hostOf(request.headers.get("host"));
  return host === null ? own.origin : new URL(`${own.protocol}//${host}`).origin;
}
