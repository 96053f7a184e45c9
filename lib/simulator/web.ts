/** The claude.ai target: an app-shell page behind Cloudflare, for any GET the other targets do not claim. */
import type { OutgoingHttpHeaders } from "node:http";
import { pageOutcome } from "./html-pages";
import { edgeHeaders, perform, type Exchange, type Reply } from "./wire";

// What the real site sends before JavaScript runs: an empty root and the script that fills it.
const APP_SHELL = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Claude</title>
<link rel="icon" href="/favicon.ico">
</head>
<body>
<div id="root"></div>
<script src="/_next/static/chunks/main-app.js" async></script>
</body>
</html>
`;

function webHeaders(contentType: string): OutgoingHttpHeaders {
  return { "content-type": contentType, "cache-control": "no-store", ...edgeHeaders() };
}

/** Answer one claude.ai request under its chosen fault. */
export async function handleWeb(ex: Exchange): Promise<void> {
  if (ex.method !== "GET" && ex.method !== "HEAD") {
    const outcome = { kind: "reply", reply: notAllowed(), delivery: "whole" } as const;
    return perform(ex.res, outcome, ex.signal);
  }
  const healthy: Reply = { status: 200, headers: webHeaders("text/html; charset=utf-8"), body: APP_SHELL };
  return perform(ex.res, pageOutcome(ex.fault, healthy, webHeaders), ex.signal);
}

function notAllowed(): Reply {
  return { status: 405, headers: { ...webHeaders("text/plain; charset=utf-8"), allow: "GET, HEAD" }, body: "Method Not Allowed" };
}
