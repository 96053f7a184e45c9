/** `npm run bench`: every benchmark, printed as markdown tables. Loopback only, bounded in count. */
import { benchIncidents } from "@/tests/bench/incidents";
import { benchTiming } from "@/tests/bench/timing";

console.log(`# Witness benchmarks (${new Date().toISOString()}, node ${process.version})`);
await benchTiming();
await benchIncidents();
