/**
 * What `npm run demo` plays and how it is measured: the acts of its loop and the config its worker and its generated
 * history share. Each act's `say` is what the dashboard shows while it lasts (tests/unit/demo.test.ts holds it to that).
 */
import type { Simulator } from "@/lib/simulator";

/** One step of the loop: how long it lasts and what the simulator does meanwhile. */
export interface Act {
  seconds: number;
  say: string;
  apply(sim: Simulator): void;
}

// Loopback answers in a millisecond; a realistic wait makes the timings worth looking at.
const HEALTHY = { fault: "none", ttfbMs: 250, gapMs: 30 } as const;

/**
 * Act 2 is intermittent failure: every other API request answers 529. The simulator counts "every other" per request
 * shape, i.e. per series (lib/simulator/faults.ts), so each series alternates whatever the others do (a tick that
 * waited out the browser's time slot included): no series fails twice running (that would be an outage by the
 * detector's rule), and the surface's pooled elevated-errors state (lib/judge/elevated.ts) opens once its failures are
 * past the 2% background's bound: about 7 of 33 results at the first loop, 9 of 54 at later ones (act 4 and act 1 sit
 * in its 15-minute window), i.e. 40–60 s into the act. The act lasts 120 s (90 s left a later loop's elevated errors
 * on the page for seconds). Claude Code's tool round trip is two requests of one shape, so in act 2 the second of
 * every round trip fails and that surface is down: a real session of many requests fails that way under an
 * intermittent failure.
 * Act 4's successes resolve the stream incident of act 3, which spends the pooled state's evidence: the surface reads
 * recovered within the act.
 * Act 5 is the failure only a browser sees: claude.ai's front page (the `web` GET) answers 200 while the app's
 * bootstrap call answers 500, so the browser probe fails (a screenshot kept) and web stays up. It comes last so that
 * act 2 of the first loop, which the demo test plays, has only act 1 before it.
 */
export const DEMO_ACTS: readonly Act[] = [
  {
    seconds: 60,
    say: "healthy; the official page says operational (it resolves the last loop's incident)",
    apply: (sim) => {
      sim.setFault("api", HEALTHY);
      sim.setFault("app", "none");
      sim.setStatus({ scenario: "operational" });
    },
  },
  {
    seconds: 120,
    say: "every other API request overloaded (529): elevated errors, degraded, and Claude Code's two-request round trip fails every time; the official page still says operational",
    apply: (sim) => {
      sim.setFault("api", { fault: "overloaded", every: 2 });
      sim.setStatus({ scenario: "operational" });
    },
  },
  {
    seconds: 60,
    say: "streams die mid-answer; the official page now posts an incident",
    apply: (sim) => {
      sim.setFault("api", { fault: "stream_truncated", mode: "stream" });
      sim.setStatus({ scenario: "incident" });
    },
  },
  { seconds: 60, say: "recovered; the official page still shows its incident until the next loop", apply: (sim) => sim.setFault("api", HEALTHY) },
  {
    seconds: 150,
    say: "claude.ai's front page answers 200 but the app behind it fails (its bootstrap call answers 500): the browser probe is down with a screenshot while web stays up; the official page says claude.ai is operational",
    apply: (sim) => sim.setFault("app", "bootstrap_500"),
  },
];

/** Ten seconds a probe in the demo, so a minute of it shows something; the real default is a minute. */
const DEMO_INTERVAL_SECONDS = 10;
/**
 * Shorter than 5 s, the worker's spread puts messages and stream in the same second (their order then random), and
 * act 2's "every other request" could fail one series twice running: the scale stops at the interval 5 s.
 */
const MIN_SCALE = 0.5;
export const DEMO_MATCH_GRACE_MINUTES = 0;

/** DEMO_ACT_SECONDS_SCALE: a number in [0.5, 1] that shortens every act and the probe intervals with them; 1 unset. */
export function actSecondsScale(env: Record<string, string | undefined>): number {
  const raw = env.DEMO_ACT_SECONDS_SCALE;
  if (raw === undefined || raw === "") return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < MIN_SCALE || scale > 1) throw new Error(`DEMO_ACT_SECONDS_SCALE must be a number from ${MIN_SCALE} to 1, got ${JSON.stringify(raw)}`);
  return scale;
}

/** The probe interval at `scale`: the largest that divides 60 (the config's rule) and fits, 5 s at least. */
export function demoIntervalSeconds(scale: number): number {
  return [5, 6, 10].filter((s) => s <= DEMO_INTERVAL_SECONDS * scale).at(-1) ?? 5;
}

/**
 * console, browser and code: every 30 s, shortened acts or not (the real default for browser and code is 300 s). Act 5
 * (75 s at the shortest) then holds two failing browser runs, which open its incident; and no more often, because
 * every other probe waits while Chromium runs (the browser's time slot), seconds on a loaded machine.
 */
export const DEMO_SLOW_INTERVAL_SECONDS = 30;

/**
 * The demo's witness.config.yaml. The feed's 5-minute floor would hide every demo incident: at 1 minute the one the
 * truncated streams open reaches /feed.xml about a minute after it opens. A component row every minute and
 * incidents.json every minute so the official side follows an act; the history is generated with this same file.
 * No match grace: a loop lasts minutes, and the default 15 let the official incident resolved at one loop's act 1
 * "acknowledge" the next loop's failure 3 minutes before Witness measured it. The page posts during the failure, so
 * the overlap alone matches it (the generated history's incidents too: posted during their outage).
 */
export function demoConfigYaml(scale = 1): string {
  const every = demoIntervalSeconds(scale);
  const probes = [
    ...["messages", "stream", "edge", "web", "status"].map((k) => `  ${k}: { intervalSeconds: ${every} }`),
    ...["console", "browser", "code"].map((k) => `  ${k}: { intervalSeconds: ${DEMO_SLOW_INTERVAL_SECONDS} }`),
  ].join("\n");
  return `probes:\n${probes}\nofficial: { heartbeatMinutes: 1, historyIntervalMinutes: 1 }\nincidents: { matchGraceMinutes: ${DEMO_MATCH_GRACE_MINUTES} }\nfeed: { minIncidentMinutes: 1 }\n`;
}
