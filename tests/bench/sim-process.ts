/** The simulator in a child process, so a benchmark's CPU and event loop measure the probe alone. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface SimProcess {
  url: string;
  /** POST a control call (fault or status) to the running simulator. */
  control(path: "fault" | "reset" | "status", body?: unknown): Promise<void>;
  stop(): Promise<void>;
}

/** Start `lib/simulator/cli.ts` on a free-ish port and wait until it answers. */
export async function startSimProcess(port: number): Promise<SimProcess> {
  const child: ChildProcess = spawn(fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url)), ["lib/simulator/cli.ts", "--port", String(port)], {
    cwd: root,
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await fetch(`${url}/__sim/requests`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error("simulator did not start within 15 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    async control(path, body) {
      const res = await fetch(`${url}/__sim/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
      if (!res.ok) throw new Error(`simulator control ${path}: HTTP ${res.status} ${await res.text()}`);
    },
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
