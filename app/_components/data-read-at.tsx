/** "Data read at 14:03:07 UTC": when the page's data came from the database, so a visitor can tell how old it is. */
import { formatUtcTime } from "@/lib/dashboard/format";
import { Time } from "@/app/_components/state";

export function DataReadAt({ at }: { at: number }) {
  return (
    <p className="small muted data-read-at">
      Data read at <Time at={at}>{formatUtcTime(at, { seconds: true })}</Time>
    </p>
  );
}
