/**
 * The Claude Console target (platform.claude.com), served under `/console`: its sign-in page behind Cloudflare, with
 * the same page faults as claude.ai, switched on a target of its own so the two sites can fail apart.
 */
import type { OutgoingHttpHeaders } from "node:http";
import { pageOutcome } from "./html-pages";
import { edgeHeaders, perform, reply, type Exchange } from "./wire";

// What the Console sends a visitor without a session: a server-rendered shell that its script turns into sign-in.
const CONSOLE_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Claude Console</title>
</head>
<body>
<main id="root"><h1>Sign in to the Claude Console</h1></main>
<script src="/console/_next/static/chunks/main-app.js" async></script>
</body>
</html>
`;

const OVERLOADED_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Overloaded</title></head>
<body><h1>The Console is temporarily overloaded</h1><p>Please try again in a few moments.</p></body></html>
`;

function consoleHeaders(contentType: string): OutgoingHttpHeaders {
  return { "content-type": contentType, "cache-control": "no-store", ...edgeHeaders() };
}

/** Answer one Console request under its chosen fault: any GET or HEAD gets the page. */
export async function handleConsole(ex: Exchange): Promise<void> {
  if (ex.method !== "GET" && ex.method !== "HEAD") {
    const body = "Method Not Allowed";
    const headers = { ...consoleHeaders("text/plain; charset=utf-8"), allow: "GET, HEAD" };
    return perform(ex.res, { kind: "reply", reply: { status: 405, headers, body }, delivery: "whole" }, ex.signal);
  }
  const healthy = { status: 200, headers: consoleHeaders("text/html; charset=utf-8"), body: CONSOLE_PAGE };
  // The Console is an API product's front end: its overload shows as the API's 529, behind the same edge.
  if (ex.fault === "overloaded") return perform(ex.res, reply(529, consoleHeaders("text/html; charset=utf-8"), OVERLOADED_PAGE), ex.signal);
  return perform(ex.res, pageOutcome(ex.fault, healthy, consoleHeaders), ex.signal);
}
