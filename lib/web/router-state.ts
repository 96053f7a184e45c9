/**
 * The App Router's `Next-Router-State-Tree` header, checked before Next sees it. Next parses it on every RSC request
 * and, when it cannot, answers 500 and logs a stack: one line per request anyone can send, so a flood of them floods
 * the log. The front answers those with a 400 instead, using Next's own parser so that it refuses exactly what Next
 * would fail on.
 */
import routerState from "next/dist/server/app-render/parse-and-validate-flight-router-state.js";

/** True when the header is present and Next could not parse it. */
export function isMalformedRouterState(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  try {
    routerState.parseAndValidateFlightRouterState(header);
    return false;
  } catch {
    return true;
  }
}
