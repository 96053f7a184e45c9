/**
 * From a channel's config to the adapter that sends to it: one switch over CHANNEL_TYPES, checked at start so an
 * unknown or unbuilt type is a ConfigError (exit 2) before any probe runs.
 */
import { createDiscordChannel } from "@/lib/alerts/channels/discord";
import { createEmailChannel } from "@/lib/alerts/channels/email";
import { createNtfyChannel } from "@/lib/alerts/channels/ntfy";
import { createPagerdutyChannel } from "@/lib/alerts/channels/pagerduty";
import { createSlackChannel } from "@/lib/alerts/channels/slack";
import { createTeamsChannel } from "@/lib/alerts/channels/teams";
import { createTelegramChannel } from "@/lib/alerts/channels/telegram";
import { createWebhookChannel } from "@/lib/alerts/channels/webhook";
import type { Channel, ChannelConfig } from "@/lib/alerts/types";
import { ConfigError } from "@/lib/config";

export interface ChannelDeps {
  now?: () => Date;
}

export function channelFactory(config: ChannelConfig, deps: ChannelDeps = {}): Channel {
  switch (config.type) {
    case "webhook":
      return createWebhookChannel(config, deps);
    case "slack":
      return createSlackChannel(config);
    case "discord":
      return createDiscordChannel(config);
    case "teams":
      return createTeamsChannel(config);
    case "ntfy":
      return createNtfyChannel(config);
    case "email":
      return createEmailChannel(config);
    case "pagerduty":
      return createPagerdutyChannel(config);
    case "telegram":
      return createTelegramChannel(config);
    default: {
      const unknown: never = config;
      throw new ConfigError(`alerts.channels: unknown channel type ${(unknown as { type: string }).type}`);
    }
  }
}

/** Every configured channel, built; throws ConfigError naming the channel's key path. */
export function buildChannels(channels: readonly ChannelConfig[], deps: ChannelDeps = {}): Channel[] {
  return channels.map((c, i) => {
    try {
      return channelFactory(c, deps);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`alerts.channels[${i}]: ${err.message.replace(/^alerts\.channels[^:]*: /, "")}`);
      throw err;
    }
  });
}
