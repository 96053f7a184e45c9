/**
 * Error lines that cannot flood the log: a failing disk or database repeats the same error for as long as it lasts,
 * and one line a minute says as much as thousands (a full disk once wrote 26,654 lines in 67 s).
 */
import type { Logger } from "@/lib/log";

/** One error line per key per window; the next line that passes says how many were held back since the last. */
export const ERROR_LINE_EVERY_MS = 60_000;

export type LimitedError = (key: string, message: string) => void;

/** An error logger that prints at most one line per `key` per `everyMs`. */
export function limitErrors(log: Logger, now: () => number = Date.now, everyMs = ERROR_LINE_EVERY_MS): LimitedError {
  const last = new Map<string, { at: number; held: number }>();
  return (key, message) => {
    const at = now();
    const seen = last.get(key);
    if (seen && at - seen.at < everyMs) {
      seen.held += 1;
      return;
    }
    const held = seen?.held ? ` (${seen.held} more like it in the last ${Math.round((at - seen.at) / 1000)} s not logged)` : "";
    last.set(key, { at, held: 0 });
    log.error(`${message}${held}`);
  };
}
