import { describe, expect, it } from "vitest";
import { retryAfterMs, urlSecrets } from "@/lib/alerts/channels/http";
import { buildMessage, describeFailures, messageLines } from "@/lib/alerts/message";
import { escapeDiscord, escapeHtml, escapeSlack, fit, safeUrl } from "@/lib/alerts/text";
import type { AlertEvent } from "@/lib/alerts/types";
import { HOSTILE, hostileEvent, openedEvent, resolvedEvent } from "@/tests/unit/alert-support";

const NB = "\u00a0";
const fact = (event: AlertEvent, label: string) => buildMessage(event).facts.find((f) => f.label === label)?.value;

describe("the words of an alert", () => {
  it("an opened incident says what failed, since when in UTC, the share failing and the error mix in words", () => {
    const message = buildMessage(openedEvent());
    expect(message.title).toBe("Claude API is failing");
    expect(fact(openedEvent(), "What failed")).toBe("Streaming · claude-haiku-4-5 (outage)");
    expect(fact(openedEvent(), "Since")).toBe("17:54 UTC, 1 Dec");
    expect(fact(openedEvent(), "Failures")).toBe("56% of requests failed: 12 overloaded (HTTP 529), 3 server errors");
    expect(message.links).toEqual([
      { label: "Incident on Witness", url: "https://witness.example/incidents/m-42" },
      { label: "Official incident", url: "https://status.claude.com/incidents/yx2k" },
    ]);
  });

  it("says what the official page says at that moment: state, incident, latest update text and its time", () => {
    expect(fact(openedEvent(), "Official page")).toBe("Partial outage · Elevated errors on Claude API (investigating)");
    expect(fact(openedEvent(), "Latest official update")).toBe("“We are investigating elevated errors.” (18:02 UTC, 1 Dec)");
    expect(fact(openedEvent({}, { official: { componentState: null, incident: null } }), "Official page")).toBe("Unknown (not read)");
  });

  it("a degraded incident is degraded, not failing", () => {
    expect(buildMessage(openedEvent({ severity: "warning" }, { incidentSeverity: "degraded" })).title).toBe("Claude API is degraded");
  });

  it("a resolution names its duration and the official acknowledgement delay", () => {
    const event = resolvedEvent();
    expect(buildMessage(event).title).toBe(`Claude API recovered after 23${NB}min`);
    expect(fact(event, "Lasted")).toBe(`23${NB}min, from 17:54 UTC, 1 Dec to 18:17 UTC, 1 Dec`);
    expect(fact(event, "Official acknowledgement")).toBe(`The official page acknowledged it 1${NB}h 12${NB}min after it began`);
  });

  it.each([
    [null, "The official page never acknowledged it"],
    [30_000, "The official page acknowledged it within a minute of its start"],
    [-5 * 60_000, `The official page acknowledged it 5${NB}min before Witness measured it`],
  ])("acknowledgement delay %s reads %j", (delay, words) => {
    expect(fact(resolvedEvent({}, { acknowledgementDelayMs: delay }), "Official acknowledgement")).toBe(words);
  });

  it.each([
    ["official.opened", { componentState: "partial_outage" }, "Official page now says: Partial outage"],
    ["official.opened", { componentState: "operational" }, "Official page now says: Investigating"],
    ["official.updated", {}, "Official page updated: Investigating"],
    ["official.resolved", {}, "Official page now says: Resolved"],
  ] as const)("%s with %j is titled %j", (type, official, title) => {
    const base = openedEvent();
    const event = { ...base, type, severity: "info" as const, data: { official: { ...base.data.official!, ...official } } };
    expect(buildMessage(event).title).toBe(title);
  });

  it("monitor.offline never reads as Claude's outage", () => {
    const event: AlertEvent = {
      ...openedEvent(),
      id: "monitor.offline:2026-12-01T17:00:00.000Z",
      type: "monitor.offline",
      surface: null,
      surfaceName: null,
      severity: "warning",
      summary: "Witness cannot reach the internet",
      url: null,
      data: { monitor: { since: "2026-12-01T17:00:00.000Z", detail: "every probed host failed at the network level" } },
    };
    const message = buildMessage(event);
    expect(message.title).toBe("Witness lost its own internet connection (not a Claude outage)");
    expect(message.facts.map((f) => f.label)).toEqual(["What happened", "Since"]);
    expect(messageLines(message).join("\n")).not.toMatch(/Claude API|is failing/);
  });

  it("disagreements say which way", () => {
    const base = openedEvent({ type: "disagreement.started", severity: "warning" });
    const up = { ...base, data: { disagreement: { kind: "official_up_measured_down" as const, since: "2026-12-01T17:59:00.000Z" } } };
    const down = { ...base, data: { disagreement: { kind: "official_down_measured_up" as const, since: "2026-12-01T17:59:00.000Z" } } };
    expect(buildMessage(up).title).toBe("Claude API is failing, but the official page says it works");
    expect(buildMessage(down).title).toBe("The official page reports a problem, but Claude API works for Witness");
    expect(fact(up, "Disagreement")).toMatch(/since 17:59 UTC, 1 Dec$/);
  });

  it("a test event says TEST in the title, the summary, a fact and the footer", () => {
    const message = buildMessage(openedEvent({ test: true }));
    expect(message.title).toBe("TEST: Claude API is failing");
    expect(message.summary.startsWith("TEST: ")).toBe(true);
    // The CLI's test event names no surface: its title says it is a test, never that Claude is failing.
    const cli = buildMessage(openedEvent({ test: true, surface: null, surfaceName: null }));
    expect(cli.title).toBe("TEST: a test alert from Witness, nothing is wrong");
    expect(message.facts[0]?.label).toBe("TEST");
    expect(message.footer).toMatch(/TEST$/);
  });

  it("untrusted text is one line and capped, and non-http links are dropped", () => {
    const base = openedEvent();
    const long = { ...base.data.official!.incident!, latestUpdate: `line one\r\nline two ${"x".repeat(5_000)}`, url: "javascript:alert(1)" };
    const message = buildMessage({ ...base, data: { ...base.data, official: { componentState: "major_outage", incident: long } } });
    const update = message.facts.find((f) => f.label === "Latest official update")!.value;
    expect(update).not.toMatch(/[\r\n]/);
    expect(update.length).toBeLessThan(700);
    expect(message.links.map((l) => l.label)).toEqual(["Incident on Witness"]);
    expect(safeUrl("data:text/html,<b>")).toBeNull();
  });

  it("error classes without counts or a share say nothing rather than '0 of'", () => {
    expect(describeFailures({})).toBeNull();
    expect(describeFailures({ errorMix: [{ errorClass: "timeout", count: 1 }] })).toBe("Requests failed: 1 timeout");
  });
});

describe("escaping and fitting untrusted text", () => {
  it.each([
    ["slack", escapeSlack, /<|>/],
    ["discord", escapeDiscord, /(?<!\\)[[\]()<>@*]/],
    ["html", escapeHtml, /<|>|"/],
  ] as const)("%s escaping leaves no control character of its format", (_name, escape, control) => {
    expect(escape(HOSTILE)).not.toMatch(control);
  });

  it("fit shortens before escaping, so the result is within the limit and ends on no broken entity", () => {
    const out = fit("&".repeat(100), 52, escapeHtml);
    expect(out.length).toBeLessThanOrEqual(52);
    expect(out).toMatch(/^(&amp;)+…$/);
    const bytes = Buffer.byteLength(fit("é".repeat(3_000), 4_096, undefined, (s) => Buffer.byteLength(s)));
    expect(bytes).toBeLessThanOrEqual(4_096);
    expect(bytes).toBeGreaterThan(4_000);
  });

  it("hostile official text never reaches a message unflattened", () => {
    const lines = messageLines(buildMessage(hostileEvent())).join("\n");
    expect(lines).toContain("<script>alert(1)</script>");
    expect(lines.split("\n").filter((l) => l.includes("<script>"))).toHaveLength(2);
  });
});

describe("Retry-After and URL secrets", () => {
  it.each([
    ["120", 120_000],
    ["1.5", 1_500],
    [" 0 ", 0],
    ["soon", null],
    ["", null],
    [null, null],
  ])("Retry-After %j is %j ms", (header, ms) => {
    expect(retryAfterMs(header)).toBe(ms);
  });

  it("an HTTP-date Retry-After counts from now, never negative", () => {
    const now = Date.parse("2026-12-01T18:00:00Z");
    expect(retryAfterMs("Tue, 01 Dec 2026 18:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Tue, 01 Dec 2026 17:00:00 GMT", now)).toBe(0);
  });

  it("every path segment, query value and credential of a URL is a secret", () => {
    const secrets = urlSecrets("https://user:p%40ss@hooks.example/services/T0/B0/tok3n?sig=abcd1234");
    expect(secrets).toEqual(expect.arrayContaining(["tok3n", "abcd1234", "user", "p%40ss", "p@ss", "services"]));
    expect(secrets).not.toContain("hooks.example");
  });
});
