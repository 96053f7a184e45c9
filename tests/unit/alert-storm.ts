/**
 * The full-disk alert storm (issue 13 item 2) as a scenario: a real worker process (lib/cli/start.ts) with its
 * database on a small tmpfs, three channels (webhook, Slack, ntfy) at receivers on 127.0.0.1 answering 503, the
 * edge probe against the simulator every 5 s. Once every receiver has seen a 503, the disk is filled and the
 * receivers answer 200; `fullSeconds` later the disk is freed. The unit test and the benchmark both run it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type OpenedDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { getOutboxRows } from "@/db/queries/alerts";
import { clock, monitorOfflineEvent } from "@/lib/alerts/events";
import { enqueueEvent } from "@/lib/alerts/outbox";
import { PROJECT_ROOT } from "@/lib/cli/serve";
import { loadConfig } from "@/lib/config";
import { startSimulator } from "@/lib/simulator";
import { startReceiver, type Received } from "@/tests/unit/alerts-receiver";
import type { SmallDisk } from "@/tests/unit/full-disk";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CHANNELS = [
  { name: "ops", type: "webhook", extra: `      secret: ${SECRET}\n` },
  { name: "chat", type: "slack", extra: "" },
  { name: "phone", type: "ntfy", extra: "" },
] as const;
const EVENTS = [0, 1].map((i) => monitorOfflineEvent(1_776_000_000_000 + i * 60_000, `event ${i}`));

export interface StormReport {
  /** Per channel: how often each event was answered 2xx while the disk was full, and in the whole run. */
  acceptedWhileFull: Record<string, number[]>;
  acceptedInAll: Record<string, number[]>;
  /** Requests each channel's receiver got while the disk was full (any answer). */
  requestsWhileFull: Record<string, number>;
  logLinesWhileFull: number;
  /** Of those, the dispatcher's (`alerts: …`). */
  alertLinesWhileFull: number;
  /** The worker's log lines while full, by their text without the timestamp, most frequent first. */
  topLines: [string, number][];
  rssMb: { atFill: number; max: number };
  /** The worker's CPU seconds per wall second while the disk was full (1 = one core spinning). */
  cpuShare: number;
  aliveAfterFull: boolean;
  /** After the disk was freed: every outbox row delivered, and probe results stored again. */
  deliveredAfterFree: boolean;
  resultsStoredAfterFree: boolean;
  exitCode: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

function procStatus(pid: number): { rssMb: number; cpuSeconds: number } {
  try {
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    // Fields 14 and 15 of /proc/pid/stat (utime, stime) in clock ticks, counted after the command's closing paren.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return { rssMb: rssKb / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return { rssMb: 0, cpuSeconds: 0 };
  }
}

/** Which of EVENTS a request carried: the webhook-id, or for Slack and ntfy the clock time in its text. */
function eventIndex(r: Received): number {
  if (r.id) return EVENTS.findIndex((e) => e.id === r.id);
  return EVENTS.findIndex((e) => r.body.includes(clock(Date.parse(e.occurredAt))));
}

const acceptedCounts = (list: Received[]) => EVENTS.map((_, i) => list.filter((r) => r.status === 200 && eventIndex(r) === i).length);

/** Run the scenario on `disk` (mounted, empty); the disk is freed again at the end but not unmounted. */
export async function runStorm(disk: SmallDisk, opts: { fullSeconds: number; recoverSeconds: number }): Promise<StormReport> {
  const sim = await startSimulator();
  let phase: "refusing" | "accepting" = "refusing";
  const receivers = await Promise.all(CHANNELS.map(() => startReceiver(() => ({ status: phase === "refusing" ? 503 : 200 }))));
  const confDir = mkdtempSync(join(tmpdir(), "witness-storm-"));
  const configPath = join(confDir, "witness.config.yaml");
  const probesOff = ["messages", "stream", "web", "status", "console", "browser", "code"].map((k) => `  ${k}:\n    enabled: false\n`).join("");
  const channels = CHANNELS.map((c, i) => `    - name: ${c.name}\n      type: ${c.type}\n      url: ${receivers[i]!.url}\n${c.extra}`).join("");
  writeFileSync(configPath, `probes:\n${probesOff}  edge:\n    intervalSeconds: 5\nalerts:\n  channels:\n${channels}`);
  const env = { ...process.env, WITNESS_CONFIG: configPath, DATABASE_PATH: join(disk.dir, "w.db"), ANTHROPIC_BASE_URL: sim.url, NEXT_TELEMETRY_DISABLED: "1" };
  const config = loadConfig(env);
  const store = openDatabase(env.DATABASE_PATH);
  migrateDatabase(store.db);
  for (const event of EVENTS) enqueueEvent(store.db, config.alerts.channels, event, new Date());
  store.close();

  const lines: string[] = [];
  const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "lib/cli/start.ts")], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let partial = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString("utf8")).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  try {
    if (!(await until(() => receivers.every((r) => r.received.length > 0), 60_000))) throw new Error("storm: the worker never tried the receivers");
    disk.fill();
    phase = "accepting";
    const fillIndex = receivers.map((r) => r.received.length);
    const linesAtFill = lines.length;
    const atFill = procStatus(child.pid!);
    const started = Date.now();
    let maxRss = atFill.rssMb;
    while (Date.now() - started < opts.fullSeconds * 1000 && child.exitCode === null) {
      await sleep(250);
      maxRss = Math.max(maxRss, procStatus(child.pid!).rssMb);
    }
    const cpuShare = (procStatus(child.pid!).cpuSeconds - atFill.cpuSeconds) / ((Date.now() - started) / 1000);
    const whileFull = receivers.map((r, i) => r.received.slice(fillIndex[i]));
    const fullLines = lines.slice(linesAtFill);
    const aliveAfterFull = child.exitCode === null;

    const storedAtFree = readDb(env.DATABASE_PATH, (db) => (db.sqlite.prepare("SELECT count(*) AS n FROM probe_results").get() as { n: number }).n);
    disk.free();
    const allDelivered = () => readDb(env.DATABASE_PATH, (db) => getOutboxRows(db.db).every((r) => r.state === "delivered"));
    const deliveredAfterFree = aliveAfterFull && (await until(allDelivered, opts.recoverSeconds * 1000));
    const storedAgain = () => readDb(env.DATABASE_PATH, (db) => (db.sqlite.prepare("SELECT count(*) AS n FROM probe_results").get() as { n: number }).n > storedAtFree);
    const resultsStoredAfterFree = aliveAfterFull && (await until(storedAgain, 20_000));

    const byText = new Map<string, number>();
    for (const l of fullLines) byText.set(l.slice(25), (byText.get(l.slice(25)) ?? 0) + 1);
    return {
      acceptedWhileFull: Object.fromEntries(CHANNELS.map((c, i) => [c.name, acceptedCounts(whileFull[i]!)])),
      acceptedInAll: Object.fromEntries(CHANNELS.map((c, i) => [c.name, acceptedCounts(receivers[i]!.received)])),
      requestsWhileFull: Object.fromEntries(CHANNELS.map((c, i) => [c.name, whileFull[i]!.length])),
      logLinesWhileFull: fullLines.length,
      alertLinesWhileFull: fullLines.filter((l) => l.slice(25).startsWith("error alerts: ")).length,
      topLines: [...byText].sort((a, b) => b[1] - a[1]).slice(0, 6),
      rssMb: { atFill: Math.round(atFill.rssMb), max: Math.round(maxRss) },
      cpuShare: Math.round(cpuShare * 100) / 100,
      aliveAfterFull,
      deliveredAfterFree,
      resultsStoredAfterFree,
      exitCode: await stopChild(child, closed),
    };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    disk.free();
    rmSync(confDir, { recursive: true, force: true });
    await Promise.all(receivers.map((r) => r.close()));
    await sim.close();
  }
}

function readDb<T>(path: string, read: (db: OpenedDatabase) => T): T {
  const db = openDatabase(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function stopChild(child: ReturnType<typeof spawn>, closed: Promise<number | null>): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const code = await Promise.race([closed, sleep(15_000).then(() => "hung" as const)]);
  if (code === "hung") {
    child.kill("SIGKILL");
    return null;
  }
  return code;
}
