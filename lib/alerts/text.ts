/**
 * Fitting untrusted text into each target format: one line, capped, escaped for Slack mrkdwn, Discord markdown or
 * HTML (email, Telegram's parse_mode HTML), and shortened before escaping so no entity is ever cut in half.
 */

// The default cap for a name from upstream (an official incident's title).
const MAX_NAME = 200;

/** Untrusted text as one printable line of at most `max` characters. */
export function oneLine(text: string, max = MAX_NAME): string {
  return truncate(text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").replace(/\s+/g, " ").trim(), max);
}

/** The URL when it is an absolute http(s) one (upstream links may be anything), else null. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** `text` cut to `max` characters, an ellipsis marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in half: a lone surrogate is invalid JSON for some receivers.
  const cut = text.slice(0, Math.max(0, max - 1)).replace(/[\ud800-\udbff]$/, "");
  return `${cut}…`;
}

/**
 * `escape(text)`, shortened (before escaping, so no entity is cut) until its `size` (characters, or bytes for an API
 * that counts bytes) is at most `max`.
 */
export function fit(text: string, max: number, escape: (s: string) => string = (s) => s, size: (s: string) => number = (s) => s.length): string {
  let out = escape(text);
  let keep = Math.min(text.length, max);
  for (let i = 0; size(out) > max && i < 40; i++) {
    // Shrink in proportion (escaping may grow each character fivefold), and always by at least one.
    keep = Math.max(0, Math.min(keep - 1, Math.floor((keep * max) / size(out))));
    out = escape(truncate(text, keep));
  }
  return size(out) > max ? "" : out;
}

/** `parts` joined by `sep`, dropping trailing parts that would take the whole past `max` (links never cut mid-way). */
export function joinWithin(parts: string[], sep: string, max: number): string {
  let out = "";
  for (const part of parts) {
    const next = out ? `${out}${sep}${part}` : part;
    if (next.length > max) break;
    out = next;
  }
  return out;
}

/** Slack mrkdwn: only &, < and > are control characters (a `<!channel>` in upstream text must not ping). */
export const escapeSlack = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** Discord markdown: a backslash before any ASCII punctuation renders it literally (links, mentions, headings). */
export const escapeDiscord = (s: string) => s.replace(/[!-/:-@[-`{-~]/g, "\\$&");
/** HTML text and attribute values (email, Telegram's parse_mode HTML accepts these entities). */
export const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
