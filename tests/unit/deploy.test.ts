/**
 * The deployment recipes in deploy/ are tried, not only written: the systemd unit through systemd-analyze, and the
 * nginx snippet's proxy block in front of the real web server on 127.0.0.1 (headers, feeds and 304s pass through).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { insertProbeResults } from "@/db/queries/probe-results";
import { webBuildState } from "@/lib/cli/serve";
import { serverEnv, startServer, stopChild, type TestServer } from "@/tests/e2e/server";
import { sampleResult } from "@/tests/unit/support";

const hasSystemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

describe.each(["witness.service", "witness-vantage.service"])("deploy/%s", (unit) => {
  it.skipIf(!hasSystemdAnalyze)("passes systemd-analyze verify (skipped when systemd-analyze is not installed)", () => {
    const run = spawnSync("systemd-analyze", ["verify", `deploy/${unit}`], { encoding: "utf8" });
    // verify prints problems on stderr even when it exits 0 for some of them: there must be none about this unit.
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr.split("\n").filter((l) => l.includes(unit))).toEqual([]);
  });
});

const nginxBin = (() => {
  if (spawnSync("bash", ["tests/unit/ensure-nginx.sh"], { stdio: "ignore" }).status !== 0) return null;
  return ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p)) ?? null;
})();
const isBuilt = webBuildState().state !== "missing";
const skipReason = !nginxBin ? "nginx is not installed and cannot be (tests/unit/ensure-nginx.sh)" : !isBuilt ? "no web build: run npm run -s build:web first" : null;
if (skipReason) console.warn(`deploy.test.ts: skipping the nginx test: ${skipReason}`);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** deploy/nginx.conf's upstream and `location /` blocks verbatim, in a plain-HTTP server on 127.0.0.1:`port`. */
function nginxTestConfig(dir: string, port: number, upstreamPort: number): string {
  const recipe = readFileSync("deploy/nginx.conf", "utf8");
  const upstream = /upstream witness \{[\s\S]*?\n\}/.exec(recipe)?.[0];
  const location = /    location \/ \{[\s\S]*?\n    \}/.exec(recipe)?.[0];
  if (!upstream || !location) throw new Error("deploy/nginx.conf: no upstream or location / block");
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${join(dir, t)};`).join("\n");
  return `worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 64; }
http {
    access_log off;
${temp}
${upstream.replace("127.0.0.1:3000", `127.0.0.1:${upstreamPort}`)}
    server {
        listen 127.0.0.1:${port};
        server_name localhost;
${location}
    }
}
`;
}

describe.skipIf(skipReason !== null)("deploy/nginx.conf in front of the web server", () => {
  const dir = mkdtempSync(join(tmpdir(), "witness-nginx-"));
  let server: TestServer;
  let nginx: ChildProcess;
  let proxied = "";

  beforeAll(async () => {
    const dbPath = join(dir, "witness.db");
    const store = openDatabase(dbPath);
    migrateDatabase(store.db);
    const now = Date.now();
    insertProbeResults(store.db, Array.from({ length: 30 }, (_, i) => sampleResult(new Date(now - (30 - i) * 60_000).toISOString(), { probe: "edge", kind: "edge", model: null })));
    store.close();
    // Without a public URL feed links follow the Host, which differs through the proxy (its port): pin it.
    server = await startServer(serverEnv(dir, dbPath, { WITNESS_PUBLIC_URL: "https://status.example.com" }), join(dir, "server.log"));
    const port = await freePort();
    writeFileSync(join(dir, "nginx.conf"), nginxTestConfig(dir, port, Number(new URL(server.baseUrl).port)));
    for (const t of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, t));
    execFileSync(nginxBin!, ["-t", "-q", "-p", dir, "-c", join(dir, "nginx.conf")]);
    nginx = spawn(nginxBin!, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { stdio: "ignore" });
    proxied = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        await fetch(`${proxied}/api/health`);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 90_000);

  afterAll(async () => {
    if (nginx) await stopChild(nginx);
    if (server) await server.stop();
  });

  it.each(["/", "/feed.xml", "/api/v1/status"])("%s: the same status, security and cache headers, and ETag as direct; If-None-Match gives 304", async (path) => {
    const direct = await fetch(`${server.baseUrl}${path}`);
    const via = await fetch(`${proxied}${path}`);
    await direct.arrayBuffer();
    const body = await via.text();
    expect(via.status).toBe(200);
    expect(direct.status).toBe(200);
    for (const name of ["content-type", "content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options", "strict-transport-security", "cache-control", "etag"]) {
      expect(via.headers.get(name), name).toBe(direct.headers.get(name));
    }
    const etag = via.headers.get("etag");
    expect(etag).toBeTruthy();
    if (path === "/feed.xml") expect(body).toContain("<rss");
    const again = await fetch(`${proxied}${path}`, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });
});
