/**
 * A writer process for tests/unit/backup.test.ts: commits one probe result every 100 ms (10 results/s, a busy
 * worker) to DATABASE_PATH until killed, printing each committed id on stdout after its commit.
 */
import { openDatabase } from "@/db/client";
import { insertProbeResult } from "@/db/queries/probe-results";
import { sampleResult } from "@/tests/unit/support";

const store = openDatabase(process.env.DATABASE_PATH ?? "");
setInterval(() => {
  const id = insertProbeResult(store.db, sampleResult(new Date().toISOString(), { probe: "edge", kind: "edge", model: null }));
  process.stdout.write(`${id}\n`);
}, 100);
process.on("SIGTERM", () => {
  store.close();
  process.exit(0);
});
