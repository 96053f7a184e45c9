/**
 * The disk under the database: a file the worker's user cannot write (a backup restored as root under User=witness),
 * a read-only or failing disk. Each is said in one line that names the cause ("not writable") and the fix, never as a
 * stack trace or SQLite's "disk I/O error". Honest conditions only: root ignores file modes, so the user case runs the
 * CLI as `nobody` (setpriv), and the disk cases mount a real tmpfs or ext4 image (skipped where mount is not allowed).
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as healthGET } from "@/app/api/health/route";
import { GET as metricsGET } from "@/app/metrics/route";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { loadConfig } from "@/lib/config";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { setWebContext } from "@/lib/web/context";
import { runCli, type CliRun } from "@/tests/unit/cli";

const dir = mkdtempSync(join(tmpdir(), "witness-disk-"));
// mkdtemp makes it 0700: the unprivileged user must be able to reach the files inside.
chmodSync(dir, 0o755);
const EMPTY = join(dir, "empty.yaml");
writeFileSync(EMPTY, "{}\n");
const offline = { WITNESS_CONFIG: EMPTY, ANTHROPIC_BASE_URL: "http://127.0.0.1:9", CLAUDE_WEB_URL: "http://127.0.0.1:9", CLAUDE_CONSOLE_URL: "http://127.0.0.1:9", STATUS_PAGE_URL: "http://127.0.0.1:9" };
const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted.reverse()) spawnSync("umount", ["-l", m]);
  rmSync(dir, { recursive: true, force: true });
});

const NOBODY = 65534;
const canBecomeNobody = process.getuid?.() === 0 && spawnSync("setpriv", ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", "true"]).status === 0;

/** A migrated Witness database at `path`, closed (the -wal and -shm gone with it). */
function witnessDb(path: string): void {
  const store = openDatabase(path);
  migrateDatabase(store.db);
  store.close();
}

/** `lib/cli/<name>.ts` as the unprivileged user `nobody`. */
function runAsNobody(name: string, args: string[], env: Record<string, string>): Promise<CliRun> {
  const tsx = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
  const child = spawn("setpriv", ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", tsx, `lib/cli/${name}.ts`, ...args], { cwd: PROJECT_ROOT, env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) => child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

/** A port nothing listens on (npm start checks PORT before the database; 3000 may be taken by anything). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Mount a fresh tmpfs at a new directory; null (and the reason) where this machine does not allow it. */
function mountTmpfs(name: string): { path: string } | { skip: string } {
  const path = join(dir, name);
  mkdirSync(path);
  const run = spawnSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", path], { encoding: "utf8" });
  if (run.status !== 0) return { skip: `cannot mount a tmpfs here (${(run.stderr || run.error?.message || "").trim()})` };
  mounted.push(path);
  return { path };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const oneLine = (run: CliRun) => {
  const lines = run.stderr.trim().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  return lines[0]!;
};

describe("at start", () => {
  it("a database file the worker's user cannot write (restored as root): exit 2 in one line naming chown, nothing written", async (ctx) => {
    ctx.skip(!canBecomeNobody, "needs root and setpriv to run the CLI as an unprivileged user");
    // The service's directory belongs to its user; the restored file to root, mode 0644.
    const home = join(dir, "var-lib-witness");
    mkdirSync(home);
    chownSync(home, NOBODY, NOBODY);
    const path = join(home, "witness.db");
    witnessDb(path);
    const before = readFileSync(path);
    const port = String(await freePort());
    for (const [cli, args] of [["start", []], ["start", ["--checked"]], ["serve", []]] as const) {
      const run = await runAsNobody(cli, [...args], { DATABASE_PATH: path, PORT: port, ...offline });
      expect(run.code, `${cli} ${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(oneLine(run)).toBe(`witness: database: ${path} is not writable by user nobody: ${path} belongs to uid 0 (mode 0644); a backup restored as root? Run chown nobody ${path} and start Witness again`);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  }, 90_000);

  it("a read-only disk says 'not writable: read-only file system', not 'unable to open database file' or ENOENT", async (ctx) => {
    const mount = mountTmpfs("ro-at-start");
    if ("skip" in mount) return ctx.skip(mount.skip);
    witnessDb(join(mount.path, "witness.db"));
    expect(spawnSync("mount", ["-o", "remount,ro", mount.path]).status).toBe(0);
    // An existing database; a new one; a new one in a directory still to be made (mkdir said ENOENT).
    for (const name of ["witness.db", "new.db", "data/new.db"]) {
      const path = join(mount.path, name);
      const run = await runCli("start", [], { DATABASE_PATH: path, ...offline });
      expect(run.code, run.stderr).toBe(2);
      expect(oneLine(run)).toMatch(new RegExp(`^witness: database: ${escape(path)} is not writable: ${escape(mount.path)}\\S* is on a read-only file system: remount it read-write .* or set DATABASE_PATH to a writable disk$`));
    }
  }, 60_000);
});

/** Mount a fresh ext4 image (loop device) that turns read-only on errors; or the reason it cannot be done here. */
function mountExt4(name: string): { path: string } | { skip: string } {
  const image = join(dir, `${name}.img`);
  const path = join(dir, name);
  mkdirSync(path);
  const steps: [string, string[]][] = [
    ["truncate", ["-s", "16M", image]],
    ["mkfs.ext4", ["-q", image]],
    ["mount", ["-o", "loop,errors=remount-ro", image, path]],
  ];
  for (const [cmd, args] of steps) {
    const run = spawnSync(cmd, args, { encoding: "utf8" });
    if (run.status !== 0) return { skip: `cannot mount an ext4 image here (${cmd}: ${(run.stderr || run.error?.message || "").trim()})` };
  }
  mounted.push(path);
  return { path };
}

describe("while the worker runs", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    setWebContext(null);
    await sim.close();
  });

  it("a disk that turns read-only under it (ext4 after an error): the log and /api/health say 'not writable', not 'disk I/O error'", async (ctx) => {
    const mount = mountExt4("turns-ro");
    if ("skip" in mount) return ctx.skip(mount.skip);
    const path = join(mount.path, "witness.db");
    const fast = join(dir, "fast.yaml");
    writeFileSync(fast, "probes: { edge: { intervalSeconds: 1 }, web: { intervalSeconds: 1 }, status: { intervalSeconds: 1 } }\n");
    const child = spawn(process.execPath, ["--import", "tsx", "lib/cli/start.ts"], { cwd: PROJECT_ROOT, env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", DATABASE_PATH: path, WITNESS_CONFIG: fast, ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, CLAUDE_CONSOLE_URL: `${sim.url}/console`, STATUS_PAGE_URL: sim.url } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await waitFor(() => / edge up /.test(stderr), 20_000);
      const web = openDatabase(path, { readonly: true });
      setWebContext({ config: loadConfig({ DATABASE_PATH: path, WITNESS_CONFIG: fast }), store: web });
      expect((await (await healthGET()).json()).storage).toEqual({ state: "ok", walBytes: expect.any(Number), reason: null });

      // What ext4 does after a disk error with errors=remount-ro; access(2) does not see it, writes get EROFS.
      expect(spawnSync("mount", ["-o", "remount,abort", mount.path]).status).toBe(0);
      await waitFor(() => /result not stored: /.test(stderr), 10_000);
      const failures = stderr.split("\n").filter((l) => l.includes("not stored"));
      expect(failures.length).toBeGreaterThan(0);
      for (const line of failures) expect(line).toMatch(new RegExp(`not stored: ${escape(path)} is not writable: ${escape(path)}-wal is on a read-only file system: remount it read-write`));
      expect(stderr).not.toMatch(/disk I\/O error|ENOENT|\n\s+at /);

      const health = await healthGET();
      expect(health.status).toBe(503);
      expect((await health.json()).storage).toEqual({ state: "not_writable", walBytes: expect.any(Number), reason: expect.stringMatching(/is not writable: .* is on a read-only file system/) });
      const metrics = await (await metricsGET()).text();
      expect(metrics).toMatch(/^witness_database_writable 0$/m);
      expect(metrics).toMatch(/^witness_database_storage_warning 1$/m);
      web.close();
    } finally {
      setWebContext(null);
      child.kill("SIGTERM");
      await exited;
    }
  }, 60_000);
});

async function waitFor(what: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}
