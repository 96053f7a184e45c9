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

/** Start `lib/simulator/cli.ts` on a port the OS picks (never a fixed one) and wait until it says where it listens. */
export async function startSimProcess(): Promise<SimProcess> {
  const child: ChildProcess = spawn(fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url)), ["lib/simulator/cli.ts", "--port", "0"], {
    cwd: root,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("simulator did not start within 15 s")), 15_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.resume();
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`simulator exited (code ${code}) before listening`)));
  });
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
