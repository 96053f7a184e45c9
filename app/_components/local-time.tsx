/**
 * A time in the reader's own time zone, with UTC on hover. The HTML (what a reader without JavaScript gets) says UTC;
 * the home page's script (lib/web/client/local-time.ts) rewrites each marked time to the reader's zone.
 */
import { formatUtc, formatUtcMoment, formatUtcTime } from "@/lib/dashboard/format";

/**
 * `refAt`: the moment the page describes (now). A time on another UTC day keeps its date ("14:41 UTC on 8 Oct") and
 * stays UTC: the reader's-zone rewrite says only the clock time, which would pass a weeks-old time off as today's.
 */
export function LocalTime({ at, seconds = false, yourTime = false, refAt }: { at: number; seconds?: boolean; yourTime?: boolean; refAt?: number }) {
  if (refAt !== undefined && !seconds && formatUtcMoment(at, refAt) !== formatUtcTime(at)) {
    return (
      <time dateTime={new Date(at).toISOString()} title={formatUtc(at)}>
        {formatUtcMoment(at, refAt)}
      </time>
    );
  }
  return (
    <time dateTime={new Date(at).toISOString()} title={formatUtc(at, { seconds })} data-local={seconds ? "s" : "m"} data-your-time={yourTime ? "" : undefined}>
      {formatUtcTime(at, { seconds })}
    </time>
  );
}
