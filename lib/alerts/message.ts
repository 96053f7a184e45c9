/**
 * The words of an alert, shared by every channel: a title, the summary, labelled facts and links, all as plain text.
 * Channels only escape and fit them to their format, so Slack, email and Telegram never tell one outage differently.
 *
 * Upstream text (official incident names and updates) is untrusted: here it is flattened to one line and capped, and
 * each channel escapes it for its own markup with lib/alerts/text.ts.
 */
import type { AlertData, AlertEvent, AlertSeverity } from "@/lib/alerts/types";
import { oneLine, safeUrl, truncate } from "@/lib/alerts/text";
import { describeSeries, formatDuration, formatPercent, formatShortDay, formatUtcTime, humanise } from "@/lib/dashboard/format";

export interface MessageFact { label: string; value: string }
export interface MessageLink { label: string; url: string }

export interface AlertMessage {
  title: string;
  summary: string;
  facts: MessageFact[];
  /** http(s) links only: the incident page on Witness first, then the official incident. */
  links: MessageLink[];
  footer: string;
  severity: AlertSeverity;
  test: boolean;
}

/** One colour per severity (red, amber, blue, green), for the channels that colour a message. */
export const SEVERITY_COLOUR: Record<AlertSeverity, number> = { critical: 0xd92d20, warning: 0xf79009, info: 0x2e90fa, resolved: 0x12b76a };

// Upstream text is capped well below every API's limit, so a whole message fits Telegram's 4096 characters.
const MAX_TITLE = 150; // Slack's header block
const MAX_UPDATE = 600;
const MAX_SUMMARY = 400;

/** "17:54 UTC, 1 Dec". */
export function formatSince(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? `${formatUtcTime(ms)}, ${formatShortDay(ms)}` : "an unknown time";
}

const ERROR_WORDS: Record<string, [string, string]> = {
  overloaded: ["overloaded (HTTP 529)", "overloaded (HTTP 529)"],
  http_5xx: ["server error", "server errors"],
  timeout: ["timeout", "timeouts"],
  dns_error: ["DNS failure", "DNS failures"],
  connection_error: ["connection failure", "connection failures"],
  tls_error: ["TLS failure", "TLS failures"],
  rate_limited: ["rate limited (HTTP 429)", "rate limited (HTTP 429)"],
  auth_error: ["auth error", "auth errors"],
  client_error: ["client error", "client errors"],
  blocked: ["blocked by Cloudflare", "blocked by Cloudflare"],
  empty_response: ["empty answer", "empty answers"],
  malformed_response: ["malformed answer", "malformed answers"],
  stream_error: ["stream error", "stream errors"],
  stream_truncated: ["cut-off stream", "cut-off streams"],
  stream_stalled: ["stalled stream", "stalled streams"],
  wrong_answer: ["wrong answer", "wrong answers"],
  slow: ["too slow", "too slow"],
};

/** "56% of requests failed: 12 overloaded (HTTP 529), 3 server errors". */
export function describeFailures(data: AlertData): string | null {
  const mix = (data.errorMix ?? []).filter((e) => e.count > 0).map((e) => {
    const words = ERROR_WORDS[e.errorClass] ?? [humanise(oneLine(e.errorClass, 40)), humanise(oneLine(e.errorClass, 40))];
    return `${e.count} ${e.count === 1 ? words[0] : words[1]}`;
  });
  const share = data.failureWords ?? (data.failureRatio == null ? null : `${formatPercent(data.failureRatio)} of requests failed`);
  if (share === null && mix.length === 0) return null;
  return [share ?? "Requests failed", mix.join(", ")].filter(Boolean).join(": ");
}

/** "Partial outage" from "partial_outage"; null reads as not known. */
export function officialStateWords(state: string | null | undefined): string {
  if (!state) return "Unknown (not read)";
  return capitalise(humanise(oneLine(state, 60)));
}

/** "the official page acknowledged it 1 h 12 min after it began" / "the official page never acknowledged it". */
export function describeAcknowledgement(delayMs: number | null | undefined): string {
  if (delayMs == null) return "the official page never acknowledged it";
  if (delayMs < 0) return `the official page acknowledged it ${formatDuration(-delayMs)} before Witness measured it`;
  if (delayMs < 60_000) return "the official page acknowledged it within a minute of its start";
  return `the official page acknowledged it ${formatDuration(delayMs)} after it began`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "Frankfurt (fra)": names from the config, still flattened to one line. */
function vantageName(data: AlertData): string {
  return data.vantage ? `${oneLine(data.vantage.name, 80)} (${oneLine(data.vantage.id, 40)})` : "unknown";
}

function surfaceName(event: AlertEvent): string {
  return oneLine(event.surfaceName ?? event.surface ?? "Claude", 80);
}

const STATE_TITLES = { operational: "Operational", degraded: "Degraded", down: "Outage", maintenance: "Maintenance", unknown: "Unknown (not read)" } as const;

/** The official page's word for the surface now: its state by the one definition, else its component state or incident's status. */
function officialNow(data: AlertData): string {
  const official = data.official;
  if (official?.state) return STATE_TITLES[official.state];
  if (official?.componentState && official.componentState !== "operational") return officialStateWords(official.componentState);
  if (official?.incident) return officialStateWords(official.incident.status);
  return officialStateWords(official?.componentState);
}

function describeTitle(event: AlertEvent): string {
  const name = surfaceName(event);
  const data = event.data;
  switch (event.type) {
    case "incident.opened":
      return data.incidentSeverity === "degraded" ? `${name} is degraded` : `${name} is failing`;
    case "incident.resolved":
      return data.durationMs != null ? `${name} recovered after ${formatDuration(data.durationMs)}` : `${name} recovered`;
    case "official.opened":
      return `Official page now says: ${officialNow(data)}`;
    case "official.updated":
      return `Official page updated: ${officialStateWords(data.official?.incident?.status)}`;
    case "official.resolved":
      return "Official page now says: Resolved";
    case "disagreement.started":
      return data.disagreement?.kind === "official_down_measured_up"
        ? `The official page reports a problem, but ${name} works for Witness`
        : `${name} is failing, but the official page says it works`;
    case "disagreement.ended":
      return `Witness and the official page agree again on ${name}`;
    case "monitor.offline":
      return "Witness lost its own internet connection (not a Claude outage)";
    case "monitor.online":
      return "Witness is back online (its own connection had failed, not Claude)";
    case "vantage.silent":
      return `Vantage ${vantageName(data)} is silent (not a Claude outage)`;
    case "vantage.back":
      return `Vantage ${vantageName(data)} is back`;
    case "test":
      return "a test alert from Witness, nothing is wrong";
  }
}

function incidentFacts(event: AlertEvent): MessageFact[] {
  const data = event.data;
  const facts: MessageFact[] = [];
  if (data.series) {
    const series = describeSeries(oneLine(data.series, 120));
    const model = data.model && !series.model ? ` · ${oneLine(data.model, 80)}` : "";
    facts.push({ label: "What failed", value: `${series.label}${model}${data.incidentSeverity ? ` (${data.incidentSeverity})` : ""}` });
  }
  const startedAt = data.startedAt ?? event.occurredAt;
  if (event.type === "incident.resolved") {
    const ended = data.endedAt ?? event.occurredAt;
    const lasted = data.durationMs != null ? `${formatDuration(data.durationMs)}, ` : "";
    facts.push({ label: "Lasted", value: `${lasted}from ${formatSince(startedAt)} to ${formatSince(ended)}` });
  } else {
    facts.push({ label: "Since", value: formatSince(startedAt) });
  }
  const failures = describeFailures(data);
  if (failures) facts.push({ label: "Failures", value: failures });
  return facts;
}

function officialFacts(data: AlertData): MessageFact[] {
  const official = data.official;
  if (!official) return [];
  const incident = official.incident;
  const named = incident ? ` · ${oneLine(incident.name)} (${officialStateWords(incident.status).toLowerCase()})` : "";
  const state = official.state ? STATE_TITLES[official.state] : officialStateWords(official.componentState);
  const facts: MessageFact[] = [{ label: "Official page", value: `${state}${named}` }];
  if (incident?.latestUpdate) {
    const at = incident.latestUpdateAt ? ` (${formatSince(incident.latestUpdateAt)})` : "";
    facts.push({ label: "Latest official update", value: `“${oneLine(incident.latestUpdate, MAX_UPDATE)}”${at}` });
  }
  return facts;
}

function describeFacts(event: AlertEvent): MessageFact[] {
  const data = event.data;
  const facts: MessageFact[] = [];
  if (event.test) facts.push({ label: "TEST", value: "This is a test alert from Witness (npm run alerts -- --test); nothing is wrong." });
  if (event.surface !== null) facts.push({ label: "Surface", value: surfaceName(event) });
  if (event.type.startsWith("incident.")) facts.push(...incidentFacts(event));
  if (data.disagreement) {
    const words = data.disagreement.kind === "official_down_measured_up" ? "The official page reports a problem while Witness measures it working" : "Witness measures failures while the official page says operational";
    facts.push({ label: "Disagreement", value: `${words}, since ${formatSince(data.disagreement.since)}` });
  }
  if (data.monitor) {
    facts.push({ label: "What happened", value: `${oneLine(data.monitor.detail, 300)} (Witness's own network, not Claude)` });
    facts.push({ label: "Since", value: formatSince(data.monitor.since) });
  }
  if (data.vantage) {
    facts.push({ label: "Vantage", value: vantageName(data) });
    facts.push({ label: "Last results before the silence", value: data.vantage.since ? formatSince(data.vantage.since) : "never received" });
    if (event.type === "vantage.back" && data.endedAt) facts.push({ label: "Results again since", value: formatSince(data.endedAt) });
  }
  facts.push(...officialFacts(data));
  if (event.type === "incident.resolved" && "acknowledgementDelayMs" in data) {
    facts.push({ label: "Official acknowledgement", value: capitalise(describeAcknowledgement(data.acknowledgementDelayMs)) });
  }
  return facts;
}

/** The whole message for `event`: what every channel renders. Pure. */
export function buildMessage(event: AlertEvent): AlertMessage {
  // `npm run alerts -- --test` names no surface: its title must not read as an outage of "Claude" to whoever sees it.
  const title = event.test && event.surface === null ? "TEST: a test alert from Witness, nothing is wrong" : truncate(`${event.test ? "TEST: " : ""}${describeTitle(event)}`, MAX_TITLE);
  const summary = oneLine(event.summary, MAX_SUMMARY);
  const links: MessageLink[] = [];
  const own = safeUrl(event.url);
  if (own) links.push({ label: event.type.startsWith("vantage.") ? "Vantages on Witness" : "Incident on Witness", url: own });
  const official = safeUrl(event.data.official?.incident?.url);
  if (official) links.push({ label: "Official incident", url: official });
  const footer = `Witness · ${event.type} · ${oneLine(event.id, 120)}${event.test ? " · TEST" : ""}`;
  return { title, summary: event.test && !/\bTEST\b/.test(summary) ? `TEST: ${summary}` : summary, facts: describeFacts(event), links, footer, severity: event.severity, test: event.test };
}

/** The message as plain-text lines: summary, "Label: value", "Label: url", footer (email text, ntfy). */
export function messageLines(message: AlertMessage): string[] {
  return [message.summary, "", ...message.facts.map((f) => `${f.label}: ${f.value}`), ...message.links.map((l) => `${l.label}: ${l.url}`), "", message.footer];
}
