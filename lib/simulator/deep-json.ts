/**
 * Valid JSON nested far past any stack: what a broken or hostile upstream can send without breaking a single rule of
 * JSON, and what made the status probe crash ("Maximum call stack size exceeded") before the parser bounded depth.
 */

/** 400,000 levels: 800 KB of brackets, under the probes' 1 MiB body cap (so it is read and parsed, on the thread). */
export const DEEP_JSON_LEVELS = 400_000;

let deep: string | null = null;

/** `[[[…]]]`, DEEP_JSON_LEVELS deep; built once, as the flood documents are. */
export function deepArray(): string {
  deep ??= "[".repeat(DEEP_JSON_LEVELS) + "]".repeat(DEEP_JSON_LEVELS);
  return deep;
}

/** An object's JSON text with one more key first, `"nested"`, holding the deep array: still a valid document. */
export function withDeepKey(objectJson: string): string {
  const open = objectJson.indexOf("{");
  const rest = objectJson.slice(open + 1);
  return `${objectJson.slice(0, open + 1)}"nested":${deepArray()}${rest.trimStart().startsWith("}") ? "" : ","}${rest}`;
}
