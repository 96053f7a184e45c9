/**
 * The day bars' tooltips. Each surface's 90 days arrive once, compactly, in `data-days` on its .day-bars
 * (lib/dashboard/day-facts.ts); the one tooltip on screen, for the bar hovered or focused, is made here from them.
 * Listeners sit on the document, so bars swapped in by a live refresh need nothing.
 */
import { unpackDays, type CompactDays } from "@/lib/dashboard/day-facts";
import type { DayBar } from "@/lib/dashboard/types";
import { formatDay, formatDuration, formatUptime, MEASURED, OFFICIAL, plural } from "@/lib/dashboard/format";

const MIN = 60_000;

/** The tooltip's lines for a day, as the bar's text alternative reads them. */
export function tipLines(day: DayBar, today: boolean): { text: string; alert?: boolean; title?: boolean }[] {
  const measured = day.measuredUptime === null ? "no data" : `${MEASURED[day.measured].label}, ${formatUptime(day.measuredUptime)} uptime`;
  const official = day.officialUptime === null ? "unknown (not read)" : `${OFFICIAL[day.official].label}, ${formatUptime(day.officialUptime)} uptime`;
  const lines: { text: string; alert?: boolean; title?: boolean }[] = [
    { text: `${formatDay(day.day)}${today ? " (today, so far)" : ""}.`, title: true },
    { text: `Measured: ${measured}.` },
    { text: `Official: ${official}.` },
    { text: day.incidents === 0 ? "No measured incidents." : `${plural(day.incidents, "measured incident")}.` },
  ];
  if (day.officialUpMeasuredDownMinutes > 0) lines.push({ text: `${formatDuration(day.officialUpMeasuredDownMinutes * MIN)} official operational while measured down.`, alert: true });
  if (day.measuredUptime !== null && day.noDataMinutes > 0) lines.push({ text: `No data for ${formatDuration(day.noDataMinutes * MIN)}.` });
  return lines;
}

const unpacked = new WeakMap<Element, DayBar[]>();

function daysOf(container: Element): DayBar[] | null {
  const cached = unpacked.get(container);
  if (cached) return cached;
  try {
    const days = unpackDays(JSON.parse((container as HTMLElement).dataset.days ?? "") as CompactDays);
    unpacked.set(container, days);
    return days;
  } catch {
    return null;
  }
}

let shown: HTMLElement | null = null;

function hide(): void {
  shown?.remove();
  shown = null;
}

function show(li: HTMLElement): void {
  if (shown?.parentElement === li) return;
  hide();
  const row = li.parentElement;
  const container = li.closest(".day-bars");
  if (!row || !container) return;
  const days = daysOf(container);
  const index = Array.prototype.indexOf.call(row.children, li);
  const day = days?.[index];
  if (!day) return;
  const tip = document.createElement("span");
  tip.className = "tip";
  tip.setAttribute("role", "tooltip");
  for (const line of tipLines(day, index === row.children.length - 1)) {
    const span = document.createElement("span");
    span.className = line.title ? "tip-title" : line.alert ? "tip-line tip-alert" : "tip-line";
    span.textContent = line.text;
    tip.append(span);
  }
  li.append(tip);
  shown = tip;
}

const barOf = (target: EventTarget | null) => (target instanceof Element ? target.closest<HTMLElement>(".day-bars li.bar") : null);

/**
 * Each bar becomes a tab stop here, not in the HTML: only this script can show a bar's tooltip, and 90 days × 2 rows
 * × 4 surfaces of `tabindex="0"` were 9 KB of a home page held under 60 KB. Called again on every live swap.
 */
export function makeBarsFocusable(root: ParentNode): void {
  for (const li of Array.from(root.querySelectorAll<HTMLElement>(".day-bars li.bar"))) li.tabIndex = 0;
}

export function installDayTips(): void {
  makeBarsFocusable(document);
  document.addEventListener("mouseover", (e) => {
    const li = barOf(e.target);
    const focused = barOf(document.activeElement);
    if (li ?? focused) show((li ?? focused)!);
    else hide();
  });
  document.addEventListener("focusin", (e) => {
    const li = barOf(e.target);
    if (li) show(li);
    else hide();
  });
  document.addEventListener("focusout", (e) => {
    if (barOf(e.target) && !barOf(e.relatedTarget)) hide();
  });
}
