/** Model ids in words, for people: "claude-haiku-4-5" reads "Claude Haiku 4.5". */

const FAMILIES = new Set(["opus", "sonnet", "haiku", "instant"]);

/**
 * "claude-haiku-4-5" → "Claude Haiku 4.5", "claude-3-5-sonnet-20241022" → "Claude 3.5 Sonnet (2024-10-22)",
 * "claude-sonnet-4" → "Claude Sonnet 4". An id that is not a Claude model id comes back unchanged.
 */
export function modelName(id: string): string {
  const parts = id.toLowerCase().split("-");
  if (parts[0] !== "claude" || parts.length < 2) return id;
  let rest = parts.slice(1);
  let snapshot: string | null = null;
  const last = rest[rest.length - 1]!;
  if (/^\d{8}$/.test(last)) {
    snapshot = `${last.slice(0, 4)}-${last.slice(4, 6)}-${last.slice(6)}`;
    rest = rest.slice(0, -1);
  } else if (last === "latest") {
    rest = rest.slice(0, -1);
  }
  const words: string[] = [];
  let version: string[] = [];
  const flush = () => {
    if (version.length) words.push(version.join("."));
    version = [];
  };
  for (const part of rest) {
    // Version digits are one or two long ("4", "5", "37"); anything else breaks the run of them.
    if (/^\d{1,2}$/.test(part)) version.push(part);
    else {
      flush();
      if (!FAMILIES.has(part) && !/^[a-z]+$/.test(part)) return id;
      words.push(part.charAt(0).toUpperCase() + part.slice(1));
    }
  }
  flush();
  if (words.length === 0) return id;
  return `Claude ${words.join(" ")}${snapshot ? ` (${snapshot})` : ""}`;
}
