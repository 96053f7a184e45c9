/**
 * The official incident history: incidents.json, the 50 most recent incidents with resolved ones included. The
 * summary lists only unresolved incidents, so this is where an incident's resolved_at arrives. It runs on its own
 * slower schedule and is not a ProbeResult: the summary probe already measures whether the page answers.
 */
import { z } from "zod";
import { classifyStatus, isNotJson, type Failure } from "@/probes/classify";
import { joinUrl, timedRequest, type TimedResponse } from "@/probes/http";
import { isResult, ProbeRun } from "@/probes/result";
import { sanitizeMessage } from "@/probes/sanitize";
import type { Shaped } from "@/probes/json-thread";
import { checkEach, describeIssue, describeParse, incidentSchema, runSteps, runStepsSliced, type Parsed, type StatusIncident, type Steps } from "@/probes/statuspage";
import { DOCUMENT_LIMITS, statusDocumentParser, type Bounded } from "@/probes/statuspage-bounds";
import type { ProbeTarget } from "@/probes/types";

export const INCIDENTS_PATH = "/api/v2/incidents.json";

export interface IncidentHistoryOutput {
  /** The incidents the page lists; null whenever the document could not be read. */
  incidents: StatusIncident[] | null;
  /** The body as received, for audit; null when none was read. */
  raw: string | null;
  /** Why incidents is null, or what was cut or skipped as malformed; null when all was read. */
  error: string | null;
}

// The envelope only: each incident is checked on its own so one odd entry cannot hide the other 49.
const envelopeSchema = z.object({ incidents: z.array(z.unknown()) });

export type ParsedIncidents = Parsed<"incidents", StatusIncident[]>;

/** Parse an incidents.json body on this thread, keeping every well-formed incident; `notes` describes the rest. */
export function parseIncidents(body: string): ParsedIncidents {
  return runSteps(incidentsSteps(statusDocumentParser.parseHere(body, DOCUMENT_LIMITS)));
}

/** parseIncidents without blocking probes: a big body is parsed and cut on a thread, then checked in short slices. */
export async function readIncidents(body: string): Promise<ParsedIncidents> {
  return runStepsSliced(incidentsSteps(await statusDocumentParser.parse(body, DOCUMENT_LIMITS)));
}

function* incidentsSteps(bounded: Shaped<Bounded>): Steps<ParsedIncidents> {
  if ("error" in bounded) return bounded;
  const envelope = envelopeSchema.safeParse(bounded.value.value);
  if (!envelope.success) return { error: describeIssue(envelope.error) };
  const bad: string[] = [];
  const incidents = yield* checkEach(envelope.data.incidents, incidentSchema, "incidents", bad);
  return { incidents, notes: describeParse(bounded.value, bad) };
}

/** One GET of incidents.json. Never throws: HTML, a challenge, a 5xx or bad JSON give incidents null and a short error. */
export async function probeIncidentHistory(target: ProbeTarget, signal: AbortSignal): Promise<IncidentHistoryOutput> {
  try {
    const run = new ProbeRun(target, "status", signal);
    const headers = { accept: "application/json", "user-agent": target.userAgent };
    const got = await run.exchange((signal) => timedRequest(joinUrl(target.baseUrl, INCIDENTS_PATH), { method: "GET", headers, signal }, run.clock));
    if (isResult(got)) return failed(null, got.message ?? got.errorClass ?? "request failed");
    const failure = classifyStatus("status", got.response.status, got.response.headers, got.text) ?? notJson(got.response, got.text);
    if (failure) return failed(got.text, failure.message);
    const parsed = await readIncidents(got.text);
    if ("error" in parsed) return failed(got.text, `incidents.json ${parsed.error}`);
    return { incidents: parsed.incidents, raw: got.text, error: parsed.notes && sanitizeMessage(`incidents.json ${parsed.notes}`) };
  } catch (err) {
    // A bug of ours must not take the worker down; say so instead of pretending the page failed.
    return failed(null, `incident history crashed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function failed(raw: string | null, message: string): IncidentHistoryOutput {
  return { incidents: null, raw, error: sanitizeMessage(message) };
}

function notJson(response: TimedResponse, text: string): Failure | null {
  if (response.status >= 300) return { errorClass: "malformed_response", message: `HTTP ${response.status} instead of incidents.json` };
  return isNotJson(response.headers, text) ? { errorClass: "malformed_response", message: `HTTP ${response.status} HTML where JSON belongs` } : null;
}
