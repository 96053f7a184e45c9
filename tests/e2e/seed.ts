/**
 * The e2e database, written before the web server starts. For now it is only created and migrated (an empty
 * Witness); tests that need data add it here, so every spec sees the same, known state.
 */
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";

export async function seedDatabase(dbPath: string): Promise<void> {
  const store = openDatabase(dbPath);
  try {
    migrateDatabase(store.db);
    // Insert fixtures here (results, rollups, incidents, official status) through store.db.
  } finally {
    store.close();
  }
}
