/**
 * A time in the reader's own time zone, with UTC on hover. The HTML (what a reader without JavaScript gets) says UTC;
 * the home page's script (lib/web/client/local-time.ts) rewrites each marked time to the reader's zone.
 */
import { formatUtc, formatUtcTime } from "@/lib/dashboard/format";

export function LocalTime({ at, seconds = false, yourTime = false }: { at: number; seconds?: boolean; yourTime?: boolean }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={formatUtc(at, { seconds })} data-local={seconds ? "s" : "m"} data-your-time={yourTime ? "" : undefined}>
      {formatUtcTime(at, { seconds })}
    </time>
  );
}
