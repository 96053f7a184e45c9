/**
 * Discord webhook: one embed coloured by severity, the facts as fields, the incident link as the embed's url.
 * Upstream text is backslash-escaped for Discord markdown, and `allowed_mentions` is empty, so it can never ping.
 */
import { buildMessage, SEVERITY_COLOUR, type AlertMessage } from "@/lib/alerts/message";
import { escapeDiscord, fit, joinWithin } from "@/lib/alerts/text";
import { numberAt, postJson } from "@/lib/alerts/channels/http";
import type { Channel, ChannelConfig } from "@/lib/alerts/types";

// Embed limits: title 256, description 4096, 25 fields (name 256, value 1024), footer 2048; 6000 in all.
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 2_048;
const FIELD_NAME_MAX = 256;
const FIELD_VALUE_MAX = 1_024;
const FOOTER_MAX = 256;

/** The webhook body for `message`; `occurredAt` becomes the embed's timestamp. */
export function discordPayload(message: AlertMessage, occurredAt: string): Record<string, unknown> {
  const links = joinWithin(message.links.map((l) => `[${escapeDiscord(l.label)}](${l.url.replace(/\)/g, "%29")})`), " · ", FIELD_VALUE_MAX);
  const fields = message.facts.map((f) => ({ name: fit(f.label, FIELD_NAME_MAX, escapeDiscord), value: fit(f.value, FIELD_VALUE_MAX, escapeDiscord), inline: f.value.length <= 40 }));
  if (links) fields.push({ name: "Links", value: links, inline: false });
  const timestamp = Number.isFinite(Date.parse(occurredAt)) ? new Date(occurredAt).toISOString() : undefined;
  const embed = {
    title: fit(message.title, TITLE_MAX, escapeDiscord),
    description: fit(message.summary, DESCRIPTION_MAX, escapeDiscord),
    url: message.links[0]?.url,
    color: SEVERITY_COLOUR[message.severity],
    fields: fields.slice(0, 25),
    timestamp,
    footer: { text: fit(message.footer, FOOTER_MAX) },
  };
  return { username: "Witness", allowed_mentions: { parse: [] }, embeds: [embed] };
}

/** A Discord webhook channel. */
export function createDiscordChannel(config: Extract<ChannelConfig, { type: "discord" }>): Channel {
  return {
    name: config.name,
    type: "discord",
    send: (event, signal) =>
      postJson(config.url, discordPayload(buildMessage(event), event.occurredAt), {
        timeoutMs: config.timeoutMs,
        signal,
        label: "discord",
        // A 429 says how long in its JSON (seconds, fractional) as well as in Retry-After.
        bodyRetryAfter: (body) => numberAt(body, "retry_after"),
      }),
  };
}

