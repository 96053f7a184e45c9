import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDiscordChannel } from "@/lib/alerts/channels/discord";
import { postJson } from "@/lib/alerts/channels/http";
import { createNtfyChannel } from "@/lib/alerts/channels/ntfy";
import { createPagerdutyChannel } from "@/lib/alerts/channels/pagerduty";
import { createSlackChannel } from "@/lib/alerts/channels/slack";
import { createTeamsChannel } from "@/lib/alerts/channels/teams";
import { createTelegramChannel } from "@/lib/alerts/channels/telegram";
import { channelSchema, type ChannelConfig } from "@/lib/alerts/types";
import { HOSTILE, hostileEvent, json, never, openedEvent, resolvedEvent, startReceiver, type Receiver } from "@/tests/unit/alert-support";

// Each chat URL carries its secret in the path, as the real services do.
const SLACK_PATH = "/services/T0ABCDEF/B0GHIJKL/SlackSecretToken0123456789";
const DISCORD_PATH = "/api/webhooks/1234567890/DiscordSecretToken-abcdefghijkl";
const TEAMS_PATH = "/workflows/0a1b2c3d/triggers/manual/paths/invoke?api-version=1&sig=TeamsSecretSig0123456789";
const NTFY_PATH = "/witness-secret-topic-9f8e7d";
const NTFY_TOKEN = "tk_NtfySecretToken0123456789";
const BOT_TOKEN = "123456789:TelegramSecretToken-abcdefghijk";
const ROUTING_KEY = "PagerDutyRoutingKey0123456789abc";
const SECRETS = ["SlackSecretToken", "DiscordSecretToken", "TeamsSecretSig", "witness-secret-topic", "NtfySecretToken", "TelegramSecretToken", "PagerDutyRoutingKey"];

let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(() => rx.close());
beforeEach(() => {
  rx.requests.length = 0;
});

function config<T extends ChannelConfig["type"]>(type: T, fields: Record<string, unknown>): Extract<ChannelConfig, { type: T }> {
  return channelSchema.parse({ name: type, type, timeoutMs: 2_000, ...fields }) as Extract<ChannelConfig, { type: T }>;
}

const channels = () => ({
  slack: createSlackChannel(config("slack", { url: `${rx.url}${SLACK_PATH}` })),
  discord: createDiscordChannel(config("discord", { url: `${rx.url}${DISCORD_PATH}` })),
  teams: createTeamsChannel(config("teams", { url: `${rx.url}${TEAMS_PATH}` })),
  ntfy: createNtfyChannel(config("ntfy", { url: `${rx.url}${NTFY_PATH}`, token: NTFY_TOKEN })),
  telegram: createTelegramChannel(config("telegram", { url: rx.url, botToken: BOT_TOKEN, chatId: -1001234 })),
  pagerduty: createPagerdutyChannel(config("pagerduty", { url: `${rx.url}/v2/enqueue`, routingKey: ROUTING_KEY })),
});

/** The one request the receiver got, its JSON body parsed. */
function only(): { method: string; path: string; headers: Record<string, unknown>; body: string; json: any } {
  expect(rx.requests).toHaveLength(1);
  const req = rx.requests[0]!;
  return { ...req, json: req.headers["content-type"]?.startsWith("application/json") ? JSON.parse(req.body) : null };
}

describe("slack", () => {
  it("posts Block Kit (header, facts, links, context) with a text fallback, and 200 ok is delivered", async () => {
    rx.answers = [{ status: 200, headers: { "content-type": "text/html" }, body: "ok" }];
    expect(await channels().slack.send(openedEvent(), never)).toEqual({ ok: true, status: 200 });
    const req = only();
    expect([req.method, req.path, req.headers["content-type"]]).toEqual(["POST", SLACK_PATH, "application/json"]);
    const [header, summary, facts, links, context] = req.json.blocks;
    expect(header).toEqual({ type: "header", text: { type: "plain_text", text: "Claude API is failing", emoji: true } });
    expect(summary.text.type).toBe("mrkdwn");
    expect(facts.fields).toContainEqual({ type: "mrkdwn", text: "*Failures*\n56% of requests failed: 12 overloaded (HTTP 529), 3 server errors" });
    expect(links.text.text).toBe("<https://witness.example/incidents/m-42|Incident on Witness>  ·  <https://status.claude.com/incidents/yx2k|Official incident>");
    expect(context.type).toBe("context");
    expect(req.json.text).toContain("Claude API is failing");
  });

  it("400 invalid_payload is not retried; 429 is, after its Retry-After", async () => {
    rx.answers = [{ status: 400, body: "invalid_payload" }];
    const bad = await channels().slack.send(openedEvent(), never);
    expect(bad).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(!bad.ok && bad.error).toBe(`slack via ${new URL(rx.url).host}: HTTP 400 invalid_payload`);
    rx.answers = [{ status: 429, headers: { "retry-after": "30" }, body: "rate_limited" }];
    expect(await channels().slack.send(openedEvent(), never)).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 30_000 });
  });

  it("hostile official text cannot ping, link or tag: &, < and > are escaped", async () => {
    rx.answers = [{ status: 200, body: "ok" }];
    await channels().slack.send(hostileEvent(), never);
    const mrkdwn = JSON.stringify(only().json.blocks.filter((b: any) => b.type !== "header"));
    expect(mrkdwn).not.toMatch(/<!channel>|<script>|<https:\/\/evil/);
    expect(mrkdwn).toContain("&lt;!channel&gt;");
    expect(mrkdwn).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});

describe("discord", () => {
  it("posts one embed coloured by severity with fields, timestamp and url; 204 is delivered", async () => {
    rx.answers = [{ status: 204 }];
    expect(await channels().discord.send(openedEvent(), never)).toEqual({ ok: true, status: 204 });
    const { json: body, path } = only();
    expect(path).toBe(DISCORD_PATH);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    const [embed] = body.embeds;
    expect(embed).toMatchObject({ title: "Claude API is failing", color: 0xd92d20, url: "https://witness.example/incidents/m-42", timestamp: "2026-12-01T17:54:00.000Z" });
    expect(embed.fields.map((f: any) => f.name)).toEqual(["Surface", "What failed", "Since", "Failures", "Official page", "Latest official update", "Links"]);
    rx.requests.length = 0;
    await channels().discord.send(resolvedEvent(), never);
    expect(only().json.embeds[0].color).toBe(0x12b76a);
  });

  it("429 waits what the JSON retry_after says (seconds), or the Retry-After header", async () => {
    rx.answers = [json(429, { message: "You are being rate limited.", retry_after: 1.5, global: false })];
    expect(await channels().discord.send(openedEvent(), never)).toMatchObject({ ok: false, retryable: true, retryAfterMs: 1_500 });
    rx.answers = [json(429, { message: "You are being rate limited.", retry_after: 1.5, global: false }, { "retry-after": "2" })];
    expect(await channels().discord.send(openedEvent(), never)).toMatchObject({ retryAfterMs: 2_000 });
    rx.answers = [json(404, { message: "Unknown Webhook", code: 10015 })];
    expect(await channels().discord.send(openedEvent(), never)).toMatchObject({ ok: false, retryable: false, status: 404 });
  });

  it("hostile official text is markdown-escaped and cannot mention anyone", async () => {
    rx.answers = [{ status: 204 }];
    await channels().discord.send(hostileEvent(), never);
    const embed = only().json.embeds[0];
    const update = embed.fields.find((f: any) => f.name === "Latest official update").value as string;
    const total = [embed.title, embed.description, embed.footer.text, ...embed.fields.flatMap((f: any) => [f.name, f.value])].join("").length;
    expect(total).toBeLessThanOrEqual(6_000);
    expect(update).toContain("\\@everyone");
    expect(update).toContain("\\[click\\]\\(https\\:");
    expect(update).toContain("\\*\\*bold\\*\\*");
    expect(update).not.toMatch(/(?<!\\)[[\]()*<>@]/);
  });
});

describe("teams", () => {
  it("posts a Workflows message whose one attachment is an Adaptive Card 1.4 with open-URL actions", async () => {
    rx.answers = [{ status: 202 }];
    expect(await channels().teams.send(openedEvent(), never)).toEqual({ ok: true, status: 202 });
    const { json: body, path } = only();
    expect(path).toBe(TEAMS_PATH);
    expect(body.type).toBe("message");
    expect(body.attachments).toHaveLength(1);
    const { contentType, content } = body.attachments[0];
    expect(contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(content).toMatchObject({ $schema: "http://adaptivecards.io/schemas/adaptive-card.json", type: "AdaptiveCard", version: "1.4" });
    expect(content.body[0]).toMatchObject({ type: "Container", style: "attention" });
    expect(content.actions).toEqual([
      { type: "Action.OpenUrl", title: "Incident on Witness", url: "https://witness.example/incidents/m-42" },
      { type: "Action.OpenUrl", title: "Official incident", url: "https://status.claude.com/incidents/yx2k" },
    ]);
  });

  it("hostile text lives only in TextRuns, which Adaptive Cards never parse as markdown", async () => {
    rx.answers = [{ status: 202 }];
    await channels().teams.send(hostileEvent(), never);
    const card = only().json.attachments[0].content;
    const texts: { type: string; text: string }[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        const n = node as Record<string, unknown>;
        if (typeof n.text === "string") texts.push({ type: String(n.type), text: n.text });
        Object.values(n).forEach(walk);
      }
    };
    walk(card);
    expect(texts.some((t) => t.text.includes("<script>"))).toBe(true);
    expect(new Set(texts.map((t) => t.type))).toEqual(new Set(["TextRun"]));
  });

  it("a 5xx from the workflow is retried", async () => {
    rx.answers = [{ status: 502, body: "Bad Gateway" }];
    expect(await channels().teams.send(openedEvent(), never)).toMatchObject({ ok: false, retryable: true, status: 502, retryAfterMs: null });
  });
});

describe("ntfy", () => {
  it.each([
    ["critical", "5", "rotating_light", openedEvent()],
    ["warning", "4", "warning", openedEvent({ severity: "warning" }, { incidentSeverity: "degraded" })],
    ["resolved", "3", "white_check_mark", resolvedEvent()],
  ] as const)("a %s event posts plain text with Title, Priority %s, Tags %s, Click and the bearer token", async (_s, priority, tags, event) => {
    rx.answers = [json(200, { id: "abc", event: "message" })];
    expect(await channels().ntfy.send(event, never)).toEqual({ ok: true, status: 200 });
    const req = only();
    expect([req.method, req.path]).toEqual(["POST", NTFY_PATH]);
    expect(req.headers).toMatchObject({ priority, tags, click: "https://witness.example/incidents/m-42", authorization: `Bearer ${NTFY_TOKEN}` });
    expect(req.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(req.body).toContain("Failures: 56% of requests failed: 12 overloaded (HTTP 529), 3 server errors");
  });

  it("a non-ASCII title is RFC 2047-encoded; a test event is tagged", async () => {
    rx.answers = [json(200, {})];
    await channels().ntfy.send(resolvedEvent({ test: true, surfaceName: "Claude API — Europe" }), never);
    const title = String(only().headers.title);
    expect(title).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    expect(Buffer.from(title.slice(10, -2), "base64").toString("utf8")).toBe("TEST: Claude API — Europe recovered after 23 min");
    expect(only().headers.tags).toBe("white_check_mark,test_tube");
  });

  it("a surface name cannot inject a header, and a 429 honours an HTTP-date Retry-After", async () => {
    const when = new Date(Date.now() + 60_000).toUTCString();
    rx.answers = [json(429, { code: 42901, http: 429, error: "limit reached: too many requests" }, { "retry-after": when })];
    const outcome = await channels().ntfy.send(openedEvent({ surfaceName: "Claude\r\nX-Evil: 1" }), never);
    expect(outcome).toMatchObject({ ok: false, retryable: true, status: 429 });
    expect(!outcome.ok && outcome.retryAfterMs).toBeGreaterThan(50_000);
    expect(only().headers["x-evil"]).toBeUndefined();
  });
});

describe("telegram", () => {
  it("posts sendMessage to /bot<token>/ with chat_id, HTML text and link preview options", async () => {
    rx.answers = [json(200, { ok: true, result: { message_id: 7 } })];
    expect(await channels().telegram.send(openedEvent(), never)).toEqual({ ok: true, status: 200 });
    const { json: body, path } = only();
    expect(path).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    expect(body).toMatchObject({ chat_id: -1001234, parse_mode: "HTML", link_preview_options: { is_disabled: true } });
    expect(body.text.startsWith("<b>Claude API is failing</b>\n")).toBe(true);
    expect(body.text).toContain('<a href="https://witness.example/incidents/m-42">Incident on Witness</a>');
  });

  it("flood control (429 with parameters.retry_after) is retried after it; 400 chat not found is not", async () => {
    rx.answers = [json(429, { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } })];
    expect(await channels().telegram.send(openedEvent(), never)).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 7_000 });
    rx.answers = [json(400, { ok: false, error_code: 400, description: "Bad Request: chat not found" })];
    const bad = await channels().telegram.send(openedEvent(), never);
    expect(bad).toMatchObject({ ok: false, retryable: false, status: 400 });
    expect(!bad.ok && bad.error).toContain("chat not found");
  });

  it("hostile text is entity-escaped: the only tags are Witness's own b, i and a", async () => {
    rx.answers = [json(200, { ok: true, result: {} })];
    await channels().telegram.send(hostileEvent(), never);
    const text = only().json.text as string;
    expect(text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const tags = [...text.matchAll(/<\/?([a-z]+)/g)].map((m) => m[1]);
    expect(new Set(tags)).toEqual(new Set(["b", "i", "a"]));
    expect(text.match(/<a /g)).toHaveLength(2);
  });
});

describe("pagerduty", () => {
  it("an opened incident triggers and its resolution resolves with the same dedup_key", async () => {
    rx.answers = [json(202, { status: "success", message: "Event processed", dedup_key: "witness-m-42" })];
    expect(await channels().pagerduty.send(openedEvent(), never)).toEqual({ ok: true, status: 202 });
    expect(await channels().pagerduty.send(resolvedEvent(), never)).toEqual({ ok: true, status: 202 });
    const [trigger, resolve] = rx.requests.map((r) => JSON.parse(r.body));
    expect(rx.requests[0]!.path).toBe("/v2/enqueue");
    expect(trigger).toMatchObject({ routing_key: ROUTING_KEY, event_action: "trigger", dedup_key: "witness-m-42" });
    expect(trigger.payload).toMatchObject({ source: "witness", severity: "critical", timestamp: "2026-12-01T17:54:00.000Z", component: "api", class: "incident.opened" });
    expect(trigger.payload.summary).toMatch(/^Claude API is failing/);
    expect(trigger.payload.custom_details.Failures).toBe("56% of requests failed: 12 overloaded (HTTP 529), 3 server errors");
    expect(trigger.links[0]).toEqual({ href: "https://witness.example/incidents/m-42", text: "Incident on Witness" });
    expect(resolve).toEqual({ routing_key: ROUTING_KEY, event_action: "resolve", dedup_key: "witness-m-42" });
  });

  it("400 invalid event is not retried, 429 is; the summary stays within 1024 characters", async () => {
    rx.answers = [json(400, { status: "invalid event", message: "Event object is invalid", errors: ["Length of 'routing_key' is incorrect"] })];
    expect(await channels().pagerduty.send(openedEvent(), never)).toMatchObject({ ok: false, retryable: false, status: 400 });
    rx.answers = [json(429, { status: "throttle event", message: "Requests for this service are arriving too quickly" })];
    expect(await channels().pagerduty.send(openedEvent(), never)).toMatchObject({ ok: false, retryable: true, status: 429 });
    rx.requests.length = 0;
    rx.answers = [json(202, { status: "success" })];
    await channels().pagerduty.send(openedEvent({ summary: "x".repeat(5_000) }), never);
    expect(only().json.payload.summary.length).toBeLessThanOrEqual(1_024);
  });
});

describe("plain-text channels", () => {
  it("ntfy and PagerDuty carry hostile official text as one line of text, never as a header or markup", async () => {
    rx.answers = [json(202, { status: "success" })];
    await channels().ntfy.send(hostileEvent(), never);
    await channels().pagerduty.send(hostileEvent(), never);
    const [ntfy, pagerduty] = rx.requests;
    expect(ntfy!.body).toContain(`Latest official update: “${HOSTILE}”`);
    expect(ntfy!.headers.title).toBe("Claude API is failing");
    const details = JSON.parse(pagerduty!.body).payload.custom_details;
    expect(details["Latest official update"]).toBe(`“${HOSTILE}” (18:02 UTC, 1 Dec)`);
  });
});

describe("no channel's error names its secret", () => {
  it.each([400, 429, 500])("even when the receiver echoes the request's path, auth header and body back with %i", async (status) => {
    // A hostile proxy that quotes the request back, secret path, token and routing key included.
    rx.answers = [(req) => ({ status, body: `${req.path} ${req.headers.authorization ?? ""} ${req.body.slice(0, 80)}` })];
    for (const [type, channel] of Object.entries(channels())) {
      const outcome = await channel.send(openedEvent(), never);
      expect(outcome.ok).toBe(false);
      const error = outcome.ok ? "" : outcome.error;
      expect(error.startsWith(`${type} via ${new URL(rx.url).host}: HTTP ${status}`)).toBe(true);
      for (const secret of SECRETS) expect(error, `${type}: ${error}`).not.toContain(secret);
    }
  });
});

describe("the shared HTTP POST", () => {
  it("a refused connection and a hung receiver are retryable, and name only the host", async () => {
    const gone = await startReceiver();
    await gone.close();
    const refused = await postJson(`${gone.url}/services/T0/B0/SecretTok3n`, {}, { timeoutMs: 1_000, label: "slack" });
    expect(refused).toMatchObject({ ok: false, retryable: true, status: null });
    expect(!refused.ok && refused.error).toBe(`slack via ${new URL(gone.url).host}: network error: ECONNREFUSED`);
    rx.answers = [{ status: 200, hang: true }];
    const started = Date.now();
    const hung = await postJson(`${rx.url}/hook/SecretTok3n`, {}, { timeoutMs: 300, label: "discord" });
    expect(hung).toMatchObject({ ok: false, retryable: true, status: null });
    expect(!hung.ok && hung.error).toMatch(/no answer within 300 ms$/);
    expect(Date.now() - started).toBeLessThan(10_000); // a hang would never end: seconds catch it on any machine
  });

  it("a redirect is a config error, not followed and not retried", async () => {
    rx.answers = [{ status: 301, headers: { location: "http://127.0.0.1:9/elsewhere" } }];
    const outcome = await postJson(`${rx.url}/hook`, {}, { timeoutMs: 1_000, label: "teams" });
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 301 });
    expect(rx.requests).toHaveLength(1);
  });

  it("a 503 with Retry-After is retried after it", async () => {
    rx.answers = [{ status: 503, headers: { "retry-after": "5" }, body: "maintenance" }];
    expect(await postJson(`${rx.url}/hook`, {}, { timeoutMs: 1_000 })).toMatchObject({ ok: false, retryable: true, status: 503, retryAfterMs: 5_000 });
  });
});
