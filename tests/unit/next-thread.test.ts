/**
 * Next in a thread of its own (lib/web/next-thread.ts), with a stand-in thread that speaks the same protocol
 * (tests/unit/fixtures/stand-in-next-thread.mjs): requests the front passes on reach it and come back whole, renders
 * carry their data age back, a thread that dies is started again while the front keeps serving its snapshots, and one
 * that cannot start says so.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFront, type Front } from "@/lib/web/front";
import { startNextThread, type NextThread } from "@/lib/web/next-thread";
import { createServer, request } from "node:http";
import { createRenderer, listenLoopback, loopbackAgent, RENDER_ID_HEADER } from "@/lib/web/renderer";

const STAND_IN = join(import.meta.dirname, "fixtures", "stand-in-next-thread.mjs");

describe("Next in its own thread", () => {
  let front: Front | null = null;
  let thread: NextThread | null = null;
  const lines: string[] = [];
  afterEach(async () => {
    if (front) await front.close();
    else await thread?.target.close();
    front = null;
    thread = null;
    lines.length = 0;
  });

  async function start(dir = "/project"): Promise<string> {
    thread = startNextThread({ file: STAND_IN, dir, port: 3000 }, (line) => lines.push(line));
    await thread.ready;
    front = createFront({ handle: thread.handle, renderer: createRenderer(thread.target), readVersion: () => "v1", linksFollowHost: false });
    const { port } = await front.listen(0, "127.0.0.1");
    return `http://127.0.0.1:${port}`;
  }

  it("passes a request on whole (Host, method, headers, cookies back), but never a visitor's render id", async () => {
    const base = await start();
    const answer = await fetch(`${base}/cookie?x=1`, { method: "HEAD" });
    expect(answer.status).toBe(200);
    expect(answer.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const echoed = await (await fetch(`${base}/somewhere?x=1`, { headers: { [RENDER_ID_HEADER]: "7" } })).json();
    expect(echoed).toMatchObject({ thread: true, method: "GET", url: "/somewhere?x=1", host: new URL(base).host, renderId: null });
    const missing = await fetch(`${base}/gone`);
    expect(missing.status).toBe(404);
  });

  it("renders a hot route once through the thread, with the data age the thread reported", async () => {
    const base = await start();
    const first = await fetch(`${base}/api/v1/status`);
    const rendered = await first.json();
    expect(rendered.renderId).not.toBeNull();
    const again = await (await fetch(`${base}/api/v1/status`)).json();
    // The same snapshot (one render), whose age counts from the data the thread read, not from when it rendered.
    expect(again.served).toBe(rendered.served);
    expect(front!.store.get("/api/v1/status")?.renderedAt).toBe(Number(first.headers.get("x-read-at")));
  });

  it("a thread that dies is started again; snapshots are served meanwhile and passed-on requests wait for it", async () => {
    const base = await start();
    await fetch(`${base}/api/v1/status`);
    const crashed = await fetch(`${base}/crash`).then((r) => r.status, () => "reset");
    expect([502, "reset"]).toContain(crashed);
    // Served from the front's snapshot while the thread is away.
    const during = await fetch(`${base}/api/v1/status`);
    expect(during.status).toBe(200);
    const after = await (await fetch(`${base}/after-restart`)).json();
    expect(after).toMatchObject({ url: "/after-restart", served: 1 });
    // GET /crash was sent once more to the next thread, as a request the dying thread refused would be: two exits.
    expect(lines).toEqual([
      "witness web: the Next thread stopped (exit 3); snapshots are still served; starting it again in 1 s",
      "witness web: the Next thread stopped (exit 3); snapshots are still served; starting it again in 2 s",
    ]);
  });

  it("a thread that cannot start rejects `ready` with why", async () => {
    thread = startNextThread({ file: STAND_IN, dir: "fail", port: 3000 }, (line) => lines.push(line));
    await expect(thread.ready).rejects.toThrow(/Next could not start: no production build in fail/);
    expect(lines).toEqual([]);
  });
});

describe("kept connections to a loopback listener", () => {
  it("the front lets an idle one go long before the listener would close it, so none is used after the server closed it", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    const port = await listenLoopback(server);
    const agent = loopbackAgent(1);
    try {
      const socketTimeout = await new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, agent }, (res) => {
          res.resume();
          // Back in the pool, the idle socket carries the agent's timeout.
          res.on("end", () => setImmediate(() => resolve(((agent.freeSockets[`127.0.0.1:${port}:`] ?? [])[0] as { timeout?: number } | undefined)?.timeout ?? -1)));
        });
        req.on("error", reject);
        req.end();
      });
      expect(socketTimeout).toBeGreaterThan(0);
      expect(server.keepAliveTimeout).toBeGreaterThan(2 * socketTimeout);
    } finally {
      agent.destroy();
      server.close();
    }
  });
});
