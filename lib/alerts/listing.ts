/**
 * The configured alert channels as a public page may show them: name, type and filters, picked field by field so a
 * URL, token, routing key, chat id, address or password can never reach a page, however the config shape grows.
 */
import { ALERT_EVENT_TYPES, type AlertEventType, type AlertsConfig } from "@/lib/alerts/types";

export interface ChannelListing {
  name: string;
  type: string;
  /** null: every event type. */
  events: AlertEventType[] | null;
  /** null: every surface. */
  surfaces: string[] | null;
  minIncidentMinutes: number;
}

export interface AlertsListing {
  channels: ChannelListing[];
  disagreementMinutes: number;
  /** Whether a heartbeat URL is set; never the URL. */
  hasHeartbeat: boolean;
}

/** What /methodology says about alerts. Pure: config in, plain data out. */
export function listAlerts(alerts: AlertsConfig): AlertsListing {
  return {
    channels: alerts.channels.map((c) => ({
      name: c.name,
      type: c.type,
      events: ALERT_EVENT_TYPES.every((t) => c.events.includes(t)) ? null : [...c.events],
      surfaces: c.surfaces === null ? null : [...c.surfaces],
      minIncidentMinutes: c.minIncidentMinutes,
    })),
    disagreementMinutes: alerts.disagreementMinutes,
    hasHeartbeat: alerts.heartbeatUrl !== null,
  };
}
