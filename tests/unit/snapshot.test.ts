import type { IncomingMessage } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FRESH_FOR_MS } from "@/lib/web/cache";
import { hotRequest, isMalformedTarget } from "@/lib/web/front";
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

  it.each(["/%E0%A4%A", "/%", "/a?b=%zz", "*", "http://evil.test/"])("%s is malformed", (target) => {
    expect(isMalformedTarget(target)).toBe(true);
  });

  it.each(["/", "/incidents/m-1", "/api/v1/status?x=%20", "/caf%C3%A9"])("%s is not", (target) => {
    expect(isMalformedTarget(target)).toBe(false);
  });

  it.each([
    ["/", "/"],
    ["/api/v1/status", "/api/v1/status"],
    ["/feed.xml", "/feed.xml"],
    ["/api/v1/badges/api.svg", "/api/v1/badges/api.svg"],
    ["/api/v1/badges/api.svg?metric=uptime", "/api/v1/badges/api.svg?metric=uptime"],
    ["/charts?window=90d", "/charts?window=90d"],
    ["/charts?window=constructor", "/charts"],
    ["/charts?window=7d&window=90d", "/charts"],
  ])("%s is the snapshot of %s", (url, rendered) => {
    expect(hotRequest(get(url))).toEqual({ key: rendered.startsWith("/feed") ? `w.test${rendered}` : rendered, url: rendered });
  });

  it.each(["/?bust=1", "/incidents/m-1", "/api/v1/badges/api.svg?metric=nope", "/api/v1/badges/api.svg?x=1", "/api/v1/uptime"])("%s goes to Next", (url) => {
    expect(hotRequest(get(url))).toBeNull();
  });

  it("only a feed's snapshot is per Host: a Host header cannot make the home page render again", () => {
    expect(hotRequest(get("/", { host: "a.test" }))?.key).toBe(hotRequest(get("/", { host: "b.test" }))?.key);
    expect(hotRequest(get("/feed.xml", { host: "a.test" }))?.key).not.toBe(hotRequest(get("/feed.xml", { host: "b.test" }))?.key);
  });

  it("the router's own requests go to Next", () => {
    expect(hotRequest(get("/", { rsc: "1" }))).toBeNull();
    expect(hotRequest({ ...get("/"), method: "POST" } as IncomingMessage)).toBeNull();
  });
});
