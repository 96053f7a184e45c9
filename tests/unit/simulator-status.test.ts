import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@/lib/simulator";
import { INCIDENT_PACE } from "@/lib/simulator/live-incident";

// The simulator's status page is what the demo and every official-page test read: an operational page that lists an
// open incident, or an "incident" two months old, tells the opposite of the story (issue 15 items 1 and 8).
let sim: Simulator;
type Incident = { id: string; status: string; created_at: string; updated_at: string; resolved_at: string | null; incident_updates: { id: string; status: string; created_at: string; incident_id: string }[]; components: { id: string; status: string }[] };
type Doc = { page: { updated_at: string }; incidents: Incident[]; components?: { id: string; status: string; updated_at: string }[] };
const fixture = (name: string) => readFileSync(new URL(`../../lib/simulator/fixtures/statuspage/${name}`, import.meta.url), "utf8");
const raw = async (path: string) => (await fetch(`${sim.url}${path}`)).text();
const read = async (path: string) => JSON.parse(await raw(path)) as Doc;
const open = (doc: Doc) => doc.incidents.filter((i) => i.status !== "resolved" && i.status !== "postmortem");
const API = "k8w3r06qmzrp";

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

describe("the operational scenario lists no open incident anywhere", () => {
  it.each([["at start (reset)", () => {}], ["switched on explicitly", () => sim.setStatus({ scenario: "operational" })]])("%s", async (_, arrange) => {
    arrange();
    for (const path of ["/api/v2/summary.json", "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json"]) expect(open(await read(path)), path).toEqual([]);
    // Resolved history is still listed, as the real page lists its past.
    expect((await read("/api/v2/incidents.json")).incidents.map((i) => i.status)).toEqual(["resolved"]);
  });

  it("serves summary, status and components as the fixtures' exact bytes", async () => {
    expect(await raw("/api/v2/summary.json")).toBe(fixture("summary.operational.json"));
    expect(await raw("/api/v2/status.json")).toBe(fixture("status.operational.json"));
    expect(await raw("/api/v2/components.json")).toBe(fixture("components.json"));
  });
});

describe("the incident scenario's incident is fresh", () => {
  it("is created when switched on, listed open in summary, unresolved and incidents alike", async () => {
    const before = Date.now();
    sim.setStatus({ scenario: "incident" });
    const after = Date.now();
    const summary = await read("/api/v2/summary.json");
    const [live] = open(summary);
    expect(open(summary)).toHaveLength(1);
    const created = Date.parse(live!.created_at);
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(after);
    for (const u of live!.incident_updates) expect(Date.parse(u.created_at)).toBeGreaterThanOrEqual(created);
    expect(Date.parse(live!.updated_at)).toBeLessThanOrEqual(Date.now());
    expect(open(await read("/api/v2/incidents/unresolved.json")).map((i) => i.id)).toEqual([live!.id]);
    expect(open(await read("/api/v2/incidents.json")).map((i) => i.id)).toEqual([live!.id]);
    // The page admits it with the component's state, changed now, not in October.
    const api = summary.components!.find((c) => c.id === API)!;
    expect(api.status).toBe("partial_outage");
    expect(Date.parse(api.updated_at)).toBe(created);
    expect(Date.parse(summary.page.updated_at)).toBeGreaterThanOrEqual(created);
  });

  it("keeps the fixture's shape: the same keys, in the same order, for the incident and each update", async () => {
    sim.setStatus({ scenario: "incident" });
    const template = JSON.parse(fixture("incidents-unresolved.json")).incidents[0];
    const [live] = open(await read("/api/v2/incidents/unresolved.json"));
    expect(Object.keys(live!)).toEqual(Object.keys(template));
    expect(Object.keys(live!.incident_updates[0]!)).toEqual(Object.keys(template.incident_updates[0]));
    expect(Object.keys(live!.components[0]!)).toEqual(Object.keys(template.components[0]));
    expect(live!.id).toMatch(/^[0-9a-z]{12}$/);
    expect(live!.id).not.toBe(template.id);
  });

  it(`lists its updates as their time comes (the fixture's timeline ${INCIDENT_PACE} times faster), newest first`, async () => {
    sim.setStatus({ scenario: "incident" });
    const first = open(await read("/api/v2/summary.json"))[0]!;
    expect(first.incident_updates.map((u) => u.status)).toEqual(["investigating"]);
    expect(first.status).toBe("investigating");
    // The fixture's second update came 9 min 34 s after the first: here 9.6 s.
    const deadline = Date.now() + 30_000;
    let now = first;
    while (now.incident_updates.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      now = open(await read("/api/v2/summary.json"))[0]!;
    }
    expect(now.incident_updates.length).toBeGreaterThanOrEqual(2);
    expect(now.id).toBe(first.id);
    const times = now.incident_updates.map((u) => Date.parse(u.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(now.incident_updates.map((u) => u.id)).size).toBe(now.incident_updates.length);
    expect(now.incident_updates.every((u) => u.incident_id === now.id)).toBe(true);
  }, 45_000);

  it("switching back to operational resolves it in incidents.json, and lists it open nowhere", async () => {
    sim.setStatus({ scenario: "incident" });
    const { id } = open(await read("/api/v2/summary.json"))[0]!;
    const before = Date.now();
    sim.setStatus({ scenario: "operational" });
    const history = await read("/api/v2/incidents.json");
    const resolved = history.incidents.find((i) => i.id === id)!;
    expect(resolved.status).toBe("resolved");
    expect(Date.parse(resolved.resolved_at!)).toBeGreaterThanOrEqual(before);
    expect(resolved.incident_updates[0]!.status).toBe("resolved");
    expect(resolved.components.every((c) => c.status === "operational")).toBe(true);
    expect(open(history)).toEqual([]);
    const summary = await read("/api/v2/summary.json");
    expect(open(summary)).toEqual([]);
    expect(summary.components!.find((c) => c.id === API)!.status).toBe("operational");
    expect(open(await read("/api/v2/incidents/unresolved.json"))).toEqual([]);
  });

  it("each switch-on is a new incident; the earlier ones stay resolved in the history", async () => {
    const ids: string[] = [];
    for (let loop = 0; loop < 3; loop++) {
      sim.setStatus({ scenario: "incident" });
      // Switching on twice in a row is the same incident, not a second one.
      sim.setStatus({ scenario: "incident" });
      ids.push(open(await read("/api/v2/summary.json"))[0]!.id);
      sim.setStatus({ scenario: "operational" });
    }
    expect(new Set(ids).size).toBe(3);
    const history = await read("/api/v2/incidents.json");
    expect(history.incidents.slice(0, 3).map((i) => [i.id, i.status])).toEqual([...ids].reverse().map((id) => [id, "resolved"]));
    expect(open(history)).toEqual([]);
  });

  it("a test's own incident list still replaces the scenario's", async () => {
    sim.setStatus({ scenario: "incident", incidents: [] });
    expect((await read("/api/v2/summary.json")).incidents).toEqual([]);
    expect((await read("/api/v2/incidents.json")).incidents).toEqual([]);
  });
});
