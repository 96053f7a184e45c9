/**
 * What the outage crowd sends besides plain visits (issue 13, item 6): cache-busting links, odd Hosts, reloads with
 * no-cache, the link-preview image and the series API. Each flood runs on 16 connections while one normal visitor
 * loads `/`, alternately on a connection it keeps and on a new one each time (a first visit, curl, a link from a
 * chat: it pays the connection's setup as well); the visitor's p50 during a flood is set beside its idle figure (goal: within
 * 2×), and the web server's resident memory is sampled throughout (goal: under 300 MB after the floods). The first
 * row is the plain crowd, 16 connections of plain `/`: what any 16 busy clients cost the visitor on this machine, the
 * floor no flood can go below, since the visitor's request queues behind theirs. Rows in parentheses are the plain
 * twins of the tricks below them (the same paths without the odd Host or the no-cache): a trick that forced renders
 * would show as the gap between a row and its twin; what remains is the cost of sending that answer's bytes.
 * WITNESS_BENCH_FLOODS_ONLY=1 runs this part alone (tests/bench/crowd.ts).
 */
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import autocannon from "autocannon";
import { fmt, median, printTable } from "@/tests/bench/stats";

const FLOOD_CONNECTIONS = 16;
const DURATION_S = 10;
const ACCEPT_ENCODING = "gzip, deflate, br";

let unique = 0;
const uid = () => `${Date.now().toString(36)}${(unique++).toString(36)}`;
const windows = ["24h", "7d", "30d", "90d"];
const pick = <T>(list: readonly T[]) => list[unique++ % list.length]!;

interface Flood {
  name: string;
  /** The path and extra headers of the next request. */
  next(): { path: string; headers?: Record<string, string> };
}

export const FLOODS: Flood[] = [
  { name: "(plain crowd: / only)", next: () => ({ path: "/" }) },
  { name: "/?u=<unique>", next: () => ({ path: `/?u=${uid()}` }) },
  {
    name: "unique queries on hot paths",
    next: () => ({ path: pick([`/charts?window=${pick(windows)}&u=${uid()}`, `/api/v1/status?u=${uid()}`, `/api/v1/badges/api.svg?u=${uid()}`, `/feed.xml?u=${uid()}`]) }),
  },
  { name: "(plain /feed.xml)", next: () => ({ path: "/feed.xml" }) },
  { name: "/feed.xml, unique Host", next: () => ({ path: "/feed.xml", headers: { host: `${uid()}.example.com` } }) },
  { name: "(plain chart windows)", next: () => ({ path: `/charts?window=${pick(windows)}` }) },
  { name: "no-cache on chart windows", next: () => ({ path: `/charts?window=${pick(windows)}`, headers: { "cache-control": "no-cache" } }) },
  { name: "(plain /opengraph-image)", next: () => ({ path: "/opengraph-image" }) },
  { name: "/opengraph-image, no-cache", next: () => ({ path: "/opengraph-image", headers: { "cache-control": "no-cache" } }) },
  { name: "/api/v1/series/edge/results?since=90d, no-cache", next: () => ({ path: "/api/v1/series/edge/results?since=90d", headers: { "cache-control": "no-cache" } }) },
];

/** Resident memory of `pid` alone, in MB. */
export function ownRssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
}

interface Seen {
  p50: number;
  max: number;
  count: number;
}

/**
 * One visitor loading `/` again and again for DURATION_S, alternating two ways a visitor comes: on its kept
 * connection (a reload, the live refresh) and on a new connection each time (a first visit, curl, a link followed
 * from a chat). Time to the last byte, in ms, for each. It runs in a thread of its own: on the flood's event loop its
 * timings were the load generator's queue as much as the server's (profiled beside a chart-window flood, the web
 * server's front thread was idle 87% of the time while this visitor measured 3.5 ms against 0.1 ms idle).
 */
async function visitor(base: string): Promise<{ kept: Seen; fresh: Seen }> {
  const thread = new Worker(VISITOR_THREAD, { eval: true, workerData: { base, durationMs: DURATION_S * 1000, acceptEncoding: ACCEPT_ENCODING } });
  const [kept, fresh] = await new Promise<[number[], number[]]>((resolve, reject) => {
    thread.once("message", resolve);
    thread.once("error", reject);
  });
  await thread.terminate();
  const seen = (times: number[]): Seen => ({ p50: median(times), max: Math.max(...times), count: times.length });
  return { kept: seen(kept), fresh: seen(fresh) };
}

const VISITOR_THREAD = `
const { Agent, get } = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const { base, durationMs, acceptEncoding } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const load = (via) => new Promise((resolve, reject) => {
  get(base + "/", { agent: via, headers: { "accept-encoding": acceptEncoding } }, (res) => {
    res.resume();
    res.on("end", resolve);
    res.on("error", reject);
  }).on("error", reject);
});
(async () => {
  const kept = [], fresh = [];
  const until = Date.now() + durationMs;
  while (Date.now() < until) {
    for (const [via, times] of [[agent, kept], [false, fresh]]) {
      const started = performance.now();
      await load(via);
      times.push(performance.now() - started);
    }
  }
  agent.destroy();
  parentPort.postMessage([kept, fresh]);
})();
`;

async function flood(base: string, f: Flood): Promise<{ rps: number; errors: number }> {
  const r = await autocannon({
    url: base,
    connections: FLOOD_CONNECTIONS,
    duration: DURATION_S,
    headers: { "accept-encoding": ACCEPT_ENCODING },
    requests: [
      {
        setupRequest: (req) => {
          const { path, headers } = f.next();
          return { ...req, path, headers: { ...req.headers, ...headers } };
        },
      },
    ],
  });
  return { rps: r.requests.average, errors: r.errors + r.timeouts + r.non2xx };
}

/**
 * Every flood in turn beside the normal visitor; prints the visitor's figures and the web server's RSS. Then the same
 * visitor and plain crowd against `bareUrl` (a bare node:http server sending Witness's bytes for `/`): what 16 busy
 * connections cost a visitor on this machine whatever the server does, since its request waits behind theirs.
 */
export async function benchFloods(base: string, webPid: number, bareUrl: string): Promise<void> {
  let peak = ownRssMb(webPid);
  const sampler = setInterval(() => (peak = Math.max(peak, ownRssMb(webPid))), 250);
  try {
    await visitor(base); // warm-up: the first render of `/` is not the idle figure
    const idle = await visitor(base);
    const rows: (string | number)[][] = [["(idle)", fmt(idle.kept.p50, 2), fmt(idle.kept.max, 0), "1.00", "", fmt(idle.fresh.p50, 2), "1.00", "", "", ""]];
    let plain = Number.NaN;
    for (const f of FLOODS) {
      const [seen, load] = await Promise.all([visitor(base), flood(base, f)]);
      if (Number.isNaN(plain)) plain = seen.kept.p50;
      rows.push([
        f.name,
        fmt(seen.kept.p50, 2),
        fmt(seen.kept.max, 0),
        fmt(seen.kept.p50 / idle.kept.p50, 2),
        fmt(seen.kept.p50 / plain, 2),
        fmt(seen.fresh.p50, 2),
        fmt(seen.fresh.p50 / idle.fresh.p50, 2),
        fmt(seen.fresh.max, 0),
        fmt(load.rps, 0),
        load.errors,
      ]);
    }
    await new Promise((r) => setTimeout(r, 5_000));
    const rssAfter = ownRssMb(webPid);
    const bareIdle = await visitor(bareUrl);
    const [bareSeen, bareLoad] = await Promise.all([visitor(bareUrl), flood(bareUrl, FLOODS[0]!)]);
    const bare = (what: string, seen: typeof bareIdle, rps: string) => [
      `bare node:http, same bytes: ${what}`,
      fmt(seen.kept.p50, 2),
      fmt(seen.kept.max, 0),
      fmt(seen.kept.p50 / bareIdle.kept.p50, 2),
      "",
      fmt(seen.fresh.p50, 2),
      fmt(seen.fresh.p50 / bareIdle.fresh.p50, 2),
      fmt(seen.fresh.max, 0),
      rps,
      "",
    ];
    rows.push(bare("(idle)", bareIdle, ""), bare(FLOODS[0]!.name, bareSeen, fmt(bareLoad.rps, 0)));
    printTable(
      `The crowd's floods: a normal visitor's / beside each flood (${FLOOD_CONNECTIONS} connections, ${DURATION_S} s), on its kept connection and on a new connection each time, alternately; goal: p50 within 2× of idle`,
      ["flood", "kept conn. p50 ms", "max ms", "p50 / idle", "p50 / plain crowd", "new conn. p50 ms", "p50 / idle", "max ms", "flood req/s", "flood errors"],
      rows,
    );
    printTable("The web server's resident memory (goal: under 300 MB after the floods)", ["measure", "MB"], [
      ["peak during the floods", fmt(peak, 0)],
      ["5 s after the last flood", fmt(rssAfter, 0)],
    ]);
  } finally {
    clearInterval(sampler);
  }
}
