/**
 * Issue 13 item 2: a full disk must not turn one alert into a storm. A real worker, its database on a small tmpfs
 * filled to the last byte while three receivers switch from 503 to 200 (tests/unit/alert-storm.ts). Skipped, with the
 * reason, where a tmpfs cannot be mounted.
 */
import { describe, expect, it } from "vitest";
import { runStorm } from "@/tests/unit/alert-storm";
import { mountSmallDisk } from "@/tests/unit/full-disk";

describe("alerts on a full disk", () => {
  it("a 2xx that cannot be recorded is never sent again; the worker neither dies nor spins; all recorded once there is room", { timeout: 180_000 }, async (ctx) => {
    const disk = mountSmallDisk(8);
    if ("skip" in disk) return ctx.skip(disk.skip);
    try {
      const report = await runStorm(disk, { fullSeconds: 12, recoverSeconds: 60 });
      console.log(`full disk for 12 s: ${JSON.stringify(report.requestsWhileFull)} requests, ${report.logLinesWhileFull} log lines (${report.alertLinesWhileFull} alert errors), top lines ${JSON.stringify(report.topLines)}, RSS ${report.rssMb.atFill} -> ${report.rssMb.max} MB, CPU ${report.cpuShare}`);
      // Each event answered 2xx exactly once per channel over the whole run. While full, a channel sends at most one
      // request per event: the head, then the next only if SQLite could still record the head (a checkpointed WAL
      // reuses its pages, so a write can succeed on a full disk); never a resend.
      for (const channel of ["ops", "chat", "phone"]) {
        expect(report.acceptedInAll[channel], channel).toEqual([1, 1]);
        expect(report.requestsWhileFull[channel], channel).toBeGreaterThanOrEqual(1);
        expect(report.requestsWhileFull[channel], channel).toBeLessThanOrEqual(2);
      }
      // At most one rate-limited error line per channel, not one per try.
      expect(report.alertLinesWhileFull).toBeLessThanOrEqual(3);
      // A spinning worker burns a whole core; a waiting one next to nothing.
      expect(report.cpuShare).toBeLessThan(0.5);
      expect(report.aliveAfterFull).toBe(true);
      expect(report.deliveredAfterFree).toBe(true);
      expect(report.resultsStoredAfterFree).toBe(true);
      expect(report.exitCode).toBe(0);
    } finally {
      disk.unmount();
    }
  });
});
