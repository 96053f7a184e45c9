/**
 * ntfy: a POST of the plain-text message to the topic URL, with Title, Priority and Tags by severity and Click to the
 * incident page. Plain text needs no escaping; headers are one line, and a non-ASCII title goes RFC 2047-encoded
 * (ntfy decodes it) because HTTP headers carry Latin-1 at best.
 */
import { buildMessage, messageLines, type AlertMessage } from "@/lib/alerts/message";
import { fit, oneLine } from "@/lib/alerts/text";
import { postBody } from "@/lib/alerts/channels/http";
import type { AlertSeverity, Channel, ChannelConfig } from "@/lib/alerts/types";

// ntfy turns a message over 4096 bytes into an attachment; stay a plain message.
const BODY_MAX_BYTES = 4_096;
const TITLE_MAX = 250;

const PRIORITY: Record<AlertSeverity, string> = { critical: "5", warning: "4", info: "3", resolved: "3" };
const TAGS: Record<AlertSeverity, string> = { critical: "rotating_light", warning: "warning", info: "information_source", resolved: "white_check_mark" };

/** A header value as printable ASCII, or an RFC 2047 encoded-word when it is not. */
export function headerValue(text: string): string {
  const line = oneLine(text, TITLE_MAX);
  return /^[\x20-\x7e]*$/.test(line) ? line : `=?UTF-8?B?${Buffer.from(line, "utf8").toString("base64")}?=`;
}

/** The request's headers and body for `message`. */
export function ntfyRequest(message: AlertMessage, token?: string): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    "content-type": "text/plain; charset=utf-8",
    title: headerValue(message.title),
    priority: PRIORITY[message.severity],
    tags: message.test ? `${TAGS[message.severity]},test_tube` : TAGS[message.severity],
  };
  const click = message.links[0]?.url;
  if (click) headers.click = click;
  if (token) headers.authorization = `Bearer ${token}`;
  const body = fit(messageLines(message).join("\n"), BODY_MAX_BYTES, undefined, (s) => Buffer.byteLength(s, "utf8"));
  return { headers, body };
}

/** An ntfy topic channel. */
export function createNtfyChannel(config: Extract<ChannelConfig, { type: "ntfy" }>): Channel {
  return {
    name: config.name,
    type: "ntfy",
    send: (event, signal) => {
      const { headers, body } = ntfyRequest(buildMessage(event), config.token);
      return postBody(config.url, body, { headers, timeoutMs: config.timeoutMs, signal, label: "ntfy", secrets: config.token ? [config.token] : [] });
    },
  };
}
