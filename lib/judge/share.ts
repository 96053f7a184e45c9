/**
 * The failure share: of which requests, over which window, and said with the kinds that fail. One function for the
 * page, the incident pages, alerts, feeds, the JSON API and the report, so the same minutes are never told as "100%"
 * in one place and "52%" in another. The window is the caller's (an incident's span so far); the counts are conclusive
 * results only (inconclusive ones say nothing about Claude). Pure.
 */
/** Conclusive results of one series over the window, and how many of them failed (down or degraded). */
export interface SeriesCount {
  series: string;
  failed: number;
  total: number;
}

export interface KindShare {
  kind: string;
  label: string;
  failed: number;
  total: number;
  share: number;
}

export interface FailureShare {
  failed: number;
  total: number;
  /** failed / total over every series of the surface; null with no conclusive result. */
  share: number | null;
  /** Per kind, in the surface's order of kinds. */
  kinds: KindShare[];
  /** "100% of requests failing", or "streaming requests fail (100%); plain requests and the edge work". */
  words: string;
}

/** Each kind's requests in words, as a person would name them (kinds to come included: console, browser, code). */
export const KIND_LABELS: Record<string, string> = {
  messages: "plain requests",
  stream: "streaming requests",
  edge: "the edge",
  web: "the web page",
  status: "the status page",
  console: "the Console",
  browser: "the web app in a browser",
  code: "Claude Code's tool round trips",
};

/** "52%"; a share that is not 0 or 1 never rounds to either, so "100%" always means every request. */
export function percent(share: number): string {
  const p = Math.round(share * 100);
  if (share > 0 && p === 0) return "<1%";
  if (share < 1 && p === 100) return ">99%";
  return `${p}%`;
}

const kindOf = (series: string) => series.split(":")[0]!;

/** The share of `counts` (every series of one surface over one window), grouped by the surface's `kinds`. */
export function failureShare(counts: readonly SeriesCount[], kinds: readonly string[]): FailureShare {
  const byKind = new Map<string, { failed: number; total: number }>();
  for (const c of counts) {
    const k = byKind.get(kindOf(c.series)) ?? { failed: 0, total: 0 };
    byKind.set(kindOf(c.series), { failed: k.failed + c.failed, total: k.total + c.total });
  }
  const order = [...kinds, ...[...byKind.keys()].filter((k) => !kinds.includes(k))];
  const shares: KindShare[] = order.flatMap((kind) => {
    const k = byKind.get(kind);
    return k && k.total > 0 ? [{ kind, label: KIND_LABELS[kind] ?? kind, failed: k.failed, total: k.total, share: k.failed / k.total }] : [];
  });
  const failed = shares.reduce((n, k) => n + k.failed, 0);
  const total = shares.reduce((n, k) => n + k.total, 0);
  const share = total === 0 ? null : failed / total;
  return { failed, total, share, kinds: shares, words: shareWords(shares, share) };
}

function shareWords(kinds: readonly KindShare[], share: number | null): string {
  if (share === null) return "no conclusive results";
  const failing = kinds.filter((k) => k.failed > 0);
  const working = kinds.filter((k) => k.failed === 0);
  // Every kind in trouble (or only one kind measured): one figure says it.
  if (working.length === 0 || kinds.length === 1) return `${percent(share)} of requests failing`;
  if (failing.length === 0) return "every request succeeding";
  const fail = failing.length === 1 ? `${failing[0]!.label} ${verb(failing, "fail")} (${percent(failing[0]!.share)})` : `${joinWords(failing.map((k) => `${k.label} (${percent(k.share)})`))} fail`;
  return `${fail}; ${joinWords(working.map((k) => k.label))} ${verb(working, "work")}`;
}

/** "the edge fails", "streaming requests fail", "plain requests and the edge work". */
function verb(kinds: readonly KindShare[], stem: string): string {
  return kinds.length === 1 && kinds[0]!.label.startsWith("the ") ? `${stem}s` : stem;
}

/** "a", "a and b", "a, b and c". */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? "";
  return `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}
