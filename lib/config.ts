/**
 * Witness's configuration: one zod schema with defaults that work with no file at all, an optional YAML file merged
 * over them, and secrets and URLs from the environment. The only module that reads process.env.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { alertsSchema, CHANNEL_TYPES } from "@/lib/alerts/types";
import { PROBE_KINDS, type AnswerCheck, type ProbeKind } from "@/probes/types";
import { VANTAGE_ID, VANTAGE_SECRET } from "@/lib/vantage/ids";

/** Thrown for anything wrong in the file or the environment; the message names the key path. */
export class ConfigError extends Error {}

// Intervals that node-cron can express as a fixed second-and-minute pattern, so ticks stay aligned across restarts.
const isCronFriendly = (s: number) => (s <= 60 && 60 % s === 0) || (s % 60 === 0 && 3600 % s === 0);
const intervalSeconds = z
  .number()
  .int()
  // 60 % -1 is 0 too: without a floor a negative interval passed the divisor rule.
  .min(1)
  .refine(isCronFriendly, "must divide 60 (1–60) or be a whole number of minutes that divides 60 (120–3600)");
const ms = z.number().int().min(100).max(600_000);

/** Per-kind defaults. Timeouts are generous (a monitor must not call a slow answer a failure); `slowMs` marks degraded. */
const KIND_DEFAULTS: Record<ProbeKind, { timeoutMs: number; slowMs: number; intervalSeconds: number }> = {
  messages: { timeoutMs: 30_000, slowMs: 10_000, intervalSeconds: 60 }, // total time of a 16-token answer
  stream: { timeoutMs: 60_000, slowMs: 5_000, intervalSeconds: 60 }, // time to first token
  edge: { timeoutMs: 10_000, slowMs: 2_000, intervalSeconds: 60 }, // TTFB of the keyless 401
  web: { timeoutMs: 15_000, slowMs: 5_000, intervalSeconds: 60 }, // total page time
  status: { timeoutMs: 15_000, slowMs: 5_000, intervalSeconds: 60 },
  console: { timeoutMs: 15_000, slowMs: 5_000, intervalSeconds: 60 }, // judged exactly like web
  // A real Chromium costs CPU seconds per run, and the code round trip spends tokens twice: every 5 minutes.
  browser: { timeoutMs: 45_000, slowMs: 15_000, intervalSeconds: 300 }, // time until the app is usable
  code: { timeoutMs: 90_000, slowMs: 20_000, intervalSeconds: 300 }, // the whole tool round trip
};

const kindFields = (kind: ProbeKind) => ({
  enabled: z.boolean().default(true),
  intervalSeconds: intervalSeconds.default(KIND_DEFAULTS[kind].intervalSeconds),
  timeoutMs: ms.default(KIND_DEFAULTS[kind].timeoutMs),
  slowMs: ms.default(KIND_DEFAULTS[kind].slowMs),
  // A live stream sends a ping at least every few seconds; 20 s of silence is a stall, not a slow model.
  idleTimeoutMs: ms.default(20_000),
});

const kindSchema = (kind: ProbeKind) => z.object(kindFields(kind)).strict().prefault({});

/** claude.ai is served from its own hosts and loads its scripts from anthropic.com ones; the page's origin always counts. */
export const DEFAULT_FIRST_PARTY_HOSTS = ["claude.ai", "*.claude.ai", "*.anthropic.com"];
const hostPattern = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, "must be a host name like claude.ai or *.anthropic.com");

const browserSchema = z
  .object({
    ...kindFields("browser"),
    // A CSS selector a user knows marks the app as usable (the composer); null: load, its requests settled, visible text.
    readySelector: z.string().min(1).max(500).nullable().default(null),
    firstPartyHosts: z.array(hostPattern).min(1).max(50).default(DEFAULT_FIRST_PARTY_HOSTS),
  })
  .strict()
  .prefault({});

const answerSchema = z
  .object({
    prompt: z.string().min(1).max(500).default("Reply with exactly: pong"),
    expect: z.string().min(1).max(200).default("pong"),
    match: z.enum(["contains", "exact", "regex"]).default("contains"),
  })
  .strict()
  .refine((a) => a.match !== "regex" || isValidRegex(a.expect), { message: "is not a valid regular expression", path: ["expect"] })
  .prefault({});

const surfaceSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be a short slug like api"),
    name: z.string().min(1).max(80),
    /** The official Statuspage component this surface is held against. */
    componentId: z.string().min(1).max(64),
    kinds: z.array(z.enum(PROBE_KINDS)).min(1),
  })
  .strict();

/** Default surfaces (PRODUCT.md), each by the official page's real component id. */
const DEFAULT_SURFACES = [
  { id: "claude-ai", name: "claude.ai", componentId: "rwppv331jlwc", kinds: ["web", "browser"] },
  { id: "console", name: "Claude Console", componentId: "0qbwn08sd68x", kinds: ["console"] },
  { id: "api", name: "Claude API", componentId: "k8w3r06qmzrp", kinds: ["messages", "stream", "edge"] },
  { id: "claude-code", name: "Claude Code", componentId: "yyzkbfz2thpt", kinds: ["code"] },
] satisfies z.input<typeof surfaceSchema>[];

const incidentPolicySchema = z
  .object({
    // Gatus-style confirmation: one blip opens nothing, and a flapping series opens one incident, not ten.
    openAfter: z.number().int().min(1).max(100).default(2),
    failureRatio: z.number().gt(0).max(1).default(0.5),
    windowMinutes: z.number().int().min(1).max(240).default(5),
    // The ratio rule needs a few results in its window, or one failure out of one would be "100%".
    minWindowResults: z.number().int().min(1).max(1000).default(4),
    resolveAfter: z.number().int().min(1).max(100).default(3),
    // An official incident created this long before or after a measured one still counts as about it.
    matchGraceMinutes: z.number().int().min(0).max(1440).default(15),
    // Shorter incidents are listed but not graded: no status page can be expected to post within minutes.
    accountableAfterMinutes: z.number().int().min(0).max(1440).default(5),
    // No result for this many intervals means Witness was not running: "no data", not an outage.
    gapIntervals: z.number().min(1.5).max(100).default(2.5),
  })
  .strict()
  .prefault({});

/** A vantage's id: it names the vantage in URLs, series keys and metrics. */
const vantageIdSchema = z.string().regex(VANTAGE_ID, "must be 1-32 of a-z, 0-9 and -");

/** This install as a vantage: `local` unless renamed; a hub with `probe: false` only collects. */
const ownVantageSchema = z
  .object({ id: vantageIdSchema.default("local"), name: z.string().min(1).max(80).nullable().default(null), probe: z.boolean().default(true) })
  .strict()
  .prefault({});

/** The vantages a hub accepts results from; each one's secret comes from the environment (`${NAME}`). */
const vantagesSchema = z
  .array(
    z
      .object({
        id: vantageIdSchema,
        name: z.string().min(1).max(80),
        secret: z.string().regex(VANTAGE_SECRET, "must be a whsec_ secret (whsec_ and at least 16 base64 characters)"),
        group: vantageIdSchema.nullable().default(null),
      })
      .strict(),
  )
  .max(64)
  .default([])
  .refine((list) => new Set(list.map((v) => v.id)).size === list.length, "vantage ids must be unique");

/** How the hub decides from many vantages (PRODUCT.md "Vantage points"). */
const quorumSchema = z
  .object({
    freshIntervals: z.number().min(1).max(100).default(2.5),
    maxClockSkewSeconds: z.number().int().min(1).max(3600).default(60),
    resolveHoldIntervals: z.number().int().min(1).max(100).default(2),
  })
  .strict()
  .prefault({});

const fileSchema = z
  .object({
    // Model ids become series names and URLs: keep them to the characters model ids use.
    models: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]{0,99}$/, "must be a model id like claude-haiku-4-5")).min(1).default(["claude-haiku-4-5"]),
    probes: z
      .object({
        ...(Object.fromEntries(PROBE_KINDS.map((k) => [k, kindSchema(k)])) as { [K in Exclude<ProbeKind, "browser">]: ReturnType<typeof kindSchema> }),
        browser: browserSchema,
      })
      .strict()
      .prefault({}),
    answer: answerSchema,
    maxTokens: z.number().int().min(1).max(1024).default(16),
    connectivityCheck: z
      .object({ url: z.url({ protocol: /^https?$/ }).nullable().default(null), timeoutMs: ms.default(5_000) })
      .strict()
      .prefault({}),
    shutdownGraceMs: z.number().int().min(0).max(60_000).default(5_000),
    surfaces: z
      .array(surfaceSchema)
      .min(1)
      .default(DEFAULT_SURFACES)
      .refine((list) => new Set(list.map((s) => s.id)).size === list.length, "surface ids must be unique"),
    incidents: incidentPolicySchema,
    retention: z
      .object({
        // Raw results answer "what exactly happened at 14:02"; after this, rollups keep the shape for good.
        rawDays: z.number().int().min(1).max(3650).default(30),
        // The official page's stored bodies are an audit trail, not data: a page whose bytes change on every read would
        // add ~700 MB a day. Each endpoint keeps at most its newest `payloadKeep` bodies, none older than `payloadDays`.
        payloadKeep: z.number().int().min(1).max(100_000).default(100),
        payloadDays: z.number().int().min(1).max(3650).default(30),
      })
      .strict()
      .prefault({}),
    // Optional daily backup the worker takes itself (lib/keep/backup-schedule.ts); null: none, use `npm run backup`.
    backup: z
      .object({
        dir: z.string().min(1).max(1000),
        keepDays: z.number().int().min(1).max(3650).default(14),
        // UTC; the default is a quiet hour, away from the 03:17 pruning.
        atHour: z.number().int().min(0).max(23).default(4),
      })
      .strict()
      .nullable()
      .default(null),
    feed: z
      .object({
        // Which measured incidents reach RSS/Atom/JSON Feed readers: those that lasted (or have lasted) this long.
        minIncidentMinutes: z.number().int().min(0).max(1440).default(5),
        title: z.string().min(1).max(120).default("Witness: Claude, measured"),
        // The public address for feed links; WITNESS_PUBLIC_URL overrides it, and without either links follow the Host.
        siteUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
      })
      .strict()
      .prefault({}),
    official: z
      .object({
        // A component row is written on every change and at least this often, so a gap in our reading shows.
        heartbeatMinutes: z.number().int().min(1).max(1440).default(15),
        // incidents.json (resolved ones included) is read this often, beside the summary every status tick.
        historyIntervalMinutes: z.number().int().min(1).max(60).refine((m) => 60 % m === 0, "must divide 60").default(10),
      })
      .strict()
      .prefault({}),
    userAgent: z.string().min(1).max(200).default("witness/0.1 (independent Claude status monitor)"),
    alerts: alertsSchema,
    vantage: ownVantageSchema,
    vantages: vantagesSchema,
    quorum: quorumSchema,
  })
  .strict()
  .refine((c) => c.vantages.every((v) => v.id !== c.vantage.id && v.id !== "local"), { message: "a vantage's id must differ from this hub's own (vantage.id) and from local", path: ["vantages"] });

/**
 * The probe plan a hub hands its vantages (GET /api/v1/vantages/{id}/plan): what to probe, how often and how to check
 * an answer, so series names and intervals cannot drift between places. Everything else stays each vantage's own.
 */
export const planSchema = z.object({ models: fileSchema.shape.models, probes: fileSchema.shape.probes, answer: answerSchema, maxTokens: fileSchema.shape.maxTokens }).strict();
export type ProbePlan = z.infer<typeof planSchema>;

export type FileConfig = z.infer<typeof fileSchema>;
export type KindConfig = FileConfig["probes"][ProbeKind];
export type Surface = FileConfig["surfaces"][number];
export type IncidentPolicy = FileConfig["incidents"];

export interface Config extends FileConfig {
  answer: AnswerCheck;
  apiKey: string | null;
  anthropicBaseUrl: string;
  webUrl: string;
  /** CLAUDE_CONSOLE_URL: what the `console` probe GETs. */
  consoleUrl: string;
  statusPageUrl: string;
  /** CHROMIUM_PATH, or null: the `browser` probe then looks on the usual install paths. */
  chromiumPath: string | null;
  /** WITNESS_BROWSER_CHILD (set by npm start, not by people): the browser probe's child bundle; null: run its source. */
  browserChild: string | null;
  databasePath: string;
  port: number;
  configPath: string | null;
  /** WITNESS_PUBLIC_URL as an origin (`https://status.example.com`, no trailing slash), or null when unset. */
  publicUrl: string | null;
  /** WITNESS_DEMO=1 (set by `npm run demo`): the data is the simulator's and generated history; every page says so. */
  isDemo: boolean;
  /** WITNESS_DASHBOARD_PASSWORD: set, every page, feed and API route wants it (lib/web/auth.ts); null: public. */
  dashboardPassword: string | null;
}

type Env = Record<string, string | undefined>;

/** No result for this long (in the slowest of these kinds' intervals) means Witness was not running: no data. */
export function gapMs(config: FileConfig, kinds: readonly ProbeKind[]): number {
  return config.incidents.gapIntervals * Math.max(...kinds.map((k) => config.probes[k].intervalSeconds)) * 1000;
}

/** The shortest interval of the enabled probes (ms), how often there can be new data; a minute when none is enabled. */
export function shortestIntervalMs(config: Pick<FileConfig, "probes">): number {
  const seconds = Object.values(config.probes).filter((p) => p.enabled).map((p) => p.intervalSeconds);
  return seconds.length > 0 ? Math.min(...seconds) * 1000 : 60_000;
}

/** An official reading holds until two heartbeats and a status tick have gone by without a row: then we stopped seeing it. */
export function officialStaleMs(config: FileConfig): number {
  return 2 * config.official.heartbeatMinutes * 60_000 + config.probes.status.intervalSeconds * 1000;
}

/**
 * Read the config file (if any) and the environment. Throws ConfigError naming the key path. `withoutAlerts`: for the
 * commands that never alert (report, backup, probe --once): `alerts:` is left out, so they need none of its secrets.
 */
export function loadConfig(env: Env = process.env, opts: { withoutAlerts?: boolean } = {}): Config {
  const configPath = env.WITNESS_CONFIG ?? (existsSync("witness.config.yaml") ? "witness.config.yaml" : null);
  const raw = configPath ? readYaml(configPath) : {};
  if (raw && typeof raw === "object" && "alerts" in raw) {
    const holder = raw as { alerts: unknown };
    if (opts.withoutAlerts) delete (holder as { alerts?: unknown }).alerts;
    else holder.alerts = substituteEnv(holder.alerts, env, ["alerts"]);
  }
  if (raw && typeof raw === "object" && "vantages" in raw) {
    const holder = raw as { vantages: unknown };
    holder.vantages = substituteEnv(holder.vantages, env, ["vantages"]);
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(`${configPath}: ${describeIssue(parsed.error.issues[0])}`);
  }
  return {
    ...parsed.data,
    apiKey: env.ANTHROPIC_API_KEY?.trim() || null,
    anthropicBaseUrl: envUrl(env, "ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
    webUrl: envUrl(env, "CLAUDE_WEB_URL", "https://claude.ai"),
    consoleUrl: envUrl(env, "CLAUDE_CONSOLE_URL", "https://platform.claude.com"),
    statusPageUrl: envUrl(env, "STATUS_PAGE_URL", "https://status.claude.com"),
    chromiumPath: env.CHROMIUM_PATH?.trim() || null,
    browserChild: env.WITNESS_BROWSER_CHILD?.trim() || null,
    databasePath: env.DATABASE_PATH?.trim() || "./data/witness.db",
    port: envPort(env),
    configPath,
    publicUrl: envOrigin(env, "WITNESS_PUBLIC_URL"),
    isDemo: env.WITNESS_DEMO?.trim() === "1",
    // Not trimmed: a password may end in a space. Empty means unset.
    dashboardPassword: env.WITNESS_DASHBOARD_PASSWORD || null,
  };
}

/** A config is a few KB; anything past this is the wrong file (a log, a database), not worth reading into memory. */
const MAX_CONFIG_BYTES = 1_048_576;

function readYaml(path: string): unknown {
  let text: string;
  try {
    // Checked before reading: /dev/zero or a FIFO would never end, and a huge file would only fail later.
    const stat = statSync(path);
    if (!stat.isFile()) throw new ConfigError(`${path}: not a regular file: point WITNESS_CONFIG at a YAML file`);
    if (stat.size > MAX_CONFIG_BYTES) throw new ConfigError(`${path}: larger than 1 MB (${stat.size} bytes): point WITNESS_CONFIG at the YAML config file`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${path}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    return parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
}

function envUrl(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  // Never echo the value: a gateway URL can carry a token in its path.
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new ConfigError(`${name}: must be an http(s) URL`);
  return value;
}

/** An http(s) origin or null when unset: a path, query, fragment or user info is refused rather than dropped. */
function envOrigin(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  if (!value) return null;
  const url = URL.canParse(value) ? new URL(value) : null;
  // Never echo the value: it is refused exactly when it is not the plain origin it should be, and could carry a token.
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || url.pathname !== "/" || url.search || url.hash) {
    throw new ConfigError(`${name}: must be an http(s) origin like https://status.example.com (no path, query or credentials)`);
  }
  return url.origin;
}

function envPort(env: Env): number {
  const port = Number(env.PORT ?? "3000");
  // 0 asks the OS for a free port (tests, a second instance): the web server prints the one it got.
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError("PORT: must be an integer from 0 (any free port) to 65535");
  return port;
}

/** "probes.stream.timeoutMs: expected number", with an unknown key named in the path itself. */
function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "invalid";
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0] ?? ""] : issue.path;
  let message = issue.code === "unrecognized_keys" ? "unknown key" : issue.message;
  // A discriminated union names no option on a bad `type`: say which types exist (never the value: it may be a secret).
  if (issue.code === "invalid_union" && path.at(-1) === "type") message = `unknown channel type (one of ${CHANNEL_TYPES.join(", ")})`;
  return `${keyPath(path) || "(root)"}: ${message}`;
}

/** "alerts.channels[0].url" under alerts:, the older "models.0" elsewhere (scripts grep those). */
function keyPath(path: readonly PropertyKey[]): string {
  if (path[0] !== "alerts") return path.join(".");
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** `${NAME}` in any string under alerts and vantages: replaced from the environment; an unset one names the key, never a value. */
function substituteEnv(value: unknown, env: Env, path: (string | number)[]): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined || found.trim() === "") throw new ConfigError(`${keyPath(path)}: ${name} is not set`);
      return found.trim();
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, [...path, i]));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, [...path, k])]));
  return value;
}

/** Every secret in alerts: (channel URLs and their parts, tokens, keys, the heartbeat URL), for the log redactor. */
export function alertSecrets(config: Pick<FileConfig, "alerts">): string[] {
  const out = new Set<string>();
  const addUrl = (raw: string | null | undefined) => {
    if (!raw) return;
    out.add(raw);
    if (!URL.canParse(raw)) return;
    const url = new URL(raw);
    out.add(url.href);
    if (url.password) out.add(decodeURIComponent(url.password)).add(url.password);
    // A chat webhook's token is its path (Slack, Discord, Teams) or query; the origin alone is no secret.
    if (url.pathname.length > 8) out.add(url.pathname + url.search);
    if (url.search.length > 8) out.add(url.search);
  };
  for (const c of config.alerts.channels) {
    addUrl(c.url);
    if (c.type === "webhook") out.add(c.secret).add(c.secret.replace(/^whsec_/, ""));
    if (c.type === "ntfy" && c.token) out.add(c.token);
    if (c.type === "pagerduty") out.add(c.routingKey);
    if (c.type === "telegram") out.add(c.botToken);
  }
  addUrl(config.alerts.heartbeatUrl);
  return [...out].filter((s) => s.length >= 6);
}

/** Every vantage's secret, with and without its whsec_ prefix, for the log redactor. */
export function vantageSecrets(config: Pick<FileConfig, "vantages">): string[] {
  return config.vantages.flatMap((v) => [v.secret, v.secret.replace(/^whsec_/, "")]);
}

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
