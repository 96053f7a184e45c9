/** Times in the words every output uses (the page, alerts, feeds): never a raw ISO string. Pure. */

const iso = (ms: number) => new Date(ms).toISOString();
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * "17:54 UTC"; with its date ("14:41 UTC on 8 Oct") when `ref` (the event's own time) falls on another UTC day, so an
 * official date weeks old never reads as today's clock time.
 */
export const clock = (ms: number, ref = ms) => {
  const d = new Date(ms);
  const sameDay = iso(ms).slice(0, 10) === iso(ref).slice(0, 10);
  return `${iso(ms).slice(11, 16)} UTC${sameDay ? "" : ` on ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${d.getUTCFullYear() === new Date(ref).getUTCFullYear() ? "" : ` ${d.getUTCFullYear()}`}`}`;
};
