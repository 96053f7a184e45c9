/** What both demos need: a free port for the dashboard, and to wait until it answers before the acts start. */
import { createServer } from "node:net";
import type { Logger } from "@/lib/log";

/** Poll `base`/api/health until it answers at all (503 while the worker warms up counts); false if serve exits or 15 min pass. */
export async function waitForDashboard(base: string, hasExited: () => boolean, log: Logger, timeoutMs = 15 * 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !hasExited()) {
    try {
      await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2_000) });
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  if (!hasExited()) log.info("demo: the dashboard did not answer within 15 minutes; the acts do not start");
  return false;
}

/** A port nothing listens on now (the kernel's pick for port 0, let go at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
