/**
 * The claude.ai app behind the shell (target `app`): the script bundle the shell loads, the bootstrap call that script
 * makes before it renders anything, a third-party beacon, and the Cloudflare challenge in front of the document. A real
 * browser runs it; the plain `web` probe's GET of `/` never reaches here unless a challenge fault is set.
 */
import type { OutgoingHttpHeaders } from "node:http";
import { CHALLENGE } from "./html-pages";
import type { Fault } from "./faults";
import { edgeHeaders, perform, reply, wait, type Exchange, type Outcome } from "./wire";

/** The paths this target owns (the document `/` stays the `web` target's). */
export const APP_PATHS = /^\/(?:_next\/static\/|api\/(?!v2\/)|_third\/)/;

export const SCRIPT_PATH = "/_next/static/chunks/main-app.js";
export const BOOTSTRAP_PATH = "/api/bootstrap";
// Set by the clearing challenge's script, as Cloudflare's cf_clearance is; the document is served once it is present.
const CLEARANCE = "cf_clearance=witness-sim";

// Like the real app: nothing visible until the bootstrap answered, an error screen when it did not, and (fault
// `page_error`) a throw outside any handler once rendered. The third-party beacon goes to another host on purpose.
const BUNDLE = (fault: Fault) => `(function () {
  var root = document.getElementById("root");
  var beacon = document.createElement("script");
  beacon.src = location.protocol + "//localhost:" + location.port + "/_third/beacon.js";
  document.head.appendChild(beacon);
  fetch("/api/account", { credentials: "include" }).catch(function () {});
  fetch("${BOOTSTRAP_PATH}?client=web", { credentials: "include" })
    .then(function (r) { if (!r.ok) throw new Error("bootstrap " + r.status); return r.json(); })
    .then(function (boot) {
      var h = document.createElement("h1");
      h.textContent = "How can I help you today?";
      var p = document.createElement("p");
      p.id = "composer";
      p.textContent = "Signed out. Models: " + boot.models.join(", ");
      root.appendChild(h);
      root.appendChild(p);
      ${fault === "page_error" ? 'setTimeout(function () { throw new TypeError("Cannot read properties of undefined (reading \'account\')"); }, 0);' : ""}
    })
    .catch(function () { root.textContent = "Something went wrong. Please try again."; });
  ${fault === "script_throw" ? 'throw new Error("ChunkLoadError: Loading chunk 4113 failed");' : ""}
})();
`;

// A challenge that clears: Cloudflare's managed challenge runs, sets its cookie and reloads the page.
const CLEARING_CHALLENGE = CHALLENGE.replace("</body>", `<script>setTimeout(function(){document.cookie="${CLEARANCE}; path=/";location.reload();},300);</script></body>`);

function appHeaders(contentType: string): OutgoingHttpHeaders {
  return { "content-type": contentType, "cache-control": "no-store", ...edgeHeaders() };
}

/** The document's answer under an app fault: a challenge page, or null to serve the shell as usual. */
export function challengeOutcome(fault: Fault, cookie: string | undefined): Outcome | null {
  if (fault !== "challenge_clears" && fault !== "challenge_stays") return null;
  if (fault === "challenge_clears" && cookie?.includes(CLEARANCE)) return null;
  const body = fault === "challenge_clears" ? CLEARING_CHALLENGE : CHALLENGE;
  return reply(403, { ...appHeaders("text/html; charset=UTF-8"), "cf-mitigated": "challenge" }, body);
}

/** Answer one request for the app's script, bootstrap or beacon. `delayMs` delays the bootstrap alone (a slow app). */
export async function handleApp(ex: Exchange, delayMs: number): Promise<void> {
  return perform(ex.res, await appOutcome(ex, delayMs), ex.signal);
}

async function appOutcome(ex: Exchange, delayMs: number): Promise<Outcome> {
  const { path, fault } = ex;
  if (path === SCRIPT_PATH) {
    if (fault === "script_404") return reply(404, appHeaders("text/html; charset=utf-8"), "<!DOCTYPE html><title>404: Not found</title>");
    return reply(200, appHeaders("application/javascript; charset=utf-8"), BUNDLE(fault));
  }
  if (path === BOOTSTRAP_PATH) {
    await wait(delayMs, ex.signal);
    if (fault === "bootstrap_hang") return { kind: "hang" };
    if (fault === "bootstrap_500") return reply(500, appHeaders("application/json"), '{"type":"error","error":{"type":"api_error","message":"Internal server error"}}');
    if (fault === "bootstrap_529") return reply(529, appHeaders("application/json"), '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    if (fault === "bootstrap_429") return reply(429, { ...appHeaders("application/json"), "retry-after": "30" }, '{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}');
    return reply(200, appHeaders("application/json"), JSON.stringify({ account: null, models: ["claude-opus-4-1", "claude-sonnet-4-5"] }));
  }
  if (path.startsWith("/api/")) {
    // A signed-out app's account endpoints answer 403: the probe must not take that for a failure.
    return reply(403, appHeaders("application/json"), '{"type":"error","error":{"type":"permission_error","message":"Invalid authorization"}}');
  }
  if (path === "/_third/beacon.js") {
    if (fault === "third_party_500") return reply(500, appHeaders("text/plain"), "beacon down");
    return reply(200, appHeaders("application/javascript"), "/* beacon */");
  }
  return reply(404, appHeaders("text/plain"), "not found");
}
