/**
 * The daily backup the worker takes itself when the config has `backup: { dir, keepDays, atHour }`: through the
 * worker's own connection in small steps, so the event loop (and probe timing) stays free and the worker's writes
 * during the copy land in it instead of restarting it; then dated backups older than keepDays are deleted.
 */
import type Database from "better-sqlite3";
import type { Config } from "@/lib/config";
import type { Logger } from "@/lib/log";
import { backupDatabase, backupFileName, pruneBackups, type BackupSummary } from "@/lib/keep/backup";
import { join, resolve } from "node:path";

/** 100 pages (400 KB) per step: a few milliseconds each, then the event loop runs. */
const WORKER_PAGES_PER_STEP = 100;

/** The cron pattern (seconds first, UTC) of the daily backup: minute 7 of `atHour`, clear of the hour's probe burst. */
export function backupCronPattern(atHour: number): string {
  return `0 7 ${atHour} * * *`;
}

/** Take one dated backup into `backup.dir` and prune old ones. Never throws: a failed backup is logged. */
export async function takeScheduledBackup(sqlite: Database.Database, backup: NonNullable<Config["backup"]>, log: Logger, now = new Date()): Promise<BackupSummary | null> {
  try {
    const summary = await backupDatabase(sqlite, join(resolve(backup.dir), backupFileName(now)), { pagesPerStep: WORKER_PAGES_PER_STEP });
    log.info(`backup: ${summary.path} (${(summary.bytes / 1_048_576).toFixed(1)} MB, ${summary.ms} ms)`);
    const pruned = pruneBackups(resolve(backup.dir), backup.keepDays, now);
    if (pruned.length > 0) log.info(`backup: deleted ${pruned.length} older than ${backup.keepDays} days`);
    return summary;
  } catch (err) {
    log.error(`backup failed: ${(err as Error).message}`);
    return null;
  }
}
