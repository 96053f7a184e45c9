/**
 * JSON answers from in front of a service: the refusals of a caller's network or region (the API's edge, claude.ai),
 * and the RFC 9457 problem document Cloudflare sends instead of its HTML error page to a client that accepts JSON.
 * Served byte for byte from fixtures; shared by all three targets, like the edge pages.
 */
import { readFileSync } from "node:fs";

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

export const REFUSALS = {
  /** api.anthropic.com's edge to a network or region it does not serve: no `"type":"error"`, no request id. */
  regionForbidden: fixture("claude/errors/403-forbidden-request-not-allowed.json"),
  /** claude.ai's answer to the same (as its /api/bootstrap sends it). */
  regionUnavailable: fixture("claude/errors/403-claude-ai-permission-error.json"),
  /** Cloudflare's 522 as JSON: type (a docs URL), title, status, detail, instance and its own operational fields. */
  cf522Problem: fixture("cloudflare/522-connection-timed-out.problem.illustrative.json"),
} as const;

/** The API's own 403 that does blame the key: one without permission for the resource (docs' wording). */
export const KEY_FORBIDDEN = fixture("claude/errors/403-permission-error-api-key.json");
