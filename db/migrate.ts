/**
 * Applies the committed migrations in db/migrations. Drizzle records applied ones in
 * `__drizzle_migrations`, so running this on every start is safe and cheap.
 */
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { Db } from "@/db/client";

// Resolved from this file, not from process.cwd(), so the CLI, the worker and tests agree.
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

export function migrateDatabase(db: Db): void {
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
}
