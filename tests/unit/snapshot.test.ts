import type { IncomingMessage } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FRESH_FOR_MS } from "@/lib/web/cache";
import { hotRequest, isMalformedTarget } from "@/lib/web/front";
import { HOST_IDLE_MS, HostSlots, MAX_HOSTS } from "@/lib/web/hot-routes";
import { chooseEncoding, freshness, makeSnapshot, SnapshotStore, type Snapshot } from "@/lib/web/snapshot";

const rendered = (text: string) => ({ status: 200, headers: { "content-type": "text/plain" }, body: Buffer.from(text) });
const get = (url: string, headers: Record<string, string> = {}) => ({ method: "GET", url, headers: { host: "w.test", ...headers } }) as unknown as IncomingMessage;

describe("snapshots", () => {
  it("hold the body three ways that decode to the same bytes, each with its own strong ETag", async () => {
    const s = await makeSnapshot(rendered("hello ".repeat(1000)), "v1", 0);
    expect(gunzipSync(s.bodies.gzip).equals(s.bodies.identity)).toBe(true);
    expect(brotliDecompressSync(s.bodies.br).equals(s.bodies.identity)).toBe(true);
    expect(new Set(Object.values(s.etags)).size).toBe(3);
    for (const tag of Object.values(s.etags)) expect(tag).toMatch(/^"[^"]+"$/);
  });

  it("are fresh for one data version and FRESH_FOR_MS, stale after a commit, never served once expired", async () => {
    const s = await makeSnapshot(rendered("x"), "v1", 1_000);
    expect(freshness(s, "v1", 1_000 + FRESH_FOR_MS - 1)).toBe("fresh");
    expect(freshness(s, "v2", 1_001)).toBe("stale");
    expect(freshness(s, "v1", 1_000 + FRESH_FOR_MS)).toBe("expired");
    expect(freshness(s, "v1", 999)).toBe("expired");
  });

  it("are bounded by entries and by bytes, least recently used out first", async () => {
    const one = await makeSnapshot(rendered("a".repeat(10_000)), "v", 0);
    const byCount = new SnapshotStore(3, 1e9);
    for (let i = 0; i < 10; i++) byCount.set(`k${i}`, one);
    expect(byCount.size).toBe(3);
    byCount.get("k7");
    byCount.set("k10", one);
    expect(byCount.get("k7")).toBeDefined();
    expect(byCount.get("k8")).toBeUndefined();
    const byBytes = new SnapshotStore(1_000, one.bytes * 4);
    for (let i = 0; i < 100; i++) byBytes.set(`k${i}`, one);
    expect(byBytes.size).toBe(4);
    expect(byBytes.bytes).toBe(one.bytes * 4);
    const huge: Snapshot = { ...one, bytes: one.bytes * 5 };
    byBytes.set("huge", huge);
    expect(byBytes.get("huge")).toBeUndefined();
  });
});

describe("the front's choices", () => {
  it.each([
    [undefined, "identity"],
    ["gzip, deflate, br", "br"],
    ["gzip", "gzip"],
    ["br;q=0, gzip", "gzip"],
    ["*", "br"],
    ["identity", "identity"],
    ["gzip;q=0, *;q=0", "identity"],
  ] as const)("Accept-Encoding %s gets %s", (header, encoding) => {
    expect(chooseEncoding(header)).toBe(encoding);
  });

  it.each([
    "/%E0%A4%A",
    "/%",
    "/a?b=%zz",
    "*",
    "http://evil.test/",
    // Dot segments in every spelling WHATWG URL resolves, and backslashes (which it reads as "/").
    "/_witness/../metrics",
    "/_witness/%2e%2e/metrics",
    "/_witness/.%2e/metrics",
    "/_witness/%2E./metrics",
    "/_witness/%2E%2E/metrics",
    "/_next/static/%2e%2e/%2e%2e/api/v1/status",
    "/_witness/./x",
    "/_witness/%2e/x",
    "/_witness/..",
    "/_witness/%2e%2e?x=1",
    "/_witness\\..\\metrics",
    "/..",
  ])("%s is malformed", (target) => {
    expect(isMalformedTarget(target)).toBe(true);
  });

  it.each(["/", "/incidents/m-1", "/api/v1/status?x=%20", "/caf%C3%A9", "/.well-known/x", "/a/...", "/a/..b", "/a.b/c", "/?x=/../y"])("%s is not", (target) => {
    expect(isMalformedTarget(target)).toBe(false);
  });

  it.each([
    ["/", "/"],
    ["/api/v1/status", "/api/v1/status"],
    ["/feed.xml", "/feed.xml"],
    ["/api/v1/badges/api.svg", "/api/v1/badges/api.svg"],
    ["/api/v1/badges/api.svg?metric=uptime", "/api/v1/badges/api.svg?metric=uptime&window=30d"],
    // A window is part of the badge (it was dropped: every window served the state badge).
    ["/api/v1/badges/api.svg?window=7d", "/api/v1/badges/api.svg?metric=uptime&window=7d"],
    ["/api/v1/badges/api.svg?window=90d&metric=uptime&u=1", "/api/v1/badges/api.svg?metric=uptime&window=90d"],
    ["/charts?window=90d", "/charts?window=90d"],
    ["/charts?window=constructor", "/charts"],
    ["/charts?window=7d&window=90d", "/charts"],
    // What a route does not read cannot mint a key: cache busters share the page's snapshot.
    ["/?u=4f9a2c", "/"],
    ["/?", "/"],
    ["/api/v1/status?nocache=1&x=2", "/api/v1/status"],
    ["/feed.xml?u=1", "/feed.xml"],
    // The feeds read one value, scope: the default is the plain feed, each other scope one key of its own.
    ["/feed.xml?scope=global&u=1", "/feed.xml"],
    ["/feed.atom?scope=regional&u=2", "/feed.atom?scope=regional"],
    ["/feed.json?scope=all", "/feed.json?scope=all"],
    ["/charts?window=30d&u=7", "/charts?window=30d"],
    ["/api/v1/badges/api.svg?x=1", "/api/v1/badges/api.svg"],
    ["/opengraph-image?6db5a1d5a572db78", "/opengraph-image"],
    ["/api/v1/series/edge/results?since=90d&u=1", "/api/v1/series/edge/results?since=90d"],
    ["/api/v1/series/edge/results?before=1-2&limit=5&since=7d", "/api/v1/series/edge/results?since=7d&limit=5&before=1-2"],
  ])("%s is the snapshot of %s", (url, rendered) => {
    expect(hotRequest(get(url), null)).toMatchObject({ key: rendered, url: rendered, host: null });
  });

  it.each(["/incidents/m-1", "/api/v1/badges/api.svg?metric=nope", "/api/v1/badges/api.svg?window=1y", "/api/v1/badges/api.svg?metric=state&window=7d", "/api/v1/badges/api.svg?metric=state&metric=uptime", "/api/v1/uptime", "/api/v1/series/edge/results?since=1d&since=2d", "/feed.xml?scope=nope", "/feed.xml?scope=all&scope=global"])(
    "%s goes to Next",
    (url) => {
      expect(hotRequest(get(url), null)).toBeNull();
    },
  );

  it("without WITNESS_PUBLIC_URL, pages and feeds are kept per well-formed Host, for at most MAX_HOSTS hosts", () => {
    const hosts = new HostSlots();
    const keyOf = (url: string, host: string) => hotRequest(get(url, { host }), hosts, 0)!.key;
    expect(keyOf("/", "a.test")).not.toBe(keyOf("/", "b.test"));
    expect(keyOf("/feed.xml", "A.test:80")).toBe(keyOf("/feed.xml", "a.test"));
    // Nothing a visitor sends that is not a host becomes a key or reaches a render.
    for (const bad of ['evil.test/"><x', "a b", ""]) expect(hotRequest(get("/", { host: bad }), hosts, 0)).toMatchObject({ key: "/", host: null });
    // The JSON and the badges hold no link: one snapshot whatever the Host.
    expect(keyOf("/api/v1/status", "a.test")).toBe(keyOf("/api/v1/status", "b.test"));
    for (let i = 0; i < MAX_HOSTS * 4; i++) keyOf("/", `flood-${i}.test`);
    expect(hotRequest(get("/", { host: "late.test" }), hosts, 0)).toMatchObject({ key: "/", host: null, perHost: true });
    expect(keyOf("/", "a.test")).toBe("a.test/");
    // A host unused for HOST_IDLE_MS gives its place up.
    expect(hotRequest(get("/", { host: "late.test" }), hosts, HOST_IDLE_MS)).toMatchObject({ key: "late.test/", host: "late.test" });
  });

  it("the router's own requests go to Next", () => {
    expect(hotRequest(get("/", { rsc: "1" }), null)).toBeNull();
    expect(hotRequest({ ...get("/"), method: "POST" } as IncomingMessage, null)).toBeNull();
  });
});
