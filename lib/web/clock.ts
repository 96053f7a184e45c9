/**
 * The wall clock as Node gave it, taken when this module loads. Next replaces the global `Date` with one whose `now()`
 * first asks two AsyncLocalStorages whether a prerender is running (next/dist/server/node-environment-extensions/date.js):
 * harmless in a render, but a cost on every answer the front server gives from a snapshot, where no render runs.
 * lib/cli/web.ts loads the front before it imports Next, so this is the original.
 */
export const wallClock: () => number = Date.now;
