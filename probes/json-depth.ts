/**
 * A bound on how deeply a JSON text nests, checked on the text before JSON.parse. V8's JSON.parse is iterative and
 * accepts any depth, but what comes after it recurses: structured clone (the parser thread's postMessage),
 * JSON.stringify, validation. A valid 800 KB document of 400,000 nested arrays parses, then overflows the stack at
 * the first of those, after building hundreds of MB of nested objects; counting brackets first refuses it for the
 * cost of one pass over the text.
 */

/** Far deeper than any document a probe reads (Statuspage's go 6 levels, a Messages reply 5), far shallower than a stack. */
export const MAX_JSON_DEPTH = 64;

export const TOO_DEEP_ERROR = `body is nested too deeply (over ${MAX_JSON_DEPTH} levels of arrays and objects)`;

/**
 * Whether `text` opens more than `max` arrays and objects at once, brackets inside strings not counted. Linear, and
 * allocation-free: string contents are skipped with indexOf. Invalid JSON may give either answer; JSON.parse, which
 * runs next, rejects it anyway. Self-contained: it also runs on the parser thread as source text.
 */
export function isNestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // The closing quote is the next one not escaped, i.e. preceded by an even run of backslashes.
      let end = i;
      for (;;) {
        end = text.indexOf('"', end + 1);
        if (end < 0) return false;
        let slash = end - 1;
        while (text.charCodeAt(slash) === 0x5c) slash--;
        if ((end - 1 - slash) % 2 === 0) break;
      }
      i = end;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
