/**
 * official.opened / official.updated / official.resolved: written from what the status readings and the incident
 * history stored that was new, each once, with ids that a re-read (or a restart) builds again; history older than
 * OFFICIAL_NEWS_MS on a first start is not news.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OpenedDatabase } from "@/db/client";
import { getOutboxRows } from "@/db/queries/alerts";
import { OFFICIAL_NEWS_MS } from "@/lib/alerts/facts";
import { alertsSchema } from "@/lib/alerts/types";
import { loadConfig, type Config } from "@/lib/config";
import { createLogger } from "@/lib/log";
import { recordIncidentHistory } from "@/lib/measure/official-record";
import { Recorder } from "@/lib/measure/recorder";
import { parseIncidents } from "@/probes/status-history";
import { parseSummary, type StatusIncident } from "@/probes/statuspage";
import type { ProbeResult } from "@/probes/types";
import { openMigratedMemory } from "@/tests/unit/support";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../lib/simulator/fixtures/statuspage/${name}`, import.meta.url), "utf8")) as Record<string, any>;
const INCIDENT = "q9w3kz1d7h2m"; // summary.incident.json: "Elevated errors on Claude Haiku 4.5", created 14:12 UTC
const at = (hhmm: string) => new Date(`2026-10-08T${hhmm}:00.000Z`);
const log = createLogger({ secrets: [], write: () => {} });

let store: OpenedDatabase;
let config: Config;
beforeEach(() => {
  store = openMigratedMemory();
  const base = loadConfig({});
  // Disagreement is a separate rule; a day keeps it out of this test's outbox.
  const alerts = alertsSchema.parse({ channels: [{ name: "ops", type: "webhook", url: "http://127.0.0.1:9/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }], disagreementMinutes: 1440 });
  config = { ...base, alerts };
});
afterEach(() => store.close());

/** The status probe's run at `when` reading `doc` as the summary. */
function statusRun(when: Date, doc: Record<string, any>) {
  const raw = JSON.stringify(doc);
  const parsed = parseSummary(raw);
  if ("error" in parsed) throw new Error(String(parsed.error));
  const result: ProbeResult = { probe: "status", kind: "status", model: null, startedAt: when.toISOString(), outcome: "up", errorClass: null, httpStatus: 200, dnsMs: 0, connectMs: 1, tlsMs: null, ttfbMs: 5, ttftMs: null, totalMs: 6, outputTokens: null, tokensPerSecond: null, requestId: null, message: null, details: null };
  return { result, status: { result, summary: parsed.summary, raw } };
}

/** The worker's history read: incidents.json stored, official events written in the same transaction. */
async function readHistory(recorder: Recorder, when: Date, incidents: Record<string, any>[]) {
  const raw = JSON.stringify({ page: fixture("incidents.json").page, incidents });
  const parsed = parseIncidents(raw) as { incidents: StatusIncident[] };
  await recordIncidentHistory(store.db, { at: when, incidents: parsed.incidents, raw }, (tx, changes) => recorder.alerts.officialChanges(tx, changes, when.getTime()));
}

/** An event id without this database's instance part ("official.opened:w1a2b3c4d:x" → "official.opened:x"). */
const withoutInstance = (id: string) => id.replace(/^([a-z.]+):w[0-9a-f]{8}:/, "$1:");
const officialIds = () => getOutboxRows(store.db).map((r) => withoutInstance(r.eventId)).filter((id) => id.startsWith("official."));

describe("official events", () => {
  it("opened, updated and resolved are each written once, and re-reads (even after a restart) add nothing", async () => {
    const summary = fixture("summary.incident.json");
    const incident = summary.incidents.find((i: { id: string }) => i.id === INCIDENT);
    let recorder = new Recorder(config, store.db, log);

    // First reading: the incident is new. Its updates so far belong to the opening, not separate updates.
    recorder.record(statusRun(at("14:45"), summary));
    expect(officialIds()).toEqual([`official.opened:${INCIDENT}`]);
    recorder.record(statusRun(at("14:46"), summary));
    expect(officialIds()).toEqual([`official.opened:${INCIDENT}`]);

    // The page posts an update.
    const update = { ...incident.incident_updates[0], id: "upd0monitor1", status: "monitoring", body: "A fix has been implemented and we are monitoring the results.", created_at: "2026-10-08T14:49:30.000Z", updated_at: "2026-10-08T14:49:30.000Z", display_at: "2026-10-08T14:49:30.000Z" };
    const monitoring = { ...incident, status: "monitoring", updated_at: update.created_at, incident_updates: [update, ...incident.incident_updates] };
    const withUpdate = { ...summary, incidents: [monitoring] };
    recorder.record(statusRun(at("14:50"), withUpdate));
    recorder.record(statusRun(at("14:51"), withUpdate));
    // The history read lists the same incident as the summary did: nothing new from it.
    await readHistory(recorder, at("14:52"), [monitoring]);
    expect(officialIds()).toEqual([`official.opened:${INCIDENT}`, "official.updated:upd0monitor1"]);
    const rows = getOutboxRows(store.db);
    expect(rows.find((r) => withoutInstance(r.eventId) === "official.updated:upd0monitor1")!.event).toMatchObject({ type: "official.updated", surface: "api", summary: expect.stringContaining("A fix has been implemented") });

    // Resolved: the summary stops listing it, the history says resolved. Its "resolved" update is said by the resolution.
    recorder.record(statusRun(at("14:59"), fixture("summary.operational.json")));
    const resolvedUpdate = { ...update, id: "upd0resolved", status: "resolved", body: "This incident has been resolved.", created_at: "2026-10-08T14:58:00.000Z", updated_at: "2026-10-08T14:58:00.000Z", display_at: "2026-10-08T14:58:00.000Z" };
    const resolved = { ...monitoring, status: "resolved", resolved_at: "2026-10-08T14:58:00.000Z", updated_at: "2026-10-08T14:58:00.000Z", incident_updates: [resolvedUpdate, ...monitoring.incident_updates] };
    await readHistory(recorder, at("15:00"), [resolved]);
    await readHistory(recorder, at("15:10"), [resolved]);
    const expected = [`official.opened:${INCIDENT}`, "official.updated:upd0monitor1", `official.resolved:${INCIDENT}`];
    expect(officialIds()).toEqual(expected);
    const resolution = getOutboxRows(store.db).find((r) => withoutInstance(r.eventId) === `official.resolved:${INCIDENT}`)!.event;
    expect(resolution).toMatchObject({ occurredAt: "2026-10-08T14:58:00.000Z", summary: expect.stringContaining("after 46 min") });

    // A restart re-reads everything: the same facts, the same ids, nothing written.
    recorder = new Recorder(config, store.db, log);
    recorder.record(statusRun(at("15:20"), withUpdate));
    await readHistory(recorder, at("15:21"), [resolved]);
    expect(officialIds()).toEqual(expected);
  });

  it("a first start reading months of history announces only what is recent", async () => {
    const recorder = new Recorder(config, store.db, log);
    const history = fixture("incidents.json").incidents as Record<string, any>[];
    const old = history.find((i) => i.status === "resolved")!;
    const now = new Date(Date.parse(old.resolved_at) + 30 * 86_400_000);
    // One incident posted and resolved within the last three hours: news. The fixture's others: weeks old.
    const recentAt = new Date(now.getTime() - OFFICIAL_NEWS_MS / 2).toISOString();
    const recentResolvedAt = new Date(now.getTime() - OFFICIAL_NEWS_MS / 4).toISOString();
    const recent = {
      ...old,
      id: "recent0ident",
      created_at: recentAt,
      started_at: recentAt,
      updated_at: recentResolvedAt,
      resolved_at: recentResolvedAt,
      incident_updates: old.incident_updates.map((u: Record<string, any>, k: number) => ({ ...u, id: `recent0upd${k}`, incident_id: "recent0ident", created_at: recentAt, updated_at: recentAt, display_at: recentAt })),
    };
    const staleOpen = history.find((i) => i.status !== "resolved")!;
    await readHistory(recorder, now, [recent, old, staleOpen]);
    expect(officialIds()).toEqual(["official.opened:recent0ident", "official.resolved:recent0ident"]);
    await readHistory(recorder, new Date(now.getTime() + 600_000), [recent, old, staleOpen]);
    expect(officialIds()).toEqual(["official.opened:recent0ident", "official.resolved:recent0ident"]);
  });
});
