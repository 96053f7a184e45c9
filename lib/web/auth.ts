/**
 * Private mode (WITNESS_DASHBOARD_PASSWORD): every page, feed, API route and /metrics wants HTTP Basic with that
 * password (any user name). HTTP Basic rather than a login form: browsers ask for it themselves, and curl,
 * Prometheus (`basic_auth`) and uptime checkers speak it with no session to keep, so there is no form, cookie or
 * CSRF surface to get wrong. Open without it: /api/health (an uptime checker must see the monitor). The front server
 * (lib/web/front.ts) answers before asking here what else is open: OPTIONS (no body) and the build's files under
 * /_next/static/ and /_witness/, from the files themselves, never through Next's router. Feeds and badges also take
 * `?token=` (readToken), since feed readers and README images cannot send a password; the token is removed from the
 * URL before anything else sees it. Paths are compared as sent: the front has refused any with dot segments
 * (lib/web/target.ts), so the path compared here is the path Next routes.
 *
 * The key is scrypt of the password (slow, once at start), so a leaked read token does not make guessing the
 * password cheap; the token is an HMAC under that key. Comparisons are timingSafeEqual over equal-length digests.
 */
import { createHash, createHmac, scryptSync, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

const OPEN_PATHS = new Set(["/api/health"]);
const TOKEN_PATHS = /^\/(?:feed\.(?:xml|atom|json)|api\/v1\/badges\/[A-Za-z0-9._-]{1,64})$/;
// A fixed salt: the key must be the same on every start (tokens in READMEs must keep working) and per password only.
const SALT = "witness dashboard password v1";

export interface DashboardAuth {
  /** The read token feeds and badges accept as `?token=`: shown only to signed-in users (/methodology). */
  readToken: string;
  /** True when the request may go on (its `url` then has no token); otherwise a 401 has been sent. */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
}

const digest = (value: string | Buffer) => createHash("sha256").update(value).digest();
const sameSecret = (given: string, expected: Buffer) => timingSafeEqual(digest(given), expected);

/** The guard of private mode for `password`, or null when the dashboard is public (no password set). */
export function createDashboardAuth(password: string | null): DashboardAuth | null {
  if (!password) return null;
  const key = scryptSync(password, SALT, 32);
  const passwordDigest = digest(password);
  const readToken = createHmac("sha256", key).update("read-token").digest("base64url").slice(0, 32);
  const tokenDigest = digest(readToken);

  const hasPassword = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization;
    if (typeof header !== "string" || !/^basic /i.test(header)) return false;
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 && sameSecret(decoded.slice(colon + 1), passwordDigest);
  };

  return {
    readToken,
    admit(req, res) {
      const target = req.url ?? "/";
      const q = target.indexOf("?");
      const path = q < 0 ? target : target.slice(0, q);
      if (OPEN_PATHS.has(path)) return true;
      let admitted = hasPassword(req);
      if (q >= 0) {
        const params = new URLSearchParams(target.slice(q + 1));
        const tokens = params.getAll("token");
        if (tokens.length > 0) {
          admitted ||= TOKEN_PATHS.test(path) && tokens.length === 1 && sameSecret(tokens[0]!, tokenDigest);
          params.delete("token");
          // Without the token the URL is the one the snapshots are filed under, and it never reaches Next or a log.
          const rest = params.toString();
          req.url = rest ? `${path}?${rest}` : path;
        }
      }
      if (!admitted) {
        refuse(res);
        return false;
      }
      keepOutOfSharedCaches(res);
      return true;
    },
  };
}

/** 401 with the Basic challenge: no data, never cached. */
function refuse(res: ServerResponse): void {
  const body = Buffer.from("This Witness is private: sign in with its dashboard password.\n");
  res.writeHead(401, { "WWW-Authenticate": 'Basic realm="Witness", charset="UTF-8"', "Content-Type": "text/plain; charset=utf-8", "Content-Length": body.length, "Cache-Control": "no-store" });
  res.end(body);
}

/**
 * Answers are marked `public` for the open dashboard; a shared cache (a CDN, a proxy) would then keep a signed-in
 * user's page and hand it to anyone. Behind a password each answer is `private`.
 */
function keepOutOfSharedCaches(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    // The snapshots' header objects are shared by every answer: rewrite a copy.
    const args = rest.map((r) => (typeof r === "object" && r !== null && !Array.isArray(r) ? privateHeaders(r as OutgoingHttpHeaders) : r));
    const set = res.getHeader("cache-control");
    if (set !== undefined) res.setHeader("cache-control", privateOf(String(set)));
    return writeHead(status, ...args);
  }) as ServerResponse["writeHead"];
}

function privateHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, k.toLowerCase() === "cache-control" && v !== undefined ? privateOf(String(v)) : v]));
}

function privateOf(value: string): string {
  if (/no-store/i.test(value)) return value;
  const rest = value.split(",").map((d) => d.trim()).filter((d) => d && !/^(public|private|s-maxage=.*)$/i.test(d));
  return ["private", ...rest].join(", ");
}

// scrypt is slow on purpose: one guard per password per process, shared by the front and the pages' bundles.
const held = globalThis as unknown as { __witnessAuth?: { password: string; auth: DashboardAuth } };

/** createDashboardAuth, made once per process for the configured password. */
export function getDashboardAuth(password: string | null): DashboardAuth | null {
  if (!password) return null;
  if (held.__witnessAuth?.password !== password) held.__witnessAuth = { password, auth: createDashboardAuth(password)! };
  return held.__witnessAuth.auth;
}
