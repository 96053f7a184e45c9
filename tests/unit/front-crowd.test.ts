/**
 * The outage crowd against the front server (lib/web/front.ts) in this process, with a stand-in for Next that counts
 * its renders and writes the Host it was rendered for into every body: what visitors add to a request (cache busters,
 * odd Hosts, no-cache) must neither force renders nor reach what another visitor gets.
 */
import { request, type IncomingMessage, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { CHEAP_RENDER_MS, createFront, MAX_RENDER_SPACING_MS, MIN_RENDER_SPACING_MS, renderSpacing, type Front } from "@/lib/web/front";
import { MAX_HOSTS } from "@/lib/web/hot-routes";
import { VERSION_POLL_MS } from "@/lib/web/version-watch";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `done` until it holds; fails after 10 s (a condition, not a speed: it holds at once or never). */
async function until(done: () => boolean): Promise<void> {
  const limit = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > limit) throw new Error("condition not reached in 10 s");
    await sleep(20);
  }
}

/** Next as the front sees it: every render counted by URL; pages link to the Host they were asked for. */
function fakeNext(version: { n: number }, slowMs = 0, slowPrefixes = ["/charts"]) {
  const renders = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    renders.set(url, (renders.get(url) ?? 0) + 1);
    // A costly page (the 90-day charts): its answer comes `slowMs` later.
    if (slowMs > 0 && slowPrefixes.some((prefix) => url.startsWith(prefix))) await sleep(slowMs);
    if (url === "/opengraph-image") {
      res.writeHead(200, { "content-type": "image/png", "cache-control": "no-store" });
      return void res.end(Buffer.alloc(2_000, version.n));
    }
    const body = `<a href="http://${req.headers.host}/feed.xml">feed</a> version ${version.n} render ${renders.get(url)} of ${url}`;
    res.writeHead(200, { "content-type": url.startsWith("/api/") ? "application/json" : "text/html", "cache-control": "private, no-cache, no-store" });
    res.end(body);
  };
  return { renders, handle, count: (url: string) => renders.get(url) ?? 0 };
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host: "witness.test", ...headers }, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("latin1") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

describe("the front under the outage crowd", () => {
  let front: Front | null = null;
  afterEach(async () => {
    await front?.close();
    front = null;
  });

  async function start(linksFollowHost = true, slowMs = 0, slowPrefixes?: string[]) {
    const version = { n: 1 };
    const next = fakeNext(version, slowMs, slowPrefixes);
    front = createFront({ handle: next.handle, readVersion: () => `v${version.n}`, linksFollowHost });
    const { port } = await front.listen(0, "127.0.0.1");
    return { version, next, port };
  }

  it("cache busters on hot paths share the one render of the page", async () => {
    const { next, port } = await start();
    const busted = ["/", "/api/v1/status", "/feed.xml", "/api/v1/badges/api.svg", "/charts?window=7d"];
    for (let i = 0; i < 40; i++) {
      const answers = await Promise.all(busted.map((path) => get(port, `${path}${path.includes("?") ? "&" : "?"}u=${i}-${Math.random()}`)));
      for (const answer of answers) expect(answer.status).toBe(200);
    }
    for (const url of ["/", "/api/v1/status", "/feed.xml", "/api/v1/badges/api.svg", "/charts?window=7d"]) expect(next.count(url), url).toBe(1);
  });

  it("one visitor's Host never reaches another's page or feed, and a flood of Hosts renders at most MAX_HOSTS + 1 times", async () => {
    const { next, port } = await start();
    for (const path of ["/", "/charts", "/feed.xml"]) {
      const evil = await get(port, path, { host: "evil.example.com", "cache-control": "no-cache" });
      expect(evil.body).toContain("http://evil.example.com/feed.xml");
      const visitor = await get(port, path);
      expect(visitor.body).toContain("http://witness.test/feed.xml");
      expect(visitor.body).not.toContain("evil");
      expect(String(visitor.headers.vary)).toMatch(/\bHost\b/);
      // A Host that is not a host is never echoed: the front's own address stands in.
      expect((await get(port, path, { host: 'x"><script>' })).body).toMatch(/http:\/\/localhost:\d+\/feed\.xml/);
    }
    const before = next.count("/");
    await Promise.all(Array.from({ length: 200 }, (_, i) => get(port, "/", { host: `flood-${i}.example` })));
    expect(next.count("/") - before).toBeLessThanOrEqual(MAX_HOSTS);
    // Beyond the hosts that have a place, a Host gets the page of the front's own address, not the flood's.
    expect((await get(port, "/", { host: "late.example" })).body).not.toMatch(/flood|late/);
    expect((await get(port, "/")).body).toContain("http://witness.test/feed.xml");
  });

  it("with WITNESS_PUBLIC_URL set, no answer is kept per Host", async () => {
    const { next, port } = await start(false);
    await Promise.all(Array.from({ length: 50 }, (_, i) => get(port, "/feed.xml", { host: `h${i}.example` })));
    expect(next.count("/feed.xml")).toBe(1);
  });

  it("no-cache waits for the new data, but renders a key at most once per MIN_RENDER_SPACING_MS", async () => {
    const { version, next, port } = await start();
    const path = "/charts?window=90d";
    await get(port, path);
    version.n += 1;
    await sleep(VERSION_POLL_MS + 150);
    // Right after a render, a reload is not given the old copy: it waits for the next render of the new data.
    expect((await get(port, path, { "cache-control": "no-cache" })).body).toContain(`version ${version.n} `);

    const started = Date.now();
    let asked = 0;
    while (Date.now() - started < 3 * MIN_RENDER_SPACING_MS) {
      version.n += 1;
      await Promise.all(Array.from({ length: 8 }, () => get(port, path, { "cache-control": "no-cache" })));
      asked += 8;
      await sleep(VERSION_POLL_MS);
    }
    const elapsed = Date.now() - started;
    expect(asked).toBeGreaterThan(20);
    // The first render of the loop may come at once; each later one waits MIN_RENDER_SPACING_MS from the one before.
    expect(next.count(path) - 2).toBeLessThanOrEqual(Math.ceil(elapsed / MIN_RENDER_SPACING_MS) + 1);
  });

  it("a costly render is spaced further, up to MAX_RENDER_SPACING_MS", { timeout: 40_000 }, async () => {
    expect(renderSpacing({ renderMs: 20 })).toBe(MIN_RENDER_SPACING_MS);
    expect(renderSpacing({ renderMs: 400 })).toBe(4_000);
    expect(renderSpacing({ renderMs: 3_000 })).toBe(MAX_RENDER_SPACING_MS);
    const { version, next, port } = await start(true, 500);
    const path = "/charts?window=90d";
    await get(port, path);
    const started = Date.now();
    while (Date.now() - started < 12_000) {
      version.n += 1;
      await Promise.all(Array.from({ length: 4 }, () => get(port, path)));
      await sleep(VERSION_POLL_MS);
    }
    // Each render took 500 ms or more: the next may begin 5 s after it began, not 2 s.
    expect(next.count(path) - 1).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 5_000) + 1);
  });

  it("no-cache on many costly keys at once takes at most a quarter of the time in renders, and nobody waits long", { timeout: 40_000 }, async () => {
    const slowMs = 500;
    const { version, next, port } = await start(true, slowMs);
    const paths = ["24h", "7d", "30d", "90d"].map((w) => `/charts?window=${w}`);
    await Promise.all(paths.map((p) => get(port, p)));
    const started = Date.now();
    let slowest = 0;
    while (Date.now() - started < 12_000) {
      version.n += 1;
      await Promise.all(
        paths.map(async (p) => {
          const t = Date.now();
          expect((await get(port, p, { "cache-control": "no-cache" })).status).toBe(200);
          slowest = Math.max(slowest, Date.now() - t);
        }),
      );
      await sleep(VERSION_POLL_MS);
    }
    const elapsed = Date.now() - started;
    const renders = paths.reduce((n, p) => n + next.count(p), 0) - paths.length;
    // Spaced per key only, the four keys rendered every 5 s: 8 s of 12 in renders. Within the budget: a quarter, plus
    // the one running when the loop ended.
    expect(renders * slowMs).toBeLessThanOrEqual(elapsed / 4 + slowMs);
    // A reload waits for a render only when one is near (MAX_RENDER_SPACING_MS), else it gets the copy there is.
    expect(slowest).toBeLessThan(MAX_RENDER_SPACING_MS + 5_000);
  });

  it("costly keys gone stale at once book the render budget as they start: one renders, the others keep their copy", { timeout: 40_000 }, async () => {
    const slowMs = 300;
    const { version, next, port } = await start(true, slowMs);
    const paths = ["24h", "7d", "30d", "90d"].map((w) => `/charts?window=${w}`);
    await Promise.all(paths.map((p) => get(port, p)));
    // The first renders booked 4 × slowMs each; let that budget pass, and each key's own spacing.
    await sleep(4 * 4 * slowMs + MIN_RENDER_SPACING_MS);
    version.n += 1;
    await sleep(VERSION_POLL_MS + 150);
    const answers = await Promise.all(paths.map((p) => get(port, p)));
    // Every visitor got the copy there was at once; behind them, one refresh began and booked its share.
    expect(answers.every((a) => a.body.includes(`version ${version.n - 1} `))).toBe(true);
    await until(() => paths.reduce((n, p) => n + next.count(p), 0) > paths.length);
    await sleep(2 * slowMs);
    expect(paths.reduce((n, p) => n + next.count(p), 0) - paths.length).toBe(1);
  });

  it("a cheap key's refresh is never held behind the costly renders' budget", { timeout: 40_000 }, async () => {
    const { version, next, port } = await start(true, 500);
    await get(port, "/api/v1/status");
    await Promise.all(["24h", "7d", "30d", "90d"].map((w) => get(port, `/charts?window=${w}`)));
    // The status render was cheap, and four costly renders have booked seconds of budget since.
    expect(next.count("/api/v1/status")).toBe(1);
    await sleep(MIN_RENDER_SPACING_MS);
    version.n += 1;
    await sleep(VERSION_POLL_MS + 150);
    await get(port, "/api/v1/status");
    await until(() => next.count("/api/v1/status") === 2);
    // The render has begun; its snapshot is kept once Next's answer and its data age are in and it is compressed.
    let served = "";
    for (let tries = 0; tries < 100 && !served.includes(`version ${version.n} `); tries++) {
      if (tries > 0) await sleep(100);
      served = (await get(port, "/api/v1/status")).body;
    }
    expect(served).toContain(`version ${version.n} `);
    expect(next.count("/api/v1/status")).toBe(2);
    expect(CHEAP_RENDER_MS).toBeLessThan(500);
  });

  it("the status the home page's live view polls is never held behind the budget, even when its own render was slow", { timeout: 40_000 }, async () => {
    // A loaded machine: every render's wall time grows, the status API's past CHEAP_RENDER_MS too.
    const slowMs = Math.max(600, 2 * CHEAP_RENDER_MS);
    const { version, next, port } = await start(true, slowMs, ["/charts", "/api/v1/status"]);
    await get(port, "/api/v1/status");
    // Four costly renders book 4 × 4 × slowMs of budget: far past MAX_RENDER_SPACING_MS once the spacing has passed.
    await Promise.all(["24h", "7d", "30d", "90d"].map((w) => get(port, `/charts?window=${w}`)));
    await sleep(MIN_RENDER_SPACING_MS);
    version.n += 1;
    await sleep(VERSION_POLL_MS + 150);
    // The live view's poll after a change asks with no-cache: it gets the new data, not the copy from before it.
    const polled = await get(port, "/api/v1/status", { "cache-control": "no-cache" });
    expect(polled.body).toContain(`version ${version.n} `);
    expect(next.count("/api/v1/status")).toBe(2);
    // A slow page is still held by the budget: its no-cache visitor gets the copy there is, and no render starts now.
    const chart = await get(port, "/charts?window=24h", { "cache-control": "no-cache" });
    expect(chart.body).toContain(`version ${version.n - 1} `);
  });

  it("the link-preview image and the series API are rendered once per data version", async () => {
    const { version, next, port } = await start();
    const images = await Promise.all(Array.from({ length: 20 }, (_, i) => get(port, `/opengraph-image?${i}`, { "accept-encoding": "br, gzip" })));
    expect(new Set(images.map((a) => a.body)).size).toBe(1);
    // A PNG is compressed already: sent as it is.
    expect(images[0]!.headers["content-encoding"]).toBeUndefined();
    expect(images[0]!.headers["content-type"]).toBe("image/png");
    const series = "/api/v1/series/edge/results?since=90d";
    await Promise.all(Array.from({ length: 20 }, (_, i) => get(port, `${series}&u=${i}`)));
    expect(next.count("/opengraph-image")).toBe(1);
    expect(next.count(series)).toBe(1);

    version.n += 1;
    await sleep(VERSION_POLL_MS + 150);
    await get(port, "/opengraph-image", { "cache-control": "no-cache" });
    await get(port, series, { "cache-control": "no-cache" });
    expect(next.count("/opengraph-image")).toBe(2);
    expect(next.count(series)).toBe(2);
  });

  it("a snapshot answer never calls the global Date.now, which Next replaces with one that asks its AsyncLocalStorages", async () => {
    const { port } = await start();
    for (const path of ["/", "/api/v1/status", "/feed.xml"]) await get(port, path);
    const original = Date.now;
    let calls = 0;
    Date.now = () => {
      calls += 1;
      return original();
    };
    try {
      for (const path of ["/", "/api/v1/status", "/feed.xml", "/api/v1/badges/api.svg?u=1"]) expect((await get(port, path)).status).toBe(200);
    } finally {
      Date.now = original;
    }
    // The badge was never rendered, so its first answer renders (and may read the clock); the snapshot hits do not.
    expect(calls).toBeLessThanOrEqual(3);
    calls = 0;
    Date.now = () => {
      calls += 1;
      return original();
    };
    try {
      for (let i = 0; i < 20; i++) for (const path of ["/", "/api/v1/status", "/feed.xml", "/api/v1/badges/api.svg?u=1"]) await get(port, path);
    } finally {
      Date.now = original;
    }
    expect(calls).toBe(0);
  });

  it("many series queries never push the pages out of the store", async () => {
    const { next, port } = await start();
    await get(port, "/");
    for (let i = 0; i < 120; i += 12) await Promise.all(Array.from({ length: 12 }, (_, j) => get(port, `/api/v1/series/edge/results?since=${i + j + 1}m`)));
    await get(port, "/");
    expect(next.count("/")).toBe(1);
  });
});
