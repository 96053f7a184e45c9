"use client";
/**
 * Keeps the home page live without a reload: while the tab is visible, asks /api/v1/status every probe interval with
 * If-None-Match (a 304 costs nothing), and when the data changed re-renders the page's server components. Shows how
 * long ago Witness last answered, says plainly when it cannot be reached, and puts the state in the tab's title.
 */
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { formatDuration } from "@/lib/dashboard/format";
import { useIsClient } from "@/app/_components/local-time";

const STATUS_URL = "/api/v1/status";

export function LiveStatus({ intervalMs, readAt, title }: { intervalMs: number; readAt: number; title: string }) {
  const router = useRouter();
  const isClient = useIsClient();
  const [lastOk, setLastOk] = useState(readAt);
  const [failedSince, setFailedSince] = useState<number | null>(null);
  const [now, setNow] = useState(readAt);
  const etag = useRef<string | null>(null);

  useEffect(() => {
    document.title = title;
  }, [title]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let inFlight = false;
    const poll = async () => {
      if (inFlight || document.visibilityState !== "visible") return;
      inFlight = true;
      try {
        const res = await fetch(STATUS_URL, { headers: etag.current ? { "If-None-Match": etag.current } : {}, cache: "no-store", signal: AbortSignal.timeout(Math.min(intervalMs, 15_000)) });
        if (res.status !== 200 && res.status !== 304) throw new Error(`HTTP ${res.status}`);
        if (res.status === 200) {
          await res.arrayBuffer();
          const tag = res.headers.get("etag");
          if (tag !== etag.current) router.refresh();
          etag.current = tag;
        }
        setLastOk(Date.now());
        setFailedSince(null);
      } catch {
        setFailedSince((since) => since ?? Date.now());
      } finally {
        inFlight = false;
      }
    };
    const schedule = () => {
      if (stopped) return;
      timer = setTimeout(async () => {
        await poll();
        schedule();
      }, intervalMs);
    };
    // Back to a hidden tab after a while: catch up at once rather than show old data for up to an interval.
    const onVisible = () => {
      if (document.visibilityState !== "visible") return;
      clearTimeout(timer);
      void poll().then(schedule);
    };
    const tick = setInterval(() => setNow(Date.now()), 1_000);
    document.addEventListener("visibilitychange", onVisible);
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(tick);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [intervalMs, router]);

  if (!isClient) return null;
  const ago = formatDuration(Math.max(0, now - lastOk));
  return (
    <div className="live">
      <p className="small muted live-updated" aria-live="off">
        Updated {ago} ago · refreshes every {formatDuration(intervalMs)} while this tab is open
      </p>
      {failedSince !== null ? (
        <p className="live-banner" role="alert">
          Cannot reach Witness: this page shows what it knew {ago} ago and may be out of date. Retrying every {formatDuration(intervalMs)}.
        </p>
      ) : null}
    </div>
  );
}
