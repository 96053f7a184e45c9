/**
 * Where the home page says how fresh it is and whether Witness can be reached: empty in the HTML (a reader without
 * JavaScript sees "Data read at" and nothing that claims to update), filled and kept live by
 * lib/web/client/live.ts, which reads its settings from these attributes.
 */
export function LiveStatus({ intervalMs, readAt }: { intervalMs: number; readAt: number }) {
  return <div className="live" data-live="" data-interval-ms={intervalMs} data-read-at={readAt} />;
}
