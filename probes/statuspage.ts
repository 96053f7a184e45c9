/**
 * The Statuspage v2 summary as Witness reads it. Status values stay strings: pages add components and levels
 * (`critical`, `maintenance`) over time, and an unknown value must be kept, not make the whole page unreadable.
 * Documents are cut to DOCUMENT_LIMITS first, big ones off the event loop, and validated entry by entry.
 */
import { setImmediate } from "node:timers/promises";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import type { Shaped } from "@/probes/json-thread";
import { DOCUMENT_LIMITS, describeCuts, statusDocumentParser, type Bounded } from "@/probes/statuspage-bounds";

// Cut, not rejected: one enormous update body must not make the whole page unreadable ("official status unknown").
const text = z.string().transform((s) => (s.length > 20_000 ? `${s.slice(0, 19_999)}…` : s));
const when = z.string().max(64);

export const componentSchema = z.object({
  id: z.string().max(64),
  name: text,
  status: z.string().max(64),
  group: z.boolean().optional(),
  group_id: z.string().max(64).nullable().optional(),
  updated_at: when.nullable().optional(),
});

const affectedSchema = z.object({
  // Real pages send `{"name": "No components were affected by this update."}`: a note in the list, not a component.
  code: z.string().max(64).nullable().optional(),
  name: text.nullable().optional(),
  old_status: z.string().max(64).nullable().optional(),
  new_status: z.string().max(64).nullable().optional(),
});

export const incidentUpdateSchema = z.object({
  id: z.string().max(64),
  status: z.string().max(64),
  body: text.nullable().optional(),
  created_at: when,
  display_at: when.nullable().optional(),
  affected_components: z.array(affectedSchema).nullable().optional(),
});

export const incidentSchema = z.object({
  id: z.string().max(64),
  name: text,
  status: z.string().max(64),
  impact: z.string().max(64),
  created_at: when,
  updated_at: when.nullable().optional(),
  monitoring_at: when.nullable().optional(),
  resolved_at: when.nullable().optional(),
  started_at: when.nullable().optional(),
  shortlink: z.string().max(2048).nullable().optional(),
  incident_updates: z.array(incidentUpdateSchema).default([]),
  components: z.array(componentSchema).default([]),
});

export const maintenanceSchema = incidentSchema.extend({
  scheduled_for: when.nullable().optional(),
  scheduled_until: when.nullable().optional(),
});

export const summarySchema = z.object({
  page: z.object({ id: z.string().max(64), name: text, updated_at: when.nullable().optional() }),
  components: z.array(componentSchema),
  incidents: z.array(incidentSchema).default([]),
  scheduled_maintenances: z.array(maintenanceSchema).default([]),
  status: z.object({ indicator: z.string().max(64), description: text }),
});

export type StatusComponent = z.infer<typeof componentSchema>;
export type StatusIncident = z.infer<typeof incidentSchema>;
export type StatusMaintenance = z.infer<typeof maintenanceSchema>;
export type StatusSummary = z.infer<typeof summarySchema>;


/** A parse outcome: the document, and what was cut or skipped on the way (null when nothing was), or why it failed. */
export type Parsed<K extends string, T> = ({ [key in K]: T } & { notes: string | null }) | { error: string };
export type ParsedSummary = Parsed<"summary", StatusSummary>;

/** Validation as steps, one per list entry, so an async caller can let the event loop run between them. */
export type Steps<T> = Generator<void, T, void>;

// The envelope only: list entries are checked one by one, so one odd incident cannot hide the page.
const summaryEnvelope = summarySchema.extend({ incidents: z.array(z.unknown()).default([]), scheduled_maintenances: z.array(z.unknown()).default([]) });

/** Parse a summary.json body on this thread; the error names the first offending key path. */
export function parseSummary(body: string): ParsedSummary {
  return runSteps(summarySteps(statusDocumentParser.parseHere(body, DOCUMENT_LIMITS)));
}

/** parseSummary without blocking probes: a big body is parsed and cut on a thread, then checked in short slices. */
export async function readSummary(body: string): Promise<ParsedSummary> {
  return runStepsSliced(summarySteps(await statusDocumentParser.parse(body, DOCUMENT_LIMITS)));
}

function* summarySteps(bounded: Shaped<Bounded>): Steps<ParsedSummary> {
  if ("error" in bounded) return bounded;
  const envelope = summaryEnvelope.safeParse(bounded.value.value);
  if (!envelope.success) return { error: describeIssue(envelope.error) };
  const bad: string[] = [];
  const incidents = yield* checkEach(envelope.data.incidents, incidentSchema, "incidents", bad);
  const scheduled_maintenances = yield* checkEach(envelope.data.scheduled_maintenances, maintenanceSchema, "scheduled_maintenances", bad);
  return { summary: { ...envelope.data, incidents, scheduled_maintenances }, notes: describeParse(bounded.value, bad) };
}

/** Each entry that fits `schema`; each one that does not is named in `bad` and skipped. */
export function* checkEach<T>(items: readonly unknown[], schema: z.ZodType<T>, list: string, bad: string[]): Generator<void, T[], void> {
  const ok: T[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = schema.safeParse(item);
    if (parsed.success) ok.push(parsed.data);
    else bad.push(`${list}.${entryName(item, index)}.${parsed.error.issues[0]?.path.join(".") ?? ""}`);
    yield;
  }
  return ok;
}

/** The cuts and skipped entries in one short line ("1 malformed incident skipped (incidents.x1.name)"), or null. */
export function describeParse(bounded: Bounded, bad: readonly string[]): string | null {
  const skipped = (["incidents", "scheduled_maintenances"] as const).map((list) => {
    const named = bad.filter((b) => b.startsWith(`${list}.`));
    const noun = list === "incidents" ? "incident" : "maintenance";
    return named.length > 0 ? `${named.length} malformed ${noun}${named.length === 1 ? "" : "s"} skipped (${named.slice(0, 3).join(", ")})` : null;
  });
  return [describeCuts(bounded.cuts), ...skipped].filter(Boolean).join("; ") || null;
}

export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `unexpected shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`;
}

/** Run validation steps to the end at once. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

// Longest the validation holds the event loop at a stretch: well inside the 5 ms a probe's timing may be off.
const SLICE_MS = 1;

/** Run validation steps, yielding to the event loop whenever a slice has taken SLICE_MS. */
export async function runStepsSliced<T>(steps: Steps<T>): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await setImmediate();
      sliceStart = performance.now();
    }
  }
}

/** An entry's Statuspage id when it looks like one (the list was re-ordered, so its position says little), else its position. */
function entryName(item: unknown, index: number): string {
  const id = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === "string" && /^[A-Za-z0-9_-]{1,32}$/.test(id) ? id : String(index);
}
