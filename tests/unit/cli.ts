/** Runs the real CLI entry points as child processes, as a user would. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `lib/cli/<name>.ts` with args and only the given environment (plus PATH), bounded by `timeoutMs`. */
export function runCli(name: string, args: string[], env: Record<string, string>, timeoutMs = 45_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [`lib/cli/${name}.ts`, ...args], { cwd: root, env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The port a web server started with PORT=0 (or -p 0) got from the OS, read off its "listening on" line; null until then. */
export function listeningPort(output: string): number | null {
  const m = /witness web: listening on http:\/\/\S+?:(\d+)/.exec(output);
  return m ? Number(m[1]) : null;
}
