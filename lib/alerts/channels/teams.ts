/**
 * Microsoft Teams via a Workflows webhook ("When a Teams webhook request is received"): one Adaptive Card 1.4.
 * Every piece of text sits in a RichTextBlock TextRun, which Adaptive Cards never parse as markdown, so upstream
 * text cannot forge links or formatting; links are Action.OpenUrl buttons.
 */
import { buildMessage, type AlertMessage } from "@/lib/alerts/message";
import { fit } from "@/lib/alerts/text";
import { postJson } from "@/lib/alerts/channels/http";
import type { AlertSeverity, Channel, ChannelConfig } from "@/lib/alerts/types";

// A Teams message is capped at about 28 KB; these keep a card far below it.
const TITLE_MAX = 200;
const TEXT_MAX = 2_000;
const ACTIONS_MAX = 3;

const STYLE: Record<AlertSeverity, { container: string; colour: string }> = {
  critical: { container: "attention", colour: "Attention" },
  warning: { container: "warning", colour: "Warning" },
  info: { container: "accent", colour: "Accent" },
  resolved: { container: "good", colour: "Good" },
};

type TextRun = { type: "TextRun"; text: string; weight?: string; size?: string; color?: string; isSubtle?: boolean };

function runs(...inlines: TextRun[]) {
  return { type: "RichTextBlock", inlines };
}

function run(text: string, max: number, style: Omit<TextRun, "type" | "text"> = {}): TextRun {
  return { type: "TextRun", text: fit(text, max), ...style };
}

/** The Adaptive Card for `message`. */
export function teamsCard(message: AlertMessage): Record<string, unknown> {
  const style = STYLE[message.severity];
  const facts = message.facts.map((f) => runs(run(`${f.label}: `, 80, { weight: "Bolder" }), run(f.value, TEXT_MAX)));
  return {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      { type: "Container", style: style.container, bleed: true, items: [runs(run(message.title, TITLE_MAX, { size: "Large", weight: "Bolder", color: style.colour }))] },
      runs(run(message.summary, TEXT_MAX)),
      ...facts,
      runs(run(message.footer, 300, { isSubtle: true, size: "Small" })),
    ],
    actions: message.links.slice(0, ACTIONS_MAX).map((l) => ({ type: "Action.OpenUrl", title: l.label, url: l.url })),
  };
}

/** The Workflows webhook body: a message with the card as its one attachment. */
export function teamsPayload(message: AlertMessage): Record<string, unknown> {
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: teamsCard(message) }] };
}

/** A Teams Workflows-webhook channel. */
export function createTeamsChannel(config: Extract<ChannelConfig, { type: "teams" }>): Channel {
  return {
    name: config.name,
    type: "teams",
    send: (event, signal) => postJson(config.url, teamsPayload(buildMessage(event)), { timeoutMs: config.timeoutMs, signal, label: "teams" }),
  };
}
