/**
 * The generic webhook (PRODUCT.md "Alerts"): a POST of `{type, id, occurredAt, surface, summary, url, data}` signed
 * per Standard Webhooks, so a receiver verifies it with any of that spec's libraries. webhook-id is the event id, so
 * a retry carries the same id and a receiver can drop one it already took.
 */
import { Webhook } from "standardwebhooks";
import { postBody } from "@/lib/alerts/channels/http";
import type { AlertEvent, Channel, ChannelConfig } from "@/lib/alerts/types";

type WebhookConfig = Extract<ChannelConfig, { type: "webhook" }>;

/** The JSON body; `test: true` only for `npm run alerts -- --test`. */
export function webhookPayload(event: AlertEvent): string {
  const { type, id, occurredAt, surface, summary, url, data } = event;
  return JSON.stringify(event.test ? { type, id, occurredAt, surface, summary, url, data, test: true } : { type, id, occurredAt, surface, summary, url, data });
}

export function createWebhookChannel(config: WebhookConfig, deps: { now?: () => Date } = {}): Channel {
  const signer = new Webhook(config.secret);
  const now = deps.now ?? (() => new Date());
  return {
    name: config.name,
    type: "webhook",
    async send(event, signal) {
      const body = webhookPayload(event);
      const at = now();
      const headers = {
        "webhook-id": event.id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": signer.sign(event.id, at, body),
        "content-type": "application/json",
      };
      return postBody(config.url, body, { headers, timeoutMs: config.timeoutMs, signal, label: "webhook", secrets: [config.secret] });
    },
  };
}
