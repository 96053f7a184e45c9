/**
 * What the outage crowd sends besides plain visits (issue 13, item 6): cache-busting links, odd Hosts, reloads with
 * no-cache, the link-preview image and the series API. Each flood runs on 16 connections while one normal visitor
 * loads `/` on a connection of its own; the visitor's p50 during a flood is set beside its idle figure (goal: within
 * 2×), and the web server's resident memory is sampled throughout (goal: under 300 MB after the floods). The first
 * row is the plain crowd, 16 connections of plain `/`: what any 16 busy clients cost the visitor on this machine, the
 * floor no flood can go below, since the visitor's request queues behind theirs. Rows in parentheses are the plain
 * twins of the tricks below them (the same paths without the odd Host or the no-cache): a trick that forced renders
 * would show as the gap between a row and its twin; what remains is the cost of sending that answer's bytes.
 * WITNESS_BENCH_FLOODS_ONLY=1 runs this part alone (tests/bench/crowd.ts).
 */
import { readFileSync } from "node:fs";
import { Agent, get } from "node:http";
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

/** One visitor loading `/` again and again on one keep-alive connection for DURATION_S; time to the last byte, in ms. */
async function visitor(base: string): Promise<{ p50: number; max: number; count: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  const until = Date.now() + DURATION_S * 1000;
  try {
    while (Date.now() < until) {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        get(`${base}/`, { agent, headers: { "accept-encoding": ACCEPT_ENCODING } }, (res) => {
          res.resume();
          res.on("end", resolve);
          res.on("error", reject);
        }).on("error", reject);
      });
      times.push(performance.now() - started);
    }
  } finally {
    agent.destroy();
  }
  return { p50: median(times), max: Math.max(...times), count: times.length };
}

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

/** Every flood in turn beside the normal visitor; prints the visitor's figures and the web server's RSS. */
export async function benchFloods(base: string, webPid: number): Promise<void> {
  let peak = ownRssMb(webPid);
  const sampler = setInterval(() => (peak = Math.max(peak, ownRssMb(webPid))), 250);
  try {
    await visitor(base); // warm-up: the first render of `/` is not the idle figure
    const idle = await visitor(base);
    const rows: (string | number)[][] = [["(idle)", fmt(idle.p50, 2), fmt(idle.max, 0), "", "", "1.00", ""]];
    let plain = Number.NaN;
    for (const f of FLOODS) {
      const [seen, load] = await Promise.all([visitor(base), flood(base, f)]);
      if (Number.isNaN(plain)) plain = seen.p50;
      rows.push([f.name, fmt(seen.p50, 2), fmt(seen.max, 0), fmt(load.rps, 0), load.errors, fmt(seen.p50 / idle.p50, 2), fmt(seen.p50 / plain, 2)]);
    }
    await new Promise((r) => setTimeout(r, 5_000));
    printTable(
      `The crowd's floods: a normal visitor's / (1 connection) beside each flood (${FLOOD_CONNECTIONS} connections, ${DURATION_S} s); goal: p50 within 2× of idle`,
      ["flood", "visitor / p50 ms", "visitor max ms", "flood req/s", "flood errors", "p50 / idle", "p50 / plain crowd"],
      rows,
    );
    printTable("The web server's resident memory (goal: under 300 MB after the floods)", ["measure", "MB"], [
      ["peak during the floods", fmt(peak, 0)],
      ["5 s after the last flood", fmt(ownRssMb(webPid), 0)],
    ]);
  } finally {
    clearInterval(sampler);
  }
}
