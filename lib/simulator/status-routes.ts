/**
 * The status target: Statuspage v2 JSON and the history feeds. A fault replaces the whole host's answers, since a
 * status page that is down is down for its feeds too.
 */
import type { OutgoingHttpHeaders } from "node:http";
import { withDeepKey } from "./deep-json";
import { pageOutcome } from "./html-pages";
import type { StatusBoard, StatusDoc } from "./status-page";
import { perform, reply, type Exchange, type Outcome, type Reply } from "./wire";

const ROUTES: Record<string, StatusDoc> = {
  "/api/v2/summary.json": "summary",
  "/api/v2/status.json": "status",
  "/api/v2/components.json": "components",
  "/api/v2/incidents.json": "incidents",
  "/api/v2/incidents/unresolved.json": "unresolved",
  "/api/v2/scheduled-maintenances.json": "maintenances",
  "/api/v2/scheduled-maintenances/upcoming.json": "upcoming",
  "/history.rss": "rss",
  "/history.atom": "atom",
};

const JSON_TYPE = "application/json; charset=utf-8";

const STATUS_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Claude Status</title></head>
<body><div class="page-status status-none"><span class="status font-large">All Systems Operational</span></div></body>
</html>
`;

function statusHeaders(contentType: string): OutgoingHttpHeaders {
  return { "content-type": contentType, "cache-control": "max-age=0, private, must-revalidate", vary: "Accept-Encoding" };
}

/** Answer one status-page request under its chosen fault. */
export async function handleStatus(ex: Exchange, board: StatusBoard): Promise<void> {
  return perform(ex.res, statusOutcome(ex, board), ex.signal);
}

function statusOutcome(ex: Exchange, board: StatusBoard): Outcome {
  if (ex.method !== "GET" && ex.method !== "HEAD") {
    return reply(405, { ...statusHeaders(JSON_TYPE), allow: "GET, HEAD" }, '{"error":"Method Not Allowed"}');
  }
  const healthy = healthyReply(ex.path, board);
  switch (ex.fault) {
    case "html_200":
      return reply(200, statusHeaders("text/html; charset=utf-8"), STATUS_HTML);
    case "invalid_json": {
      const body = Buffer.from(healthy.body);
      return reply(200, statusHeaders(JSON_TYPE), body.subarray(0, Math.floor(body.length / 2)));
    }
    case "wrong_shape":
      return reply(200, statusHeaders(JSON_TYPE), '{"ok":true}');
    case "deep_json": {
      const isJson = healthy.status === 200 && healthy.headers["content-type"] === JSON_TYPE;
      return isJson ? reply(200, healthy.headers, withDeepKey(String(healthy.body))) : pageOutcome(ex.fault, healthy, statusHeaders);
    }
    default:
      return pageOutcome(ex.fault, healthy, statusHeaders);
  }
}

function healthyReply(path: string, board: StatusBoard): Reply {
  const doc = ROUTES[path];
  if (doc === undefined) return { status: 404, headers: statusHeaders(JSON_TYPE), body: '{"error":"Not Found"}' };
  const type = doc === "rss" ? "application/rss+xml" : doc === "atom" ? "application/atom+xml" : JSON_TYPE;
  return { status: 200, headers: statusHeaders(type), body: board.document(doc) };
}
