/** The CLI that helps: --help everywhere, and one-line refusals with the fix instead of silence, hangs or cut reasons. */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { bundleEntry, PROJECT_ROOT } from "@/lib/cli/serve";
import { migrateDatabase } from "@/db/migrate";
import { insertProbeResults } from "@/db/queries/probe-results";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { PROBE_KINDS } from "@/probes/types";
import { runCli } from "@/tests/unit/cli";
import { sampleResult } from "@/tests/unit/support";

const dir = mkdtempSync(join(tmpdir(), "witness-startup-"));
const config = (name: string, yaml: string) => {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
};
const EMPTY = config("empty.yaml", "{}\n");
const offline = { ANTHROPIC_BASE_URL: "http://127.0.0.1:9", CLAUDE_WEB_URL: "http://127.0.0.1:9", CLAUDE_CONSOLE_URL: "http://127.0.0.1:9", STATUS_PAGE_URL: "http://127.0.0.1:9" };
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const oneLine = (stderr: string) => {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
};

describe("--help", () => {
  it.each(["probe", "report", "backup", "history", "start", "serve", "web", "build", "demo"])("lib/cli/%s.ts --help prints usage on stdout and exits 0", async (name) => {
    const run = await runCli(name, ["--help"], { DATABASE_PATH: join(dir, "help.db"), WITNESS_CONFIG: EMPTY, ...offline });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^usage: /);
    expect(run.stderr).toBe("");
  });
});

describe("the worker refuses, in one line with the fix", () => {
  it.each([
    ["DATABASE_PATH=:memory:", { DATABASE_PATH: ":memory:" }, /^witness: DATABASE_PATH=:memory: would throw away every result .*set DATABASE_PATH to a file/],
    ["WITNESS_CONFIG=/dev/zero (must not hang)", { WITNESS_CONFIG: "/dev/zero" }, /^witness: configuration: \/dev\/zero: not a regular file: point WITNESS_CONFIG at a YAML file$/],
    ["WITNESS_CONFIG a directory", { WITNESS_CONFIG: dir }, /not a regular file/],
    ["a config file over 1 MB", { WITNESS_CONFIG: config("big.yaml", `# ${"x".repeat(1_100_000)}\n`) }, /big\.yaml: larger than 1 MB \(\d+ bytes\)/],
    [
      "every probe disabled",
      { WITNESS_CONFIG: config("none.yaml", `probes:\n${PROBE_KINDS.map((k) => `  ${k}: { enabled: false }`).join("\n")}\n`) },
      /^witness: nothing to do: every probe is disabled in .*none\.yaml; set probes\.<kind>\.enabled: true/,
    ],
    [
      "only keyed probes and no key",
      { WITNESS_CONFIG: config("keyed.yaml", "probes: { edge: { enabled: false }, web: { enabled: false }, status: { enabled: false }, console: { enabled: false }, browser: { enabled: false } }\n") },
      /nothing to do: the enabled probes \(messages, stream, code\) all need ANTHROPIC_API_KEY; provide it, or enable one of edge, web, status, console$/,
    ],
    [
      "only keyed probes and browser, no key and no Chromium",
      { CHROMIUM_PATH: "/nonexistent/chromium", WITNESS_CONFIG: config("nochromium.yaml", "probes: { edge: { enabled: false }, web: { enabled: false }, status: { enabled: false }, console: { enabled: false } }\n") },
      /nothing to do: the enabled probes \(messages, stream, browser, code\) all need ANTHROPIC_API_KEY or a Chromium \(CHROMIUM_PATH\)/,
    ],
  ])("%s", async (_, env, message) => {
    for (const cli of ["start", "serve"]) {
      const run = await runCli(cli, [], { DATABASE_PATH: join(dir, "refused.db"), WITNESS_CONFIG: EMPTY, ...offline, ...env }, 15_000);
      expect(run.code, `${cli}: ${run.stderr}`).toBe(2);
      expect(oneLine(run.stderr)).toMatch(message);
    }
  });

  it("a database that fails PRAGMA quick_check: not written into, and told how to restore a backup", async () => {
    const path = join(dir, "corrupt.db");
    const store = openDatabase(path);
    migrateDatabase(store.db);
    const start = Date.parse("2026-01-01T00:00:00Z");
    insertProbeResults(store.db, Array.from({ length: 5_000 }, (_, i) => sampleResult(new Date(start + i * 60_000).toISOString(), { message: "m".repeat(100) })));
    store.sqlite.pragma("journal_mode = DELETE");
    store.close();
    // Scribble over a page in the middle of the file: the header and schema still read, the b-tree does not.
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 4096 * 40);
    closeSync(fd);
    const check = new Database(path, { readonly: true });
    expect(check.pragma("quick_check", { simple: true })).not.toBe("ok");
    check.close();
    const before = sha(path);
    const run = await runCli("start", [], { DATABASE_PATH: path, WITNESS_CONFIG: EMPTY, ...offline });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(/^witness: database: .*corrupt\.db fails PRAGMA quick_check \(.+\): refusing to write into it; .*copy your latest backup \(npm run -s backup\) to/);
    expect(sha(path)).toBe(before);
  });

  it("a foreign SQLite file is named as such, with the reason whole, and left as it was", async () => {
    const path = join(dir, "foreign.db");
    const other = new Database(path);
    other.exec("CREATE TABLE probe_results (x); CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    other.close();
    for (const cli of ["start", "probe"]) {
      const run = await runCli(cli, cli === "probe" ? ["--once", "--only", "edge"] : [], { DATABASE_PATH: path, WITNESS_CONFIG: EMPTY, ...offline });
      expect(run.code).toBe(2);
      expect(oneLine(run.stderr)).toBe(`witness: database: ${path} is not a Witness database (it has tables Witness did not create: notes, probe_results): set DATABASE_PATH to a new file`);
    }
    const after = new Database(path, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual(["notes", "probe_results"]);
    after.close();
  });

  it("a file that is not SQLite at all says so", async () => {
    const path = config("junk.db", "this is not a database, but it is long enough to have a header. ".repeat(20));
    const run = await runCli("start", [], { DATABASE_PATH: path, WITNESS_CONFIG: EMPTY, ...offline });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(/junk\.db.*file is not a database$/);
  });
});

describe("npm start and the port", () => {
  let busy: Server;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it("a port in use is said at once, with PORT= as the fix, before any build", async () => {
    const port = (busy.address() as AddressInfo).port;
    const run = await runCli("serve", [], { DATABASE_PATH: join(dir, "port.db"), WITNESS_CONFIG: EMPTY, PORT: String(port), ...offline });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toBe(`witness: port ${port} is already in use: set PORT=<another port> (or stop what holds ${port})`);
  });
});

describe("start-up and scripting output", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  /** The worker's log up to its last "scheduled" line, started with `args` (tsx on the source, or node on a bundle). */
  async function workerStartLog(args: string[], path: string, yaml: string): Promise<string> {
    const env: NodeJS.ProcessEnv = { NODE_ENV: "test", PATH: process.env.PATH ?? "", DATABASE_PATH: path, WITNESS_CONFIG: yaml, ANTHROPIC_BASE_URL: sim.url, CLAUDE_WEB_URL: sim.url, CLAUDE_CONSOLE_URL: `${sim.url}/console`, STATUS_PAGE_URL: sim.url, WITNESS_PUBLIC_URL: "https://status.example.com" };
    const child = spawn(process.execPath, args, { cwd: process.cwd(), env });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on("close", resolve));
    const deadline = Date.now() + 15_000;
    while (!stderr.includes("scheduled status") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    await exited;
    return stderr;
  }
  const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

  it("the worker's first line says version, database and size, probes and intervals, channels and the public URL", async () => {
    const path = join(dir, "summary.db");
    const yaml = config("summary.yaml", "probes: { messages: { enabled: false }, stream: { enabled: false }, code: { enabled: false }, web: { intervalSeconds: 30 } }\n");
    const stderr = await workerStartLog(["--import", "tsx", "lib/cli/start.ts"], path, yaml);
    const line = stderr.split("\n").find((l) => l.includes(`witness ${version}:`));
    expect(line, stderr).toBeDefined();
    expect(line).toMatch(new RegExp(`witness ${version.replace(/\./g, "\\.")}: database ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(\\d+\\.\\d MB\\), config .*summary\\.yaml; probes edge 60s, web 30s, status 60s, console 60s, browser 300s; channels none; public URL https://status\\.example\\.com$`));
  }, 30_000);

  it("under npm start, where the worker runs as a bundle, its first line still says the version (not 'witness unknown')", async () => {
    // Bundled as npm start bundles it, but beside node_modules (so packages resolve) and not over .next's own bundle.
    const outfile = join(PROJECT_ROOT, "node_modules", ".cache", "witness-tests", `worker-${process.pid}.mjs`);
    try {
      await bundleEntry("start", PROJECT_ROOT, outfile);
      const stderr = await workerStartLog([outfile], join(dir, "bundled.db"), EMPTY);
      expect(stderr).toMatch(new RegExp(`info witness ${version.replace(/\./g, "\\.")}: database `));
    } finally {
      rmSync(outfile, { force: true });
    }
  }, 60_000);

  it("npm run -s report -- --json prints JSON and nothing before it, so it pipes into jq", async () => {
    const path = join(dir, "report.db");
    const store = openDatabase(path);
    migrateDatabase(store.db);
    store.close();
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn("npm", ["run", "-s", "report", "--", "--json"], { cwd: process.cwd(), env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", DATABASE_PATH: path, WITNESS_CONFIG: EMPTY } });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.on("close", (code) => resolve({ code, stdout }));
    });
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith("{")).toBe(true);
    expect(JSON.parse(run.stdout)).toHaveProperty("surfaces");
  });
});
