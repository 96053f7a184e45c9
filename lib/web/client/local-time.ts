/**
 * Times in the reader's own zone. The server writes every time as UTC text in a <time datetime title> (what a reader
 * without JavaScript sees); `data-local` marks the ones to rewrite ("m" for 17:54, "s" for 17:54:05), and
 * `data-your-time` adds " (your time)" where a sentence needs to say whose time it is.
 */

/** "17:54", or "17:54:05" with seconds, in the browser's zone and locale (24-hour clock). */
export function formatLocalTime(at: number, seconds = false): string {
  return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}), hourCycle: "h23" }).format(at);
}

/** Rewrite every marked time under `root` once. */
export function localizeTimes(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLTimeElement>("time[data-local]")) {
    const at = Date.parse(el.dateTime);
    if (Number.isNaN(at)) continue;
    el.textContent = `${formatLocalTime(at, el.dataset.local === "s")}${el.hasAttribute("data-your-time") ? " (your time)" : ""}`;
    el.removeAttribute("data-local");
  }
}
