/**
 * Telegram Bot API sendMessage with parse_mode HTML: the only markup is ours (<b>, <i>, <a>), and upstream text is
 * entity-escaped, which is all Telegram's HTML mode needs. The bot token is in the path, so it is a secret.
 */
import { buildMessage, type AlertMessage } from "@/lib/alerts/message";
import { escapeHtml, fit, joinWithin } from "@/lib/alerts/text";
import { numberAt, postJson } from "@/lib/alerts/channels/http";
import type { Channel, ChannelConfig } from "@/lib/alerts/types";

// A message is 1..4096 characters after entities are parsed; the raw HTML is longer, so capping it is safe.
const TEXT_MAX = 4_096;
const LINE_MAX = 1_500;

/** The message's HTML text. */
export function telegramText(message: AlertMessage): string {
  const line = (text: string) => fit(text, LINE_MAX, escapeHtml);
  const lines = [
    `<b>${line(message.title)}</b>`,
    line(message.summary),
    "",
    ...message.facts.map((f) => `<b>${escapeHtml(f.label)}:</b> ${line(f.value)}`),
    ...message.links.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`),
    "",
    `<i>${line(message.footer)}</i>`,
  ];
  return joinWithin(lines, "\n", TEXT_MAX);
}

/** The sendMessage body for `message`. */
export function telegramPayload(message: AlertMessage, chatId: string | number): Record<string, unknown> {
  return { chat_id: chatId, text: telegramText(message), parse_mode: "HTML", link_preview_options: { is_disabled: true } };
}

/** A Telegram bot channel. */
export function createTelegramChannel(config: Extract<ChannelConfig, { type: "telegram" }>): Channel {
  const endpoint = `${config.url.replace(/\/+$/, "")}/bot${config.botToken}/sendMessage`;
  return {
    name: config.name,
    type: "telegram",
    send: (event, signal) =>
      postJson(endpoint, telegramPayload(buildMessage(event), config.chatId), {
        timeoutMs: config.timeoutMs,
        signal,
        label: "telegram",
        secrets: [config.botToken],
        // Flood control answers {ok:false, error_code:429, parameters:{retry_after: seconds}} and no header.
        bodyRetryAfter: (body) => numberAt(body, "parameters.retry_after"),
      }),
  };
}
