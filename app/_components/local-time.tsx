"use client";
/**
 * A time in the reader's own time zone, with UTC on hover. The server's HTML (and a reader without JavaScript) gets
 * UTC; the browser switches to local after hydration, so the two renders never disagree.
 */
import { useSyncExternalStore } from "react";
import { formatUtc, formatUtcTime } from "@/lib/dashboard/format";

const subscribe = () => () => {};

/** True only in the browser after hydration: the server snapshot is false, so hydration matches the HTML. */
export function useIsClient(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}

/** "17:54", or "17:54:05" with seconds, in the browser's zone and locale (24-hour clock). */
export function formatLocalTime(at: number, seconds = false): string {
  return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}), hourCycle: "h23" }).format(at);
}

export function LocalTime({ at, seconds = false, yourTime = false }: { at: number; seconds?: boolean; yourTime?: boolean }) {
  const isClient = useIsClient();
  const utc = formatUtc(at, { seconds });
  return (
    <time dateTime={new Date(at).toISOString()} title={utc}>
      {isClient ? `${formatLocalTime(at, seconds)}${yourTime ? " (your time)" : ""}` : formatUtcTime(at, { seconds })}
    </time>
  );
}
