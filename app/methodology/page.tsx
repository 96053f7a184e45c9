/**
 * How Witness measures, from this instance's own configuration: what each probe sends and how often, what counts
 * as down, how incidents open and resolve, how the official page is compared, and the grade scale. Never shows the
 * API key, nor any URL (a gateway URL can carry a token in its path).
 */
import type { Metadata, ResolvingMetadata } from "next";
import { livePreview } from "@/app/_components/preview-metadata";
import Link from "next/link";
import { listAlerts } from "@/lib/alerts/listing";
import type { Config } from "@/lib/config";
import { describeGradeScale } from "@/lib/judge/grade";
import { formatDuration, formatPercent, plural } from "@/lib/dashboard/format";
import { getWebContext } from "@/lib/web/context";
import { readData } from "@/app/_components/data";
import { DataReadAt } from "@/app/_components/data-read-at";
import { ReadToken } from "@/app/_components/read-token";
import { VantagesTable } from "@/app/_components/vantages-table";
import { listVantages, readVantageListing } from "@/lib/vantage/listing";
import { CODE_MAX_TOKENS, CODE_TOOLS, PROBE_FILE } from "@/probes/code-request";
import { PROBE_KINDS, type ProbeKind } from "@/probes/types";

// Rendered per request from data lib/web/cache.ts keeps fresh; never a copy on disk from another server or database.
export const dynamic = "force-dynamic";

export async function generateMetadata(_props: unknown, parent: ResolvingMetadata): Promise<Metadata> {
  return { title: "Methodology", ...(await livePreview(parent)) };
}

const SECOND = 1000;

const PROBES: Record<ProbeKind, { sends: string; upWhen: string; slow: string }> = {
  messages: {
    sends: "one non-streaming POST /v1/messages per model",
    upWhen: "2xx, a message with non-empty text that passes the answer check",
    slow: "total time",
  },
  stream: {
    sends: 'the same with "stream": true, read to message_stop',
    upWhen: "the stream ends with message_stop, had text, passes the check",
    slow: "time to first token",
  },
  edge: {
    sends: "a keyless POST /v1/messages",
    upWhen: "the expected 401 authentication_error: DNS, TLS, Cloudflare and the API front door answer",
    slow: "time to first byte",
  },
  web: {
    sends: "GET of claude.ai, redirects not followed",
    upWhen: "2xx/3xx HTML; a Cloudflare challenge is blocked (inconclusive), not down",
    slow: "total time",
  },
  status: {
    sends: "GET /api/v2/summary.json of the official page",
    upWhen: 'it parses; an unreadable page means "official status unknown"',
    slow: "total time",
  },
  console: {
    sends: "GET of the Claude Console, redirects not followed",
    upWhen: "judged exactly like claude.ai: 2xx/3xx HTML; a Cloudflare challenge is blocked (inconclusive)",
    slow: "total time",
  },
  browser: {
    sends:
      "claude.ai loaded once in a headless system Chromium, a fresh browser and context per run (no cookies, no cache), in a time slot no other probe shares; the app's own requests (its origin, claude.ai, *.claude.ai, *.anthropic.com, or probes.browser.firstPartyHosts) are watched, third-party ones ignored",
    upWhen:
      "the app is usable: probes.browser.readySelector visible, or else the load event, the app's requests started by then answered, and visible text; never \"network idle\". The page answering 5xx/529 is http_5xx/overloaded; an app request answering 5xx, 529 or 429 takes that class and is named; one never answering is timeout, named; a script that did not load or threw, an uncaught page error, or nothing usable is app_error; a Cloudflare challenge still showing after 5 s is blocked (inconclusive); 401/403 from account endpoints are expected and ignored; a browser that cannot start is inconclusive. A failed run keeps a screenshot for its incident page",
    slow: "time from the navigation's start until usable",
  },
  code: {
    sends: `per model, two streaming POST /v1/messages shaped like Claude Code's: a system prompt, ${CODE_TOOLS.length} tools with JSON schemas, at most ${CODE_MAX_TOKENS} tokens; the second sends back the tool call with its tool_result`,
    upWhen: "step 1 streams a call of an offered tool whose input is a JSON object with the schema's required keys (not JSON: malformed_response; another tool, a missing key or text instead: wrong_answer); step 2's answer passes the answer check",
    slow: "the whole round trip",
  },
};

/** README's "Error classes" table, word for word. */
const ERROR_CLASSES: readonly [string, string, string][] = [
  ["timeout", "the deadline passed before the response headers, or before a non-streaming body was complete", "down"],
  ["dns_error", "the name did not resolve", "down, or inconclusive (monitor offline:) when every probed host fails at the network level at once"],
  ["connection_error", "refused or reset before a complete response", "down (same caveat)"],
  ["tls_error", "handshake or certificate failure", "down"],
  ["http_5xx", "any 5xx but 529, Cloudflare 52x pages included", "down"],
  ["overloaded", "HTTP 529, or an overloaded_error body", "down"],
  ["rate_limited", "HTTP 429 (our limits or our spend cap)", "inconclusive"],
  ["auth_error", "a keyed probe's 401, or its 403 when the answer blames the key (authentication_error, a key that is invalid, disabled or lacks permission)", "inconclusive (misconfigured: the message says so)"],
  ["client_error", "any other 4xx (bad request, retired model)", "inconclusive (misconfigured)"],
  ["blocked", "a Cloudflare challenge or error code: 1010, or any other 403 that refuses this client rather than a key (the API edge's forbidden \"Request not allowed\", claude.ai's permission_error \"unable to serve your request\"): its network or region", "inconclusive"],
  ["empty_response", "2xx but no text: content: [], only empty text, or a stream with no non-empty text_delta", "down"],
  ["malformed_response", "2xx but unparsable (a status page nested over 64 levels deep included), the wrong shape, or HTML where JSON belongs", "down"],
  ["stream_error", "an in-band event: error after the 200 (its error.type is kept in message)", "down"],
  ["stream_truncated", "the stream ended, cleanly or by reset, before message_stop", "down"],
  ["stream_stalled", "a stream had begun, then no bytes came for the idle timeout, or the deadline passed", "down"],
  ["app_error", "browser only: the page came back, but the app failed with no HTTP cause: a first-party script that did not load or threw, an uncaught page error, or nothing usable", "down"],
  ["wrong_answer", "the answer check failed", "degraded"],
  ["slow", "worked, but over its latency threshold", "degraded"],
];

function outcomeClass(outcome: string): string {
  if (outcome.startsWith("down")) return "state-down";
  if (outcome.startsWith("degraded")) return "state-degraded";
  return "state-unknown";
}

function every(seconds: number): string {
  if (seconds === 60) return "every minute";
  if (seconds < 60) return `every ${seconds} s`;
  return `every ${formatDuration(seconds * SECOND)}`;
}

/** A setting as it was configured, not rounded for reading: 90 s stays "90 s" (formatDuration would say "2 min"). */
function setting(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return ms % 60_000 === 0 ? formatDuration(ms) : `${ms / 1000} s`;
}

export default function MethodologyPage() {
  const { config } = getWebContext();
  // This page's data is the running configuration, read from the web context as the page renders.
  const readAt = Date.now();
  return (
    <div className="page prose" data-generated-at={readAt}>
      <header className="page-head">
        <h1>Methodology</h1>
        <p className="lead">
          How this Witness instance measures Claude and holds the official status page to account. Every number on
          this page is read from its running configuration.
        </p>
        <DataReadAt at={readAt} />
      </header>
      <nav aria-label="On this page" className="toc card">
        <ul>
          <li>
            <a href="#probes">What the probes send</a>
          </li>
          <li>
            <a href="#error-classes">What counts as down</a>
          </li>
          <li>
            <a href="#incidents">How incidents open and resolve</a>
          </li>
          <li>
            <a href="#official">Reading the official page</a>
          </li>
          <li>
            <a href="#comparison">Matching, acknowledgement, disagreement, uptime</a>
          </li>
          <li>
            <a href="#grade">The grade</a>
          </li>
          <li>
            <a href="#alerts">Alerts</a>
          </li>
          {config.vantages.length > 0 ? (
            <li>
              <a href="#vantages">Vantages</a>
            </li>
          ) : null}
        </ul>
      </nav>
      <ReadToken password={config.dashboardPassword} />
      <Probes config={config} />
      <ErrorClasses />
      <Incidents config={config} />
      <Official config={config} />
      <Comparison config={config} />
      <Grade />
      <Alerts config={config} />
      {config.vantages.length > 0 ? <Vantages /> : null}
    </div>
  );
}

function Probes({ config }: { config: Config }) {
  const keyed = config.apiKey !== null;
  return (
    <section id="probes" aria-labelledby="probes-title" className="section">
      <h2 id="probes-title">What the probes send</h2>
      <p>
        Each probe makes one request per run and never retries (confirming an outage is the incident detector&rsquo;s
        job), except <code>code</code>, whose tool round trip is two, and <code>browser</code>, one page load with the
        requests the page makes itself. <code>browser</code> needs a Chromium on this machine (<code>CHROMIUM_PATH</code>,
        else the usual install paths) and is skipped with one log line without one. The keyed probes (<code>messages</code>,{" "}
        <code>stream</code>, <code>code</code>) run once per model:{" "}
        {config.models.map((m, i) => (
          <span key={m}>
            {i ? ", " : ""}
            <code>{m}</code>
          </span>
        ))}
        , <code>messages</code> and <code>stream</code> asking for at most {config.maxTokens} tokens with the prompt &ldquo;{config.answer.prompt}&rdquo; and
        expecting a reply that {config.answer.match === "regex" ? "matches" : config.answer.match === "exact" ? "is exactly" : "contains"} &ldquo;
        {config.answer.expect}&rdquo;. They need an API key, sent only in the <code>x-api-key</code> header and
        never shown, logged or stored; on this instance the keyed probes are {keyed ? "enabled" : "skipped (no key is configured)"}.
      </p>
      <div className="table-wrap">
        <table>
          <caption>Probes on this instance</caption>
          <thead>
            <tr>
              <th scope="col">Probe</th>
              <th scope="col">Sends</th>
              <th scope="col">How often</th>
              <th scope="col" className="num">
                Timeout
              </th>
              <th scope="col">Slow (degraded) when</th>
              <th scope="col">Up when</th>
            </tr>
          </thead>
          <tbody>
            {PROBE_KINDS.map((kind) => {
              const p = config.probes[kind];
              return (
                <tr key={kind}>
                  <th scope="row">
                    <code>{kind}</code>
                    {!p.enabled ? <span className="small muted block">disabled</span> : null}
                  </th>
                  <td>{PROBES[kind].sends}</td>
                  <td>{p.enabled ? every(p.intervalSeconds) : "never"}</td>
                  <td className="num">
                    {setting(p.timeoutMs)}
                    {kind === "stream" || kind === "code" ? <span className="small muted block">idle {setting(p.idleTimeoutMs)}</span> : null}
                  </td>
                  <td>
                    {PROBES[kind].slow} over {setting(p.slowMs)}
                  </td>
                  <td>{PROBES[kind].upWhen}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p>
        Each result records the time of each phase on a fresh connection (DNS, connect, TLS), time to first byte, time
        to first token (the first non-empty <code>text_delta</code>) and total time, plus tokens per second while
        streaming. Probes sharing an interval are spread evenly across it. Raw results are kept{" "}
        {plural(config.retention.rawDays, "day")}; minute, hour and day rollups (with mergeable histograms for p50/p95)
        are kept for good.
      </p>
      <h3 id="code">The Claude Code probe</h3>
      <p>
        <code>code</code> measures Claude Code&rsquo;s API path with this instance&rsquo;s API key, not Claude
        Code&rsquo;s login: a developer signed in with a Claude subscription reaches the same Messages API through an
        OAuth session, which no monitor can hold for you. The request takes its shape from the public{" "}
        <code>@anthropic-ai/claude-code</code> package: <code>&quot;stream&quot;: true</code>, a <code>system</code>{" "}
        prompt as a text block, the tools {CODE_TOOLS.map((t, i) => (
          <span key={t.name}>
            {i ? ", " : ""}
            <code>{t.name}</code>
          </span>
        ))}{" "}
        (name, description, JSON-schema <code>input_schema</code>), no <code>tool_choice</code> (the model picks the
        call itself, as in Claude Code), <code>max_tokens</code> {CODE_MAX_TOKENS} (room for a sentence and the call;
        output is billed as generated, not as allowed), and the user message &ldquo;Call the read_file tool with path
        &quot;{PROBE_FILE}&quot;&hellip;&rdquo;. Its headers are the other probes&rsquo;: <code>anthropic-version</code>,{" "}
        <code>x-api-key</code> and this instance&rsquo;s user agent, and no <code>anthropic-beta</code>: the beta
        Claude Code names itself (<code>claude-code-20250219</code>) is not one the Messages API documents, and
        fine-grained tool streaming, documented and now a per-tool field rather than a beta, is off by default in
        Claude Code too. The streamed <code>input_json_delta</code> pieces are joined and checked; then the
        conversation goes back with the assistant&rsquo;s <code>tool_use</code> and a <code>tool_result</code> whose
        content is the prompt above, and the final streamed answer must pass the answer check. The result&rsquo;s
        time to first token is the first request&rsquo;s (its first text or tool input), its total time the whole
        round trip, and a failure names its step (&ldquo;step 2 (tool_result): HTTP 529 &hellip;&rdquo;).
      </p>
      <h3>Surfaces</h3>
      <p>A surface is a group of series held against one component of the official page:</p>
      <ul>
        {config.surfaces.map((s) => (
          <li key={s.id}>
            <strong>{s.name}</strong>: the {s.kinds.map((k) => `${k}`).join(", ")} probes, against the official component <code>{s.componentId}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ErrorClasses() {
  return (
    <section id="error-classes" aria-labelledby="error-classes-title" className="section">
      <h2 id="error-classes-title">What counts as down: error classes</h2>
      <p>
        Every run ends with one outcome (<span className="state-up">up</span>, <span className="state-degraded">degraded</span>,{" "}
        <span className="state-down">down</span> or <span className="state-unknown">inconclusive</span>) and, when it did
        not simply work, one error class. Inconclusive results (our key, our limits, a bot wall, our own network) are
        stored and shown but never open or close an incident. A probe that crashes (a bug of Witness&rsquo;s, not
        Claude&rsquo;s) is stored as inconclusive with no error class.
      </p>
      <div className="table-wrap">
        <table>
          <caption>Error classes</caption>
          <thead>
            <tr>
              <th scope="col">Error class</th>
              <th scope="col">When</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {ERROR_CLASSES.map(([cls, when, outcome]) => (
              <tr key={cls}>
                <th scope="row">
                  <code>{cls}</code>
                </th>
                <td>{when}</td>
                <td>
                  <span className={outcomeClass(outcome)}>{outcome}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="small muted">
        {`Always on: when every distinct host Witness probes in the same round (the official status page's host included, which runs on infrastructure of its own) fails at the network level (dns_error, connection_error, tls_error, or a timeout before any response header), the fault is our network, not Claude's. Those results are stored inconclusive with their class kept and a message starting "monitor offline:", open no incident and count toward no uptime; the dashboard says Witness cannot reach the internet. connectivityCheck.url, off by default, only adds one more host of your choosing to that round. With every target on one host, the rule cannot tell and failures stay down.`}
      </p>
    </section>
  );
}

function Incidents({ config }: { config: Config }) {
  const i = config.incidents;
  return (
    <section id="incidents" aria-labelledby="incidents-title" className="section">
      <h2 id="incidents-title">How incidents open and resolve</h2>
      <p>Each series (a probe kind, and a model for the keyed kinds) is folded result by result into a detector:</p>
      <ul>
        <li>
          An incident <strong>opens</strong> after {plural(i.openAfter, "consecutive failing result")}, or when failures reach{" "}
          {formatPercent(i.failureRatio)} of the last {plural(i.windowMinutes, "minute")} (with at least {plural(i.minWindowResults, "result")} in that window).
        </li>
        <li>
          It <strong>resolves</strong> after {plural(i.resolveAfter, "consecutive success", "consecutive successes")}.
        </li>
        <li>
          It is dated from the first failing result that is part of the evidence, not from its confirmation, and ends at the first result of the
          run of successes.
        </li>
        <li>
          Degraded results (slow, wrong answer) open <span className="state-degraded">degraded</span> incidents by the same rule; an incident
          becomes <span className="state-down">down</span> when down results alone would have opened one.
        </li>
        <li>
          No result for {i.gapIntervals} × the probe interval means Witness was not running: that time is <span className="state-nodata">no data</span>,
          excluded from uptime, and failures on either side of it are not one run.
        </li>
      </ul>
      <p>
        Overlapping incidents of the series of one surface are shown as one surface incident (&ldquo;2 of 7 series failing&rdquo;), with its
        peak failure ratio, its mix of error classes and sample request ids.
      </p>
    </section>
  );
}

function Official({ config }: { config: Config }) {
  return (
    <section id="official" aria-labelledby="official-title" className="section">
      <h2 id="official-title">Reading the official page</h2>
      <p>
        The <code>status</code> probe reads the official page&rsquo;s <code>summary.json</code> {every(config.probes.status.intervalSeconds)}. A
        component&rsquo;s status is stored when it changes and as a heartbeat every {plural(config.official.heartbeatMinutes, "minute")}, so a gap in
        our reading shows. An unreachable, HTML, challenged or unparsable page is stored as <span className="state-unknown">unknown</span>, never as
        operational. Its incidents (resolved ones too, from <code>incidents.json</code> every {plural(config.official.historyIntervalMinutes, "minute")}
        ) are kept with every update, and every distinct payload is kept for audit.
      </p>
      <p>
        The page&rsquo;s state at a minute is its component status, raised by any open incident on that component (by its impact), and becomes
        unknown when no reading came for two heartbeats. Witness speaks for the page only in minutes it was reading it: an incident from the
        page&rsquo;s history that began before Witness ran colours no official bar. An unresolved incident that a later reading no longer lists
        has <em>vanished</em>: it is closed when Witness last saw it, and never acknowledges anything measured after that.
      </p>
    </section>
  );
}

function Comparison({ config }: { config: Config }) {
  const i = config.incidents;
  return (
    <section id="comparison" aria-labelledby="comparison-title" className="section">
      <h2 id="comparison-title">Matching, acknowledgement, disagreement, uptime</h2>
      <dl className="terms">
        <dt>Matching</dt>
        <dd>
          A measured incident is acknowledged by the official incidents on its component (or naming no component) whose span overlaps it, with{" "}
          {plural(i.matchGraceMinutes, "minute")} of slack either side. Official incidents that overlap no measured incident are listed as &ldquo;no
          measured impact&rdquo; when Witness measured every minute of them, and as &ldquo;Witness was not running&rdquo; (no data) when it did
          not. Impact matches when minor ↔ degraded and major/critical ↔ down.
        </dd>
        <dt>Acknowledgement delay</dt>
        <dd>
          The official incident&rsquo;s creation (or its first update, whichever is earlier) minus the measured start; negative when the page spoke
          first. &ldquo;Never acknowledged&rdquo; means no official incident overlapped the measured one. Incidents shorter than{" "}
          {plural(i.accountableAfterMinutes, "minute")} are listed but not graded.
        </dd>
        <dt>Disagreement</dt>
        <dd>
          Counted minute by minute, per surface, where both sides are known: official operational while measured down (the worst case), official
          operational while measured degraded, official worse than measured, and both in trouble at different severities. Maintenance minutes are
          never counted. The sentence on the home page (&ldquo;Official: operational. Measured: 38% of requests failing for 23 minutes.&rdquo;) appears
          whenever the two states differ now.
        </dd>
        <dt>Uptime</dt>
        <dd>
          Measured: 1 − down minutes ÷ minutes with data (degraded counts as up). A result covers the minutes up to the series&rsquo; next
          result, at most {i.gapIntervals} intervals; an inconclusive one covers none, so it counts toward neither side. Official: 1 − minutes in
          partial or major outage (or under an open major or critical incident) ÷ minutes the page&rsquo;s state was known. Every figure, on the
          pages, the badges, the API and the report, counts the same minutes. Figures are rounded down, so any downtime never reads 100%.
        </dd>
      </dl>
    </section>
  );
}

function Grade() {
  return (
    <section id="grade" aria-labelledby="grade-title" className="section">
      <h2 id="grade-title">The grade scale</h2>
      <p>How promptly and how often the official page admitted what Witness measured, over the accountable incidents of a window:</p>
      <p className="card grade-scale">{describeGradeScale()}</p>
      <p>
        The grade is n/a when there was nothing to acknowledge. Under 15 minutes is what independent trackers call good. See the{" "}
        <Link href="/incidents">incident history</Link> for each incident&rsquo;s delay.
      </p>
    </section>
  );
}

/** The configured channels by type and name only: their URLs and tokens are secrets and never rendered. */
function Alerts({ config }: { config: Config }) {
  const { channels, disagreementMinutes, hasHeartbeat } = listAlerts(config.alerts);
  return (
    <section id="alerts" aria-labelledby="alerts-title" className="section">
      <h2 id="alerts-title">Alerts</h2>
      {channels.length === 0 ? (
        <p>No alert channels are configured on this instance.</p>
      ) : (
        <>
          <p>
            This instance tells {plural(channels.length, "channel")} when a measured incident is confirmed or resolved, when the official page posts,
            and when the two disagree for {plural(disagreementMinutes, "minute")}:
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Type</th>
                <th scope="col">Events</th>
                <th scope="col">Surfaces</th>
                <th scope="col">Waits</th>
              </tr>
            </thead>
            <tbody>
              {channels.map((c) => (
                <tr key={c.name}>
                  <th scope="row">{c.name}</th>
                  <td>{c.type}</td>
                  <td>{c.events === null ? "all" : c.events.join(", ")}</td>
                  <td>{c.surfaces === null ? "all" : c.surfaces.join(", ")}</td>
                  <td>{c.minIncidentMinutes === 0 ? "no" : plural(c.minIncidentMinutes, "minute")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <p>{hasHeartbeat ? "A heartbeat URL is pinged every minute while the worker is healthy, so an outside monitor notices if Witness stops." : "No heartbeat URL is configured."}</p>
    </section>
  );
}

/** Only on a hub: the vantages its config lists, as GET /api/v1/vantages reports them. */
function Vantages() {
  const loaded = readData("api:vantages", readVantageListing);
  // No database yet: every configured vantage, never heard from.
  const vantages = loaded.status === "ok" ? loaded.data.vantages : listVantages(loaded.config, [], loaded.now);
  return (
    <section id="vantages" aria-labelledby="vantages-title" className="section">
      <h2 id="vantages-title">Vantages</h2>
      <p>
        A vantage is another machine running Witness (<code>npm run vantage</code>) that probes Claude from where it
        stands, with this hub&rsquo;s probe plan, and ships every result here, so a failure can be told apart from one
        place&rsquo;s network. Each batch is signed with that vantage&rsquo;s own secret (Standard Webhooks,
        HMAC-SHA256): the hub stores only results whose signature verifies, each once, and never shows the secret.
      </p>
      {loaded.status === "error" ? (
        <p>The vantages&rsquo; state cannot be read right now.</p>
      ) : (
        <VantagesTable vantages={vantages} now={loaded.now} />
      )}
    </section>
  );
}
