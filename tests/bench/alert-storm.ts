/**
 * The full-disk alert storm, measured (issue 13 item 2): deliveries per event id and channel, the worker's log lines,
 * RSS and CPU while the disk is full. Needs root for the tmpfs. `npx tsx tests/bench/alert-storm.ts [seconds]`.
 */
import { runStorm } from "@/tests/unit/alert-storm";
import { mountSmallDisk } from "@/tests/unit/full-disk";

const fullSeconds = Number(process.argv[2] ?? 67);
const disk = mountSmallDisk(8);
if ("skip" in disk) {
  console.error(`alert storm: skipped: ${disk.skip}`);
  process.exit(0);
}
try {
  const report = await runStorm(disk, { fullSeconds, recoverSeconds: 60 });
  console.log(JSON.stringify({ fullSeconds, ...report }, null, 2));
} finally {
  disk.unmount();
}
