/** After every spec: stop the server global setup started and remove its temporary directory. */
import { rmSync } from "node:fs";
import { ENV_KEEP, ENV_SERVER_PID, ENV_TMP_DIR, serverHandle, stopChild } from "./server";

const STOP_TIMEOUT_MS = 10_000;

export default async function globalTeardown(): Promise<void> {
  await stopServer();
  const dir = process.env[ENV_TMP_DIR];
  if (dir && process.env[ENV_KEEP] !== "1") rmSync(dir, { recursive: true, force: true });
  else if (dir) process.stderr.write(`e2e: kept ${dir}\n`);
}

async function stopServer(): Promise<void> {
  const child = serverHandle.child;
  if (child) {
    await stopChild(child);
    serverHandle.child = null;
    return;
  }
  // No handle (setup ran elsewhere): fall back to the pid it recorded.
  const pid = Number(process.env[ENV_SERVER_PID]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}
