import { describe, expect, it } from "vitest";
import { listAlerts } from "@/lib/alerts/listing";
import { alertsSchema } from "@/lib/alerts/types";

/** Every secret-bearing field of every channel type, each a string no listing may contain. */
const SECRETS = ["hook-token-1", "whsec_LISTINGsecret00000000", "slack-token-2", "discord-token-3", "teams-token-4", "ntfy-topic-5", "ntfy-token-6", "mail-password-7", "oncall@example.com", "pd-routing-8", "123456:tg-bot-9", "chat-10"];

describe("listAlerts, what /methodology shows", () => {
  it("names each channel by name and type with its filters, and holds no URL, token, address or key", () => {
    const alerts = alertsSchema.parse({
      heartbeatUrl: "https://hc.example.com/ping/hb-token-11",
      channels: [
        { name: "ops", type: "webhook", url: "https://h.example.com/hook-token-1", secret: SECRETS[1] },
        { name: "chat", type: "slack", url: "https://hooks.slack.com/services/slack-token-2", events: ["incident.opened", "incident.resolved"] },
        { name: "dc", type: "discord", url: "https://discord.com/api/webhooks/discord-token-3" },
        { name: "teams", type: "teams", url: "https://example.webhook.office.com/teams-token-4", surfaces: ["api"] },
        { name: "phone", type: "ntfy", url: "https://ntfy.sh/ntfy-topic-5", token: SECRETS[6] },
        { name: "mail", type: "email", url: "smtps://user:mail-password-7@smtp.example.com:465", from: "witness@example.com", to: [SECRETS[8]] },
        { name: "pd", type: "pagerduty", routingKey: SECRETS[9], minIncidentMinutes: 10 },
        { name: "tg", type: "telegram", botToken: SECRETS[10], chatId: SECRETS[11] },
      ],
    });
    const listing = listAlerts(alerts);
    expect(listing.channels.map((c) => [c.name, c.type])).toEqual([
      ["ops", "webhook"],
      ["chat", "slack"],
      ["dc", "discord"],
      ["teams", "teams"],
      ["phone", "ntfy"],
      ["mail", "email"],
      ["pd", "pagerduty"],
      ["tg", "telegram"],
    ]);
    expect(listing.channels[0]).toEqual({ name: "ops", type: "webhook", events: null, surfaces: null, minIncidentMinutes: 0 });
    expect(listing.channels[1]!.events).toEqual(["incident.opened", "incident.resolved"]);
    expect(listing.channels[3]!.surfaces).toEqual(["api"]);
    expect(listing.channels[6]!.minIncidentMinutes).toBe(10);
    expect(listing).toMatchObject({ disagreementMinutes: 5, hasHeartbeat: true });
    const text = JSON.stringify(listing);
    for (const secret of [...SECRETS, "hb-token-11", "example.com", "http"]) expect(text, secret).not.toContain(secret);
  });

  it("says so when nothing is configured", () => {
    expect(listAlerts(alertsSchema.parse({}))).toEqual({ channels: [], disagreementMinutes: 5, hasHeartbeat: false });
  });
});
