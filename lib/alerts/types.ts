/**
 * The alert contract shared by the outbox, the dispatcher and every channel (PRODUCT.md "Alerts"): the event types,
 * the event a channel is handed, what a channel answers, and the config shape of `alerts:`.
 *
 * An event is built from stored facts when they happen (lib/alerts/events.ts) and kept whole in the outbox, so a
 * retry hours later sends the message as it was true at the time; a channel only formats and sends it.
 */
import { z } from "zod";

export const ALERT_EVENT_TYPES = [
  "incident.opened",
  "incident.resolved",
  "official.opened",
  "official.updated",
  "official.resolved",
  "disagreement.started",
  "disagreement.ended",
  "monitor.offline",
  "monitor.online",
  "vantage.silent",
  "vantage.back",
] as const;
export type AlertEventType = (typeof ALERT_EVENT_TYPES)[number];
/** `npm run alerts -- --test` sends an event of its own type, never one a receiver could take for an outage. */
export type SentEventType = AlertEventType | "test";

export const CHANNEL_TYPES = ["webhook", "slack", "discord", "teams", "ntfy", "email", "pagerduty", "telegram"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** How loud: an outage opened pages, an official update informs, a recovery or "back online" resolves. */
export type AlertSeverity = "critical" | "warning" | "info" | "resolved";

/** What the official status page said for the event's surface when the event was written. */
export interface OfficialAtTheTime {
  /** "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance", or null: unknown (not read). */
  componentState: string | null;
  /**
   * The page's state of the surface then, by the one definition every output uses (lib/judge/official-state.ts): the
   * component status in force raised by the incidents the page listed on it. Absent in events written before it.
   */
  state?: "operational" | "degraded" | "down" | "maintenance" | "unknown";
  /** The official incident in force, if any. Its text is untrusted: channels escape it for their format. */
  incident: { id: string; name: string; status: string; url: string | null; latestUpdate: string | null; latestUpdateAt: string | null } | null;
}

export interface AlertEvent {
  /** Stable, derived from the fact: "incident.opened:m-42", "official.updated:<update id>". The webhook-id. */
  id: string;
  type: SentEventType;
  /** When the fact happened (ISO 8601, UTC): the incident's start for "opened", its end for "resolved". */
  occurredAt: string;
  /** The surface id ("api"), or null for monitor.* and vantage.* events. */
  surface: string | null;
  /** The surface's display name ("Claude API"), or null. */
  surfaceName: string | null;
  severity: AlertSeverity;
  /** One plain-text line a person reads first: "Claude API is failing since 17:54 UTC: 56% of requests failing". */
  summary: string;
  /** Absolute link to the incident page (needs WITNESS_PUBLIC_URL), else null. */
  url: string | null;
  /** True only for `npm run alerts -- --test`: every channel marks it clearly as a test. */
  test: boolean;
  data: AlertData;
}

/** The facts behind the summary; every field a channel may show. Absent fields do not apply to the event type. */
export interface AlertData {
  /** Measured incident: its id as the site names it ("m-42"), series, model, severity. */
  incidentId?: string;
  series?: string;
  model?: string | null;
  incidentSeverity?: "degraded" | "outage";
  startedAt?: string;
  endedAt?: string | null;
  durationMs?: number | null;
  /** Share of all the surface's requests failing over the incident so far, 0..1 (lib/judge/share.ts), and in words. */
  failureRatio?: number | null;
  failureWords?: string | null;
  /** Error classes and counts, largest first ("overloaded" × 12). */
  errorMix?: { errorClass: string; count: number }[];
  /** How long after the measured start the official page acknowledged it (resolved events), null: never. */
  acknowledgementDelayMs?: number | null;
  official?: OfficialAtTheTime;
  /** Disagreement events: which way ("official_up_measured_down" or "official_down_measured_up") and since when. */
  disagreement?: { kind: "official_up_measured_down" | "official_down_measured_up"; since: string };
  /** monitor.* events: what Witness could not reach, and since when. */
  monitor?: { since: string; detail: string };
  /** Measured incidents: the thread's incident ("m-41"), the same in its opened and its resolved; channels thread on it. */
  threadId?: string;
  /** incident.resolved of a series that re-opened within FLAP_WINDOW of a resolution: how often, since when. */
  flapped?: { reopenings: number; firstStartedAt: string } | null;
  /** official.resolved: true when the page stopped listing the incident unresolved (endedAt is when it was last seen). */
  vanished?: boolean;
  /** vantage.* events: which vantage, and when the hub last got a batch from it before the silence (null: never). */
  vantage?: { id: string; name: string; since: string | null };
  /** incident.* events: how widely it fails (absent in events written before vantages: `global`). */
  scope?: "global" | "regional" | "unconfirmed";
  /** incident.* events of a hub: the vantages that saw it, each with its first failure, and how many were eligible. */
  vantages?: { id: string; name: string; firstFailureAt: string }[];
  eligibleVantages?: number;
}

/** What a channel's send answers; the dispatcher decides what happens next. Messages never carry a secret. */
export type DeliveryOutcome =
  | { ok: true; status: number }
  | { ok: false; retryable: boolean; status: number | null; retryAfterMs: number | null; error: string };

export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  send(event: AlertEvent, signal: AbortSignal): Promise<DeliveryOutcome>;
}

const eventsList = z.array(z.enum(ALERT_EVENT_TYPES)).min(1).default([...ALERT_EVENT_TYPES]);
const hasUserInfo = (value: string) => URL.canParse(value) && new URL(value).username + new URL(value).password !== "";
// fetch refuses a URL with credentials: such a channel would fail every delivery for a day, then give up. The message
// names no part of the value (it would be the password). SMTP URLs carry user:password legitimately and are not this.
const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).refine((value) => !hasUserInfo(value), {
  error: "must not carry a user name or password (user:password@): HTTP deliveries cannot send them; put a token where the channel takes one",
});

const common = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "must be a short name like ops"),
  events: eventsList,
  /** Surface ids; default every surface. monitor.* and vantage.* events ignore it. */
  surfaces: z.array(z.string().min(1)).min(1).nullable().default(null),
  /** Which scopes of measured incidents it gets (PRODUCT.md "Vantage points"): global only unless it lists more. */
  scopes: z.array(z.enum(["global", "regional", "unconfirmed"])).min(1).default(["global"]),
  minIncidentMinutes: z.number().int().min(0).max(1440).default(0),
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
};

export const channelSchema = z.discriminatedUnion("type", [
  z.object({ ...common, type: z.literal("webhook"), url: httpUrl, secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, "must be a Standard Webhooks secret (whsec_…)") }).strict(),
  z.object({ ...common, type: z.literal("slack"), url: httpUrl }).strict(),
  z.object({ ...common, type: z.literal("discord"), url: httpUrl }).strict(),
  z.object({ ...common, type: z.literal("teams"), url: httpUrl }).strict(),
  /** The topic URL (https://ntfy.sh/my-topic); `token` for a protected topic. */
  z.object({ ...common, type: z.literal("ntfy"), url: httpUrl, token: z.string().min(1).optional() }).strict(),
  z
    .object({
      ...common,
      type: z.literal("email"),
      /** smtp:// or smtps:// with user and password: smtps://user:pass@smtp.example.com:465 */
      url: z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }),
      from: z.string().min(3).max(200),
      to: z.array(z.string().min(3).max(200)).min(1),
    })
    .strict(),
  /** Events API v2; `url` only to point at another endpoint (tests, a proxy). */
  z.object({ ...common, type: z.literal("pagerduty"), routingKey: z.string().min(1).max(64), url: httpUrl.default("https://events.pagerduty.com/v2/enqueue") }).strict(),
  /** Bot API sendMessage; `url` only to point at another Bot API server (tests, a local one). */
  z.object({ ...common, type: z.literal("telegram"), botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, "must be a bot token like 123456:ABC…"), chatId: z.union([z.string().min(1), z.number().int()]), url: httpUrl.default("https://api.telegram.org") }).strict(),
]);
export type ChannelConfig = z.infer<typeof channelSchema>;

export const alertsSchema = z
  .object({
    channels: z.array(channelSchema).max(50).default([]),
    disagreementMinutes: z.number().int().min(1).max(1440).default(5),
    /** A recovery must last this long before "resolved" is sent; a failure within it folds into the thread. */
    resolveHoldMinutes: z.number().min(0).max(60).default(5),
    heartbeatUrl: httpUrl.nullable().default(null),
    /** A delivery not accepted within this long is given up: one logged failure and a metric. */
    giveUpAfterMinutes: z.number().int().min(1).max(7 * 1440).default(24 * 60),
    /** Backoff between attempts of one delivery: doubled from firstDelayMs up to maxDelayMs, with jitter. */
    retry: z
      .object({ firstDelayMs: z.number().int().min(10).max(600_000).default(5_000), maxDelayMs: z.number().int().min(10).max(3_600_000).default(600_000) })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((a) => new Set(a.channels.map((c) => c.name)).size === a.channels.length, { message: "channel names must be unique", path: ["channels"] })
  .prefault({});
export type AlertsConfig = z.infer<typeof alertsSchema>;
