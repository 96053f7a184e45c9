/**
 * The Statuspage v2 summary as Witness reads it. Status values stay strings: pages add components and levels
 * (`critical`, `maintenance`) over time, and an unknown value must be kept, not make the whole page unreadable.
 */
import { z } from "zod";

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
  code: z.string().max(64),
  name: text.optional(),
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

/** Parse a summary.json body; the error names the first offending key path. */
export function parseSummary(body: string): { summary: StatusSummary } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { error: "body is not valid JSON" };
  }
  const parsed = summarySchema.safeParse(json);
  if (parsed.success) return { summary: parsed.data };
  const issue = parsed.error.issues[0];
  return { error: `unexpected shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}` };
}
