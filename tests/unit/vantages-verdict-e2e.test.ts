/**
 * The hub's verdict as it runs: one hub (worker and web server, as npm start runs them) and four `npm run vantage`
 * processes on 127.0.0.1, each probing its own simulator every 5 s, so a fault is one vantage's. A real Standard
 * Webhooks receiver takes the alerts of two channels: `pager` (global only, the default) and `chat` (every scope).
 *
 * `lab`'s own network is down from the start (its simulator and its connectivity check both refuse): its results are
 * inconclusive and it is never counted, so the quorum is over London, Frankfurt and Virginia (Q = 2). The cases run in
 * order on the one hub: all up; one vantage's API path fails while its connectivity check answers (regional); two
 * fail (global, one page); a down vantage goes silent mid-incident (held); recovery; and a vantage cut off from the hub
 * during an outage, then back (its evidence noted, published incidents unchanged, no alert).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createNetServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { startReceiver, type Receiver } from "@/tests/unit/alert-support";
import { baseEnv, freePort, listing, newSecret, query, secretEnv, sleep, startHub, until, vantageProcess, writeHubConfig, type Hub, type VantageProcess } from "@/tests/unit/vantages-support";

const dir = mkdtempSync(join(tmpdir(), "witness-verdict-e2e-"));
const IDS = ["lon", "fra", "iad", "lab"] as const;
const NAMES: Record<string, string> = { lon: "London", fra: "Frankfurt", iad: "Virginia", lab: "Lab" };
const SECRETS: Record<string, string> = Object.fromEntries(IDS.map((id) => [id, newSecret()]));
const HOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const INTERVAL_MS = 5_000;
const WAIT_MS = 120_000;

const sims: Record<string, Simulator> = {};
const vantages: Record<string, VantageProcess> = {};
let hubSim: Simulator;
let hub: Hub;
let receiver: Receiver;
let link: CutLink;
const hubDb = join(dir, "hub.db");

interface CutLink {
  url: string;
  open: boolean;
  close(): Promise<void>;
}

/** A TCP link to the hub that can be cut: while cut, every connection is dropped at once (the hub unreachable). */
async function cutLink(port: number): Promise<CutLink> {
  const sockets = new Set<Socket>();
  const state = { open: true };
  const server: Server = createNetServer((client) => {
    if (!state.open) return client.destroy();
    const upstream = connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get open() {
      return state.open;
    },
    set open(value: boolean) {
      state.open = value;
      if (!value) for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), [...sockets].forEach((s) => s.destroy()))),
  };
}

beforeAll(async () => {
  hubSim = await startSimulator();
  for (const id of ["lon", "fra", "iad"]) sims[id] = await startSimulator();
  receiver = await startReceiver();
  const configPath = writeHubConfig(join(dir, "hub.yaml"), {
    ids: IDS,
    names: NAMES,
    intervalSeconds: 5,
    statusSeconds: 10,
    extra: [
      "alerts:",
      "  resolveHoldMinutes: 0.25",
      "  channels:",
      `    - { name: pager, type: webhook, url: "${receiver.url}/pager", secret: "${HOOK_SECRET}" }`,
      `    - { name: chat, type: webhook, url: "${receiver.url}/chat", secret: "${HOOK_SECRET}", scopes: [global, regional, unconfirmed] }`,
    ],
  });
  hub = await startHub({ env: baseEnv(hubSim.url, { WITNESS_CONFIG: configPath, ...secretEnv(SECRETS) }), dbPath: hubDb, logPath: join(dir, "hub.log") });
  link = await cutLink(hub.port);
  const closed = await freePort();
  for (const id of IDS) {
    // The connectivity check is the vantage's own simulator under another host name: a second origin that answers
    // while the API path fails; lab's refuses like everything else of lab's (its own network is down).
    const simUrl = id === "lab" ? `http://127.0.0.1:${closed}` : sims[id]!.url;
    const checkUrl = simUrl.replace("127.0.0.1", "localhost");
    const config = join(dir, `${id}.yaml`);
    writeFileSync(config, `connectivityCheck: { url: "${checkUrl}/", timeoutMs: 2000 }\n`);
    // Virginia reaches the hub through the link the last case cuts.
    const env = baseEnv(simUrl, { WITNESS_CONFIG: config, WITNESS_HUB_URL: id === "iad" ? link.url : hub.url, WITNESS_VANTAGE_ID: id, WITNESS_VANTAGE_SECRET: SECRETS[id]! });
    vantages[id] = vantageProcess(id, env, join(dir, `${id}.db`), join(dir, `${id}.log`));
    vantages[id]!.start();
  }
  await until("London, Frankfurt and Virginia to be live", async () => (await listing(hub.url)).filter((v) => v.state === "live").length >= 3, WAIT_MS);
  // Two intervals more, so every counted vantage's newest result is conclusive and fresh.
  await sleep(2 * INTERVAL_MS);
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(vantages).map((v) => v.stop()));
  await hub?.stop();
  await link?.close();
  await receiver?.close();
  await Promise.all([hubSim, ...Object.values(sims)].filter(Boolean).map((s) => s.close()));
}, 60_000);

interface ApiIncident {
  slug: string;
  kind: string;
  scope: string | null;
  startedAt: number;
  endedAt: number | null;
  series: string[];
  vantages: { id: string; name: string; firstFailureAt: number }[];
  lateNotes: string[];
}

async function incidents(scope?: string): Promise<ApiIncident[]> {
  const res = await fetch(`${hub.url}/api/v1/incidents?days=1${scope ? `&scope=${scope}` : ""}`, { headers: { "cache-control": "no-cache" } });
  const body = (await res.json()) as { incidents: ApiIncident[] };
  return body.incidents.filter((i) => i.kind === "measured" && i.series.includes("edge"));
}

async function apiVerdict(): Promise<{ headline: string; scope: string | null; eligible: number }> {
  const res = await fetch(`${hub.url}/api/v1/status`, { headers: { "cache-control": "no-cache" } });
  const body = (await res.json()) as { surfaces: { id: string; verdict: { headline: string; scope: string | null; eligible: number } }[] };
  return body.surfaces.find((s) => s.id === "api")!.verdict;
}

/** The incident events a channel received, verified as Standard Webhooks. */
function received(channel: "pager" | "chat"): { type: string; summary: string; data: Record<string, unknown> }[] {
  return receiver.requests
    .filter((r) => r.path === `/${channel}`)
    .map((r) => new Webhook(HOOK_SECRET).verify(r.body, r.headers as Record<string, string>) as { type: string; summary: string; data: Record<string, unknown> })
    .filter((e) => e.type.startsWith("incident."));
}

const publishedRows = () => query<Record<string, unknown>>(hubDb, "SELECT * FROM measured_incidents WHERE scope IS NOT NULL ORDER BY id");

function firstFailure(vantage: string, since: number): number {
  return query<{ at: number | null }>(hubDb, "SELECT min(started_at) AS at FROM probe_results WHERE vantage = ? AND series = 'edge' AND outcome = 'down' AND started_at >= ?", vantage, since)[0]!.at!;
}

describe("a hub's verdict across four vantages, real processes on 127.0.0.1", () => {
  it("all up: no incident, and the headline counts 3 of 4 vantages (lab's own network is down)", async () => {
    expect(await incidents()).toEqual([]);
    const verdict = await apiVerdict();
    expect(verdict).toMatchObject({ scope: null, eligible: 3, headline: "Claude API: working from 3 of 4 vantages" });
  });

  it("a vantage whose own network is down is excluded: its results are inconclusive, no incident names it", async () => {
    const lab = query<{ outcome: string; message: string | null }>(hubDb, "SELECT outcome, message FROM probe_results WHERE vantage = 'lab'");
    expect(lab.length).toBeGreaterThan(0);
    expect(lab.every((r) => r.outcome === "inconclusive" && r.message?.startsWith("monitor offline:"))).toBe(true);
    expect(query(hubDb, "SELECT id FROM measured_incidents WHERE vantage = 'lab'")).toEqual([]);
  });

  it("one vantage's API path fails while its connectivity check answers: one regional incident, no global, no page", { timeout: 300_000 }, async () => {
    const since = Date.now();
    sims.fra!.setFault("api", "reset_before_headers");
    await until("a regional incident naming Frankfurt", async () => (await incidents("regional")).some((i) => i.vantages.some((v) => v.id === "fra")), WAIT_MS);
    const verdict = await apiVerdict();
    expect(verdict.scope).toBe("regional");
    expect(verdict.headline).toBe("Regional: Claude API failing from Frankfurt only; London and Virginia succeed: likely a network path, not Claude");
    // The home page leads with it.
    await until("the home page to say it", async () => (await (await fetch(`${hub.url}/`, { headers: { "cache-control": "no-cache" } })).text()).includes("Regional: Claude API failing from Frankfurt only; London and Virginia succeed: likely a network path, not Claude"), WAIT_MS);
    const status = (await (await fetch(`${hub.url}/api/v1/status`, { headers: { "cache-control": "no-cache" } })).json()) as { surfaces: { id: string; measured: string }[] };
    expect(status.surfaces.find((s) => s.id === "api")!.measured).toBe("up");
    sims.fra!.setFault("api", "none");
    await until("the regional incident to end", async () => (await incidents("regional")).every((i) => i.endedAt !== null), WAIT_MS);
    const [regional] = await incidents("regional");
    expect(regional!.vantages.map((v) => v.id)).toEqual(["fra"]);
    expect(regional!.startedAt).toBe(firstFailure("fra", since));
    expect(await incidents("global")).toEqual([]);
    await until("the chat channel to hear it opened and resolved", () => received("chat").length >= 2, WAIT_MS);
    const page = await (await fetch(`${hub.url}/incidents/${regional!.slug}`)).text();
    expect(page).toContain("Seen from");
    expect(page).toContain("Regional: not graded");
    expect(received("chat").map((e) => [e.type, e.data.scope])).toEqual([
      ["incident.opened", "regional"],
      ["incident.resolved", "regional"],
    ]);
    expect(received("pager")).toEqual([]);
  });

  it("two of three fail: one global incident at the earliest failure, decided within 2 intervals of the second, paged once", { timeout: 300_000 }, async () => {
    const since = Date.now();
    sims.fra!.setFault("api", "reset_before_headers");
    await sleep(INTERVAL_MS);
    sims.lon!.setFault("api", "reset_before_headers");
    await until("a global incident", async () => (await incidents("global")).length > 0, WAIT_MS);
    const [global] = await incidents("global");
    const fra = firstFailure("fra", since);
    const lon = firstFailure("lon", since);
    expect(global!.startedAt).toBe(Math.min(fra, lon));
    expect(global!.vantages.map((v) => v.id).sort()).toEqual(["fra", "lon"]);
    const [row] = query<{ decided_at: number }>(hubDb, "SELECT decided_at FROM measured_incidents WHERE scope = 'global'");
    // The second vantage's incident opens at its second failing result (openAfter 2): the quorum forms there, and the
    // hub decides as that result arrives (the vantage ships every 5 s).
    const secondFailure = Math.max(fra, lon);
    console.log(`global decided ${((row!.decided_at - secondFailure) / 1000).toFixed(1)} s after the second vantage's first failure`);
    expect(row!.decided_at - secondFailure).toBeLessThanOrEqual(2 * INTERVAL_MS + 5_000);
    await until("the pager to be paged", () => received("pager").length >= 1, WAIT_MS);
    const paged = received("pager");
    expect(paged.map((e) => e.type)).toEqual(["incident.opened"]);
    expect(paged[0]!.data.scope).toBe("global");
    expect(paged[0]!.summary).toMatch(/failing from 2 of 3 vantages \((London, Frankfurt|Frankfurt, London)\)/);
    expect((await apiVerdict()).headline).toMatch(/^Claude API: failing from 2 of 3 vantages/);
  });

  it("a down vantage going silent mid-incident holds the global incident; it resolves once the quorum is up again, paged once", { timeout: 300_000 }, async () => {
    await vantages.lon!.stop();
    // Well past freshness (2.5 intervals) and the hold: London no longer counts, Frankfurt down, Virginia up.
    await sleep(6 * INTERVAL_MS);
    expect((await incidents("global")).map((i) => i.endedAt)).toEqual([null]);
    vantages.lon!.start();
    sims.fra!.setFault("api", "none");
    sims.lon!.setFault("api", "none");
    await until("the global incident to resolve", async () => (await incidents("global")).every((i) => i.endedAt !== null), WAIT_MS);
    await until("the pager to hear it resolved", () => received("pager").length >= 2, WAIT_MS);
    expect(received("pager").map((e) => e.type)).toEqual(["incident.opened", "incident.resolved"]);
  });

  it("a vantage cut off from the hub during an outage, then back: its evidence noted, published incidents unchanged, no alert", { timeout: 400_000 }, async () => {
    await until("London live again", async () => (await listing(hub.url)).find((v) => v.id === "lon")?.state === "live", WAIT_MS);
    link.open = false;
    const since = Date.now();
    for (const id of ["lon", "fra", "iad"]) sims[id]!.setFault("api", "reset_before_headers");
    await until("a second global incident", async () => (await incidents("global")).length === 2, WAIT_MS);
    for (const id of ["lon", "fra", "iad"]) sims[id]!.setFault("api", "none");
    await until("it to resolve", async () => (await incidents("global")).every((i) => i.endedAt !== null), WAIT_MS);
    await until("its resolution to be sent", () => received("pager").length >= 4, WAIT_MS);
    const before = publishedRows();
    // Incident alerts only: a cut longer than a minute is rightly a vantage.silent (and its vantage.back).
    const incidentRows = () => query<{ event_id: string; channel: string }>(hubDb, "SELECT event_id, channel FROM alert_outbox WHERE event_id LIKE 'incident.%' ORDER BY id");
    const sent = received("pager").length + received("chat").length;
    const outbox = incidentRows();
    link.open = true;
    await until("Virginia's backlog to reach the hub", async () => {
      const v = (await listing(hub.url)).find((x) => x.id === "iad");
      return v?.state === "live" && v.backlog === 0 && firstFailure("iad", since) !== null;
    }, WAIT_MS);
    await until("a late note from Virginia", () => query(hubDb, "SELECT id FROM late_evidence WHERE vantage = 'iad'").length > 0, WAIT_MS);
    await sleep(2 * INTERVAL_MS);
    expect(publishedRows()).toEqual(before);
    expect(incidentRows()).toEqual(outbox);
    expect(received("pager").length + received("chat").length).toBe(sent);
    const latest = (await incidents("global")).sort((a, b) => b.startedAt - a.startedAt)[0]!;
    expect(latest.lateNotes).toHaveLength(1);
    expect(latest.lateNotes[0]).toMatch(/^Virginia also failed .+, reported at /);
    // Its rows fill its charts: the hub holds Virginia's results of the whole cut.
    expect(query<{ n: number }>(hubDb, "SELECT count(*) AS n FROM probe_results WHERE vantage = 'iad' AND series = 'edge' AND started_at >= ?", since)[0]!.n).toBeGreaterThan(3);
  });
});
