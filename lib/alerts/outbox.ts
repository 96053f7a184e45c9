/**
 * Writing events into the outbox: one row per (event, channel) the channel's `events`, `surfaces` and `scopes` filters let
 * through, inside the caller's transaction. A channel is stored by name, never by URL or token.
 */
import type { AlertEvent, ChannelConfig } from "@/lib/alerts/types";
import type { Db } from "@/db/client";
import { insertOutboxRows } from "@/db/queries/alerts";

/** Does this channel take this event? `surfaces` filters every event that has surfaces; monitor.* and vantage.* events have none. */
export function channelWants(channel: Pick<ChannelConfig, "events" | "surfaces"> & Partial<Pick<ChannelConfig, "scopes">>, event: Pick<AlertEvent, "type"> & { data?: Pick<AlertEvent["data"], "scope"> }, surfaces: readonly string[]): boolean {
  // A test event goes to each channel directly (lib/cli/alerts.ts), never through the outbox and its filters.
  if (event.type === "test" || !channel.events.includes(event.type)) return false;
  // A measured incident of one region reaches only the channels that list its scope (global by default).
  if (event.type.startsWith("incident.") && !(channel.scopes ?? ["global"]).includes(event.data?.scope ?? "global")) return false;
  if (event.type.startsWith("monitor.") || event.type.startsWith("vantage.") || channel.surfaces === null) return true;
  return surfaces.some((s) => channel.surfaces!.includes(s));
}

/**
 * Queue `event` for every channel that wants it (and passes `also`); insert-or-ignore, so a fact written again adds
 * nothing. `surfaces`: the surfaces the event concerns (default its own). Returns the channels that got a new row.
 */
export function enqueueEvent(
  db: Db,
  channels: readonly ChannelConfig[],
  event: AlertEvent,
  at: Date,
  opts: { surfaces?: readonly string[]; also?: (channel: ChannelConfig) => boolean } = {},
): string[] {
  const surfaces = opts.surfaces ?? (event.surface ? [event.surface] : []);
  const wanted = channels.filter((c) => channelWants(c, event, surfaces) && (opts.also?.(c) ?? true));
  const added: string[] = [];
  for (const c of wanted) {
    const n = insertOutboxRows(db, [{ eventId: event.id, channel: c.name, event: event as unknown as Record<string, unknown>, state: "pending", attempts: 0, nextAttemptAt: at, lastError: null, createdAt: at, deliveredAt: null }]);
    if (n > 0) added.push(c.name);
  }
  return added;
}
