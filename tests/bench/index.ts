/** `npm run bench`: every benchmark, printed as markdown tables. Loopback only, bounded in count. */
import { benchAlerts } from "@/tests/bench/alerts";
import { benchCode } from "@/tests/bench/code";
import { benchCrowd } from "@/tests/bench/crowd";
import { benchEventLoop } from "@/tests/bench/eventloop";
import { benchIncidents } from "@/tests/bench/incidents";
import { benchMetrics } from "@/tests/bench/metrics";
import { benchSurfaces } from "@/tests/bench/surfaces";
import { benchTiming } from "@/tests/bench/timing";
import { benchVantages } from "@/tests/bench/vantages";
import { benchVerdict } from "@/tests/bench/verdict";
import { benchWeb } from "@/tests/bench/web";

const only = process.argv[2];
const SECTIONS = ["timing", "incidents", "web", "eventloop", "crowd", "metrics", "alerts", "code", "surfaces", "vantages", "verdict"];
if (only && !SECTIONS.includes(only)) {
  console.error(`npm run bench -- [${SECTIONS.join("|")}]: unknown section ${JSON.stringify(only)}`);
  process.exit(2);
}
console.log(`# Witness benchmarks (${new Date().toISOString()}, node ${process.version})`);
if (!only || only === "timing") await benchTiming();
if (!only || only === "incidents") await benchIncidents();
if (!only || only === "web") await benchWeb();
if (!only || only === "eventloop") await benchEventLoop();
if (!only || only === "crowd") await benchCrowd();
if (!only || only === "metrics") await benchMetrics();
if (!only || only === "alerts") await benchAlerts();
// Issue 16's two sections, each its own tables: the code probe's timing, and the browser probe's cost and neighbours.
if (!only || only === "code") await benchCode();
if (!only || only === "surfaces") await benchSurfaces();
// Issue 17: a hub's ingest, a vantage's delay to the hub, and a backlog's drain.
if (!only || only === "vantages") await benchVantages();
// Issue 18: the verdict's speed (quorum-forming failure to incident and page) and a 5-vantage hub's render cost.
if (!only || only === "vantages" || only === "verdict") await benchVerdict();
