/**
 * Slack incoming webhook: Block Kit (header, facts, links, context) with a `text` fallback for notifications.
 * Upstream text is escaped for mrkdwn (&, <, >) so it can neither ping `<!channel>` nor forge a link.
 */
import { buildMessage, type AlertMessage } from "@/lib/alerts/message";
import { escapeSlack, fit, joinWithin } from "@/lib/alerts/text";
import { postJson } from "@/lib/alerts/channels/http";
import type { Channel, ChannelConfig } from "@/lib/alerts/types";

// Block Kit limits: header text 150, section text 3000, up to 10 section fields of 2000, context text 2000 characters.
const HEADER_MAX = 150;
const SECTION_MAX = 3_000;
const FIELDS_MAX = 10;
const FIELD_MAX = 2_000;
const CONTEXT_MAX = 2_000;

const EMOJI = { critical: ":rotating_light:", warning: ":warning:", info: ":information_source:", resolved: ":white_check_mark:" } as const;

/** A link in mrkdwn: `|` and `>` end the URL part, so they are percent-encoded. */
function slackLink(url: string, label: string): string {
  return `<${escapeSlack(url).replace(/\|/g, "%7C")}|${escapeSlack(label)}>`;
}

/** The webhook body for `message`. */
export function slackPayload(message: AlertMessage): Record<string, unknown> {
  const fields = message.facts.slice(0, FIELDS_MAX).map((f) => ({ type: "mrkdwn", text: `*${escapeSlack(f.label)}*\n${fit(f.value, FIELD_MAX - 64, escapeSlack)}` }));
  const links = joinWithin(message.links.map((l) => slackLink(l.url, l.label)), "  ·  ", SECTION_MAX);
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: fit(message.title, HEADER_MAX), emoji: true } },
    { type: "section", text: { type: "mrkdwn", text: fit(`${EMOJI[message.severity]} ${message.summary}`, SECTION_MAX, escapeSlack) } },
  ];
  if (fields.length) blocks.push({ type: "section", fields });
  if (links) blocks.push({ type: "section", text: { type: "mrkdwn", text: links } });
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: fit(message.footer, CONTEXT_MAX, escapeSlack) }] });
  return { text: fit(`${message.title}: ${message.summary}`, SECTION_MAX, escapeSlack), blocks };
}

/** A Slack incoming-webhook channel. */
export function createSlackChannel(config: Extract<ChannelConfig, { type: "slack" }>): Channel {
  return {
    name: config.name,
    type: "slack",
    send: (event, signal) => postJson(config.url, slackPayload(buildMessage(event)), { timeoutMs: config.timeoutMs, signal, label: "slack" }),
  };
}
