/**
 * Keeps the home page live without a reload: while the tab is visible, asks /api/v1/status every probe interval with
 * If-None-Match (a 304 costs nothing), and when the data changed fetches the page again and swaps its content and
 * title in place. Shows how long ago Witness last answered, and says plainly when it cannot be reached.
 *
 * Its settings come from the server-rendered mount `[data-live]` (app/_components/live-status.tsx).
 */
import { formatDuration } from "@/lib/dashboard/format";

const STATUS_URL = "/api/v1/status";
const PAGE_SELECTOR = "[data-generated-at]";

/** How many pages in a row, for one status, may come back from before it before the page is taken as it is. */
const MAX_BEHIND_SWAPS = 5;

export interface LiveOptions {
  /** Called on every part of the page that was swapped in, so its times and the like can be made local. */
  onSwap: (root: ParentNode) => void;
}

export function installLive({ onSwap }: LiveOptions): void {
  const mount = document.querySelector<HTMLElement>("[data-live]");
  if (!mount) return;
  const intervalMs = Number(mount.dataset.intervalMs) || 60_000;
  let lastOk = Number(mount.dataset.readAt) || Date.now();
  let failedSince: number | null = null;
  let etag: string | null = null;
  let inFlight = false;
  let behindSwaps = 0;
  let behindTag: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  // The two lines, made once and moved into each swapped-in page's mount; each second only their text changes.
  const updated = document.createElement("p");
  updated.className = "small muted live-updated";
  updated.setAttribute("aria-live", "off");
  const banner = document.createElement("p");
  banner.className = "live-banner";
  banner.setAttribute("role", "alert");

  const render = () => {
    const target = document.querySelector<HTMLElement>("[data-live]");
    if (!target) return;
    const ago = formatDuration(Math.max(0, Date.now() - lastOk));
    updated.textContent = `Updated ${ago} ago · refreshes every ${formatDuration(intervalMs)} while this tab is open`;
    banner.textContent = `Cannot reach Witness: this page shows what it knew ${ago} ago and may be out of date. Retrying every ${formatDuration(intervalMs)}.`;
    if (updated.parentElement !== target) target.append(updated);
    if (failedSince === null) banner.remove();
    else if (banner.parentElement !== target) target.append(banner);
  };

  /**
   * The page as the server has it now, swapped in for the one on screen; what it says its data was read at. Both
   * requests are `cache: "no-store"`, which sends `Cache-Control: no-cache`, but the front server honours that at most
   * once per render spacing and never at the crowd's expense (lib/web/front.ts): the page may come back older than the
   * status that asked for it, and poll() then asks again. Both carry the tag of the data they were read from.
   */
  const swap = async (): Promise<string | null> => {
    const res = await fetch(location.pathname + location.search, { cache: "no-store", signal: AbortSignal.timeout(Math.min(intervalMs, 15_000)) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const next = new DOMParser().parseFromString(await res.text(), "text/html");
    const fresh = next.querySelector(PAGE_SELECTOR);
    const current = document.querySelector(PAGE_SELECTOR);
    if (!fresh || !current) return null;
    current.replaceWith(document.adoptNode(fresh));
    if (next.title) document.title = next.title;
    onSwap(fresh);
    return fresh.getAttribute("data-tag");
  };

  const poll = async () => {
    if (inFlight || document.visibilityState !== "visible") return;
    inFlight = true;
    try {
      const res = await fetch(STATUS_URL, { headers: etag ? { "If-None-Match": etag } : {}, cache: "no-store", signal: AbortSignal.timeout(Math.min(intervalMs, 15_000)) });
      if (res.status !== 200 && res.status !== 304) throw new Error(`HTTP ${res.status}`);
      if (res.status === 200) {
        await res.arrayBuffer();
        const tag = res.headers.get("etag");
        if (tag !== etag) {
          const statusData = res.headers.get("x-witness-data-tag");
          const pageData = await swap();
          // A page read from other data than the status it follows is from before it (or already after it): the
          // status is asked for again without its tag, so the next poll swaps once more, and the change reaches the
          // page however long the server took to render it. Bounded per status, so a page that can never match (a
          // server from before the tags) is not fetched every poll.
          behindSwaps = tag === behindTag ? behindSwaps + 1 : 1;
          behindTag = tag;
          const behind = statusData !== null && pageData !== statusData && behindSwaps <= MAX_BEHIND_SWAPS;
          etag = behind ? null : tag;
        }
      }
      lastOk = Date.now();
      failedSince = null;
    } catch {
      failedSince ??= Date.now();
    } finally {
      inFlight = false;
      render();
    }
  };

  const schedule = () => {
    timer = setTimeout(async () => {
      await poll();
      schedule();
    }, intervalMs);
  };
  // Back to a hidden tab after a while: catch up at once rather than show old data for up to an interval.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    clearTimeout(timer);
    void poll().then(schedule);
  });
  setInterval(render, 1_000);
  render();
  schedule();
}
