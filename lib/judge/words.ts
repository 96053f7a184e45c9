/** Times in the words every output uses (the page, alerts, feeds): never a raw ISO string. Pure. */

const iso = (ms: number) => new Date(ms).toISOString();
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/** "8 Oct", with the year ("8 Oct 2025") when it is not `ref`'s. */
export function dayMonth(ms: number, ref: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${d.getUTCFullYear() === new Date(ref).getUTCFullYear() ? "" : ` ${d.getUTCFullYear()}`}`;
}

/**
 * "17:54 UTC"; with its date ("14:41 UTC on 8 Oct") when `ref` (the moment described: the event's own time, or now)
 * falls on another UTC day, so an official date weeks old never reads as today's clock time.
 */
export function clock(ms: number, ref = ms): string {
  const time = `${iso(ms).slice(11, 16)} UTC`;
  return iso(ms).slice(0, 10) === iso(ref).slice(0, 10) ? time : `${time} on ${dayMonth(ms, ref)}`;
}
