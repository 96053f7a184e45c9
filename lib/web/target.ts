/**
 * What a request target may be before anything looks at its path. The front (lib/web/front.ts) and private mode
 * (lib/web/auth.ts) decide on the path as sent, while Next parses it with WHATWG URL, which resolves `.` and `..`
 * segments (also written `%2e`, `.%2E`, …) and reads `\` as `/`: `/_witness/%2e%2e/metrics` is /metrics to Next but
 * starts with an open prefix to a string check. No page, file or API of Witness has such a segment, so a target with
 * one is refused (400) rather than normalised: then the path every guard sees is the path Next routes.
 */

// A whole segment of one or two dots, each written as `.` or `%2e` in either case (RFC 3986 §6.2.2.2, and WHATWG URL
// treats `%2e` as a dot in exactly this position).
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?=\/|$)/i;

/** The path of an origin-form target, without its query. */
export function pathOf(target: string): string {
  const q = target.indexOf("?");
  return q < 0 ? target : target.slice(0, q);
}

/** True when the path has a `.` or `..` segment, plain or percent-encoded, or a backslash (URL reads it as `/`). */
export function hasDotSegment(path: string): boolean {
  return path.includes("\\") || DOT_SEGMENT.test(path);
}

/** A request target that cannot be a path of ours: not origin-form, a percent-escape that does not decode, or dots. */
export function isMalformedTarget(target: string): boolean {
  if (target.charCodeAt(0) !== 47 /* "/" */) return true;
  // The common case, checked without a parse: nothing escaped, not "//host" (which URL would take for an authority),
  // no backslash and no segment starting with a dot.
  if (!target.includes("%") && target.charCodeAt(1) !== 47 && !target.includes("\\") && !target.includes("/.")) return false;
  if (hasDotSegment(pathOf(target))) return true;
  try {
    decodeURIComponent(target);
    return !URL.canParse(target, "http://x");
  } catch {
    return true;
  }
}
