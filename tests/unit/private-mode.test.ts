/**
 * Private mode (WITNESS_DASHBOARD_PASSWORD) on the real web server (lib/cli/web.ts on the production build, 127.0.0.1):
 * each route class with no credentials, a wrong password, the right one and the read token; nothing with data leaks
 * without them, even after a signed-in visit has warmed the shared snapshots; health and the build's static files stay
 * open; the password and token never appear in the log.
 */
import { request } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { loadConfig } from "@/lib/config";
import { generateHistory } from "@/lib/simulator/history";
import { createDashboardAuth } from "@/lib/web/auth";
import { serverEnv, startServer, type TestServer } from "@/tests/e2e/server";

const PASSWORD = "correct horse battery staple";
const TOKEN = createDashboardAuth(PASSWORD)!.readToken;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
// Strings only a page with data holds: the surface names of the default configuration.
const DATA_MARKERS = ["Claude API", "claude.ai"];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return send(base, "GET", path, headers);
}

/** A request with its path as written: node:http sends it without resolving dots or escapes. */
function send(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

const withToken = (path: string, token: string) => `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;

// [class, path, accepts the read token]
const GUARDED = [
  ["home page", "/", false],
  ["page", "/methodology", false],
  ["page with a query", "/charts?window=7d", false],
  ["feed", "/feed.xml", true],
  ["JSON feed", "/feed.json", true],
  ["JSON API", "/api/v1/status", false],
  ["badge", "/api/v1/badges/api", true],
  ["browser screenshot", "/api/v1/screenshots/1", false],
  ["metrics", "/metrics", false],
  ["unknown page", "/no-such-page", false],
] as const;

describe("private mode", () => {
  let server: TestServer;
  const base = () => server.baseUrl;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "witness-private-"));
    const dbPath = join(dir, "witness.db");
    const writer = openDatabase(dbPath);
    migrateDatabase(writer.db);
    generateHistory(writer, loadConfig({ DATABASE_PATH: dbPath }), { days: 1, now: Date.now(), seed: 5 });
    writer.close();
    server = await startServer(serverEnv(dir, dbPath, { WITNESS_DASHBOARD_PASSWORD: PASSWORD }), join(dir, "server.log"));
    // Warm every snapshot with the password first: a later visitor without it must still get nothing.
    for (const [, path] of GUARDED) await get(base(), path, { authorization: basic("witness", PASSWORD) });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  }, 20_000);

  describe.each(GUARDED)("%s (%s)", (_kind, path, takesToken) => {
    it("is a 401 with a Basic challenge and no data without credentials", async () => {
      const res = await get(base(), path);
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toBe('Basic realm="Witness", charset="UTF-8"');
      expect(res.headers["cache-control"]).toBe("no-store");
      for (const marker of DATA_MARKERS) expect(res.body).not.toContain(marker);
    });

    it("is a 401 for a wrong password, a prefix of the right one, and an empty one", async () => {
      for (const wrong of ["wrong", PASSWORD.slice(0, -1), `${PASSWORD}x`, ""]) {
        const res = await get(base(), path, { authorization: basic("witness", wrong) });
        expect(res.status).toBe(401);
        for (const marker of DATA_MARKERS) expect(res.body).not.toContain(marker);
      }
    });

    it("answers the right password under any user name, never for shared caches", async () => {
      for (const user of ["witness", "alice", ""]) {
        const res = await get(base(), path, { authorization: basic(user, PASSWORD) });
        // The generated history has no browser screenshot: past the password, its route says so.
        expect(res.status).toBe(path === "/no-such-page" || path.startsWith("/api/v1/screenshots/") ? 404 : 200);
        expect(String(res.headers["cache-control"])).not.toMatch(/public/);
      }
    });

    it(takesToken ? "accepts the read token, and refuses a wrong one" : "refuses the read token", async () => {
      const res = await get(base(), withToken(path, TOKEN));
      expect(res.status).toBe(takesToken ? 200 : 401);
      if (takesToken) expect(res.body).not.toContain(TOKEN);
      const wrong = await get(base(), withToken(path, `${TOKEN.slice(0, -1)}A`));
      expect(wrong.status).toBe(401);
    });
  });

  // Every way WHATWG URL (and so Next) reads a dot segment, under every path private mode leaves open.
  const DOTS = ["..", "%2e%2e", ".%2e", "%2e.", "%2E%2E", ".%2E", "%2E.", "./..", "%2e/%2e%2e", "..\\"];
  const OPEN = ["/_witness/", "/_next/static/", "/_next/static/chunks/", "/api/health/"];
  const BEHIND = ["metrics", "api/v1/status", "methodology", "feed.xml", "incidents", "api/v1/series/edge/results", ""];
  it.each(OPEN)("a dot segment under %s is a 400 for GET and HEAD, never the route it resolves to", async (prefix) => {
    for (const dots of DOTS) {
      for (const target of BEHIND) {
        // Deep enough to climb out of any open prefix: URL clamps what climbs past the root.
        const path = `${prefix}${`${dots}/`.repeat(4)}${target}`;
        for (const method of ["GET", "HEAD"]) {
          const res = await send(base(), method, path);
          expect(res.status, `${method} ${path}`).toBe(400);
          for (const marker of [...DATA_MARKERS, TOKEN, "witness_"]) expect(res.body).not.toContain(marker);
        }
      }
    }
  });

  it("a miss under /_witness/ or /_next/static/ is a plain 404 with no data, not the not-found page", async () => {
    for (const path of ["/_witness/nothing.js", "/_witness/", "/_witness/home.js?x=1", "/_next/static/nothing.js", "/_next/static/chunks/..%2f..%2fmetrics"]) {
      const res = await get(base(), path);
      expect(res.status, path).toBe(404);
      expect(res.headers["content-type"]).toMatch(/^text\/plain/);
      for (const marker of [...DATA_MARKERS, "og:", "witness_"]) expect(res.body).not.toContain(marker);
    }
  });

  it.each(["/", "/methodology", "/no-such-page", "/metrics", "/api/v1/status", "/_witness/nothing.js"])("OPTIONS %s is a 204 with Allow and no body", async (path) => {
    const res = await send(base(), "OPTIONS", path);
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe("GET, HEAD, OPTIONS");
    expect(res.body).toBe("");
  });

  it("a request asking to upgrade its connection still needs the password", async () => {
    // First a request Next handles, after which Next used to listen for upgrades on the public server.
    await get(base(), "/no-such-page", { authorization: basic("witness", PASSWORD) });
    for (const path of ["/", "/metrics", "/api/v1/status"]) {
      const res = await get(base(), path, { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" });
      expect(res.status, path).toBe(401);
      for (const marker of DATA_MARKERS) expect(res.body).not.toContain(marker);
    }
  });

  it("keeps /api/health open for uptime checkers", async () => {
    const res = await get(base(), "/api/health");
    expect([200, 503]).toContain(res.status);
    expect(JSON.parse(res.body).web).toBe("ok");
  });

  it("serves the build's static files under /_next/static and /_witness without credentials", async () => {
    const home = await get(base(), "/", { authorization: basic("witness", PASSWORD) });
    const witnessScript = /src="(\/_witness\/[^"]+)"/.exec(home.body)?.[1];
    const methodology = await get(base(), "/methodology", { authorization: basic("witness", PASSWORD) });
    const nextAsset = /(?:href|src)="(\/_next\/static\/[^"]+)"/.exec(methodology.body)?.[1];
    expect(witnessScript).toBeDefined();
    expect(nextAsset).toBeDefined();
    for (const path of [witnessScript!, nextAsset!]) {
      const res = await get(base(), path);
      expect(res.status).toBe(200);
      for (const marker of DATA_MARKERS) expect(res.body).not.toContain(marker);
    }
  });

  it("shows the read token on /methodology to a signed-in user only", async () => {
    const res = await get(base(), "/methodology", { authorization: basic("witness", PASSWORD) });
    expect(res.body).toContain(`?token=${TOKEN}`);
    expect(res.body).not.toContain(PASSWORD);
  });

  it.each(["/", "/charts"])("%s hands out feed links a reader can use: the head's rel=alternate and the Subscribe box carry the read token, never the password", async (path) => {
    const res = await get(base(), path, { authorization: basic("witness", PASSWORD) });
    expect(res.status).toBe(200);
    for (const feed of ["/feed.xml", "/feed.atom", "/feed.json"]) {
      const url = `${feed}?token=${TOKEN}`;
      expect(res.body).toMatch(new RegExp(`<link rel="alternate" [^>]*href="[^"]*${url.replace(/[.?]/g, "\\$&")}"`));
    }
    expect(res.body.match(/<a [^>]*data-feed=[^>]*>/g)!.every((a) => a.includes(`?token=${TOKEN}`))).toBe(true);
    expect(res.body).not.toContain(PASSWORD);
    // The link works for a reader without the password.
    expect((await get(base(), `/feed.xml?token=${TOKEN}`)).status).toBe(200);
  });

  it("never writes the password or the token to the log", async () => {
    await get(base(), withToken("/feed.xml", TOKEN));
    await get(base(), "/", { authorization: basic("witness", "wrong guess") });
    expect(server.log()).not.toContain(PASSWORD);
    expect(server.log()).not.toContain(TOKEN);
    expect(server.log()).toContain("private");
  });
});
