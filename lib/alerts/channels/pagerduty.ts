/**
 * PagerDuty Events API v2: an alert-worthy start triggers, its end resolves with the same dedup_key, derived from the
 * fact (the measured incident "m-42" is `witness-m-42`), so PagerDuty closes exactly the alert Witness opened, even
 * after a restart. 202 is accepted, 400 is a malformed event (not retried), 429 and 5xx are retried.
 */
import { buildMessage } from "@/lib/alerts/message";
import { fit } from "@/lib/alerts/text";
import { postJson } from "@/lib/alerts/channels/http";
import type { AlertEvent, Channel, ChannelConfig, SentEventType } from "@/lib/alerts/types";

const SUMMARY_MAX = 1_024;

const ACTION: Record<SentEventType, "trigger" | "resolve"> = {
  "incident.opened": "trigger",
  "incident.resolved": "resolve",
  "official.opened": "trigger",
  "official.updated": "trigger",
  "official.resolved": "resolve",
  "disagreement.started": "trigger",
  "disagreement.ended": "resolve",
  "monitor.offline": "trigger",
  "monitor.online": "resolve",
  "vantage.silent": "trigger",
  "vantage.back": "resolve",
  test: "trigger",
};

/** The key shared by an event's trigger and its resolve: one per incident, disagreement, offline or silent spell. */
export function dedupKey(event: AlertEvent): string {
  const data = event.data;
  const prefix = event.test ? "witness-test" : "witness";
  const key = (() => {
    if (event.type.startsWith("incident.") && data.incidentId) return data.incidentId;
    if (event.type.startsWith("official.") && data.official?.incident) return `official-${data.official.incident.id}`;
    if (data.disagreement) return `disagreement-${event.surface ?? "all"}-${data.disagreement.since}`;
    if (data.monitor) return `monitor-${data.monitor.since}`;
    if (data.vantage) return `vantage-${data.vantage.id}-${data.vantage.since ?? "never"}`;
    return event.id;
  })();
  // Two installs on one routing key must not close each other's alerts: the instance id in the event id goes in too.
  const instance = /^[a-z.]+:(w[0-9a-f]{8}):/.exec(event.id)?.[1];
  // PagerDuty allows 255 characters; the id parts come from our facts but stay printable and short.
  return `${prefix}-${instance ? `${instance}-` : ""}${key}`.replace(/[^\x21-\x7e]/g, "_").slice(0, 255);
}

/** The Events API v2 body for `event`. */
export function pagerdutyPayload(event: AlertEvent, routingKey: string): Record<string, unknown> {
  const action = event.test ? "trigger" : ACTION[event.type];
  const body: Record<string, unknown> = { routing_key: routingKey, event_action: action, dedup_key: dedupKey(event) };
  if (action === "resolve") return body;
  const message = buildMessage(event);
  body.payload = {
    summary: fit(`${message.title}: ${message.summary}`, SUMMARY_MAX),
    source: "witness",
    severity: event.severity === "resolved" ? "info" : event.severity,
    timestamp: event.occurredAt,
    component: event.surface ?? "witness",
    class: event.type,
    custom_details: Object.fromEntries(message.facts.map((f) => [f.label, f.value])),
  };
  body.client = "Witness";
  if (message.links[0]) body.client_url = message.links[0].url;
  body.links = message.links.map((l) => ({ href: l.url, text: l.label }));
  return body;
}

/** A PagerDuty Events API v2 channel. */
export function createPagerdutyChannel(config: Extract<ChannelConfig, { type: "pagerduty" }>): Channel {
  return {
    name: config.name,
    type: "pagerduty",
    send: (event, signal) => postJson(config.url, pagerdutyPayload(event, config.routingKey), { timeoutMs: config.timeoutMs, signal, label: "pagerduty", secrets: [config.routingKey] }),
  };
}
