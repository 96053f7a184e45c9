/** Alert test scaffolding: AlertEvent builders and a recording HTTP receiver on 127.0.0.1. */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { AlertData, AlertEvent } from "@/lib/alerts/types";

/** Upstream text that tries every format's markup: HTML, Slack and Discord mentions and links, Telegram tags. */
export const HOSTILE = `<script>alert(1)</script> <!channel> @everyone <https://evil.example|click> [click](https://evil.example) **bold** & <b>bold</b>`;

/** A measured outage on Claude API that opened at 17:54 UTC, 1 Dec, with the official page saying partial outage. */
export function openedEvent(overrides: Partial<AlertEvent> = {}, data: Partial<AlertData> = {}): AlertEvent {
  return {
    id: "incident.opened:m-42",
    type: "incident.opened",
    occurredAt: "2026-12-01T17:54:00.000Z",
    surface: "api",
    surfaceName: "Claude API",
    severity: "critical",
    summary: "Claude API is failing since 17:54 UTC: 56% of requests failing",
    url: "https://witness.example/incidents/m-42",
    test: false,
    ...overrides,
    data: {
      incidentId: "m-42",
      series: "stream:claude-haiku-4-5",
      model: "claude-haiku-4-5",
      incidentSeverity: "outage",
      startedAt: "2026-12-01T17:54:00.000Z",
      failureRatio: 0.56,
      errorMix: [
        { errorClass: "overloaded", count: 12 },
        { errorClass: "http_5xx", count: 3 },
      ],
      official: {
        componentState: "partial_outage",
        incident: {
          id: "yx2k",
          name: "Elevated errors on Claude API",
          status: "investigating",
          url: "https://status.claude.com/incidents/yx2k",
          latestUpdate: "We are investigating elevated errors.",
          latestUpdateAt: "2026-12-01T18:02:00.000Z",
        },
      },
      ...data,
    },
  };
}

/** The same incident resolved after 23 minutes, acknowledged 1 h 12 min after it began. */
export function resolvedEvent(overrides: Partial<AlertEvent> = {}, data: Partial<AlertData> = {}): AlertEvent {
  return openedEvent(
    { id: "incident.resolved:m-42", type: "incident.resolved", occurredAt: "2026-12-01T18:17:00.000Z", severity: "resolved", summary: "Claude API recovered after 23 min", ...overrides },
    { endedAt: "2026-12-01T18:17:00.000Z", durationMs: 23 * 60_000, acknowledgementDelayMs: 72 * 60_000, ...data },
  );
}

/** An opened event whose official update text (and incident name) is `HOSTILE`. */
export function hostileEvent(): AlertEvent {
  const base = openedEvent();
  const incident = { ...base.data.official!.incident!, name: HOSTILE, latestUpdate: HOSTILE };
  return { ...base, data: { ...base.data, official: { componentState: "major_outage", incident } } };
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (a hung receiver). */
  hang?: boolean;
}

/** An answer, or one made from the request (an echoing proxy). */
export type Reply = Answer | ((req: Received) => Answer);

export interface Receiver {
  url: string;
  requests: Received[];
  /** Answers given in order; the last one repeats. */
  answers: Reply[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records each request and replies with the queued answers. */
export async function startReceiver(answers: Reply[] = [{ status: 200, body: "ok" }]): Promise<Receiver> {
  const requests: Received[] = [];
  const state = { answers };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(received);
      const reply = state.answers.length > 1 ? state.answers.shift()! : state.answers[0]!;
      const answer = typeof reply === "function" ? reply(received) : reply;
      if (answer.hang) return;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get answers() {
      return state.answers;
    },
    set answers(next: Reply[]) {
      state.answers = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export const never = new AbortController().signal;
