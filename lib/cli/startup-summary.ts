/** The worker's one start-up line: what this Witness is about to do, so a wrong path or config shows at a glance. */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Config } from "@/lib/config";
import type { PlannedProbe } from "@/lib/measure/targets";
import { witnessVersion } from "@/lib/cli/common";

/** The main file and its WAL: together what the database weighs on disk. */
function databaseBytes(path: string): number {
  return [path, `${path}-wal`].reduce((sum, p) => sum + (existsSync(p) ? statSync(p).size : 0), 0);
}

/** Alert channels by type and name only: a URL or token in the config must never reach a log. */
function channelsOf(config: Config): string {
  // Read defensively: the alerts section may not be in every build's config type.
  const channels = (config as { alerts?: { channels?: unknown } }).alerts?.channels;
  if (!Array.isArray(channels) || channels.length === 0) return "none";
  return channels.map((c: { type?: unknown; name?: unknown }) => `${String(c?.name ?? "?")} (${String(c?.type ?? "?")})`).join(", ");
}

/** "witness 0.1.0: database /srv/witness.db (12.3 MB); probes edge 60s, web 60s; channels none; public URL not set (WITNESS_PUBLIC_URL)". */
export function describeStartup(config: Config, probes: readonly PlannedProbe[]): string {
  const path = resolve(config.databasePath);
  const mb = (databaseBytes(path) / 1_048_576).toFixed(1);
  const list = probes.map((p) => `${p.target.name} ${p.intervalSeconds}s`).join(", ");
  return [
    `witness ${witnessVersion()}: database ${path} (${mb} MB)${config.configPath ? `, config ${resolve(config.configPath)}` : ""}`,
    `probes ${list || "none"}`,
    `channels ${channelsOf(config)}`,
    `public URL ${config.publicUrl ?? "not set (WITNESS_PUBLIC_URL)"}`,
  ].join("; ");
}
