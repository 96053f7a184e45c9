/**
 * From a channel's config to the adapter that sends to it: one switch over CHANNEL_TYPES, checked at start so an
 * unknown or unbuilt type is a ConfigError (exit 2) before any probe runs.
 */
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
    // Built on their own branch (lib/alerts/channels/<type>.ts); the integrator wires each here.
    case "slack":
    case "discord":
    case "teams":
    case "ntfy":
    case "email":
    case "pagerduty":
    case "telegram":
      throw new ConfigError(`alerts.channels (${config.name}): channel type ${config.type} is not built yet`);
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
