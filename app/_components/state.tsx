/** State words with their colour and marker (never colour alone), for measured and official states. */
import type { MeasuredState, OfficialState } from "@/lib/dashboard/types";
import { MEASURED, OFFICIAL } from "@/lib/dashboard/format";

export function MeasuredBadge({ state, large = false }: { state: MeasuredState; large?: boolean }) {
  const { className, label } = MEASURED[state];
  return <span className={`state ${className}${large ? " state-large" : ""}`}>{label}</span>;
}

export function OfficialBadge({ state, large = false }: { state: OfficialState; large?: boolean }) {
  const { className, label } = OFFICIAL[state];
  return <span className={`state ${className}${large ? " state-large" : ""}`}>{label}</span>;
}

/** A time as text with its machine-readable value. */
export function Time({ at, children }: { at: number; children: string }) {
  return <time dateTime={new Date(at).toISOString()}>{children}</time>;
}
