/**
 * The methodology page explains the grade scale, the error classes and the configured numbers; and no page, in its
 * HTML or its RSC payload, ever contains the API key the server runs with (a canary set by global setup).
 */
import { describeGradeScale } from "@/lib/judge/grade";
import { ERROR_CLASSES, PROBE_KINDS } from "@/probes/types";
import { expect, test } from "./fixtures";
import { HOSTILE_INCIDENT_SLUG } from "./seed";
import { E2E_ALERT_CANARIES, E2E_API_KEY_CANARY } from "./server";

test.describe("methodology", () => {
  test("explains the grade scale, every error class and the configured detector", async ({ page }) => {
    const response = await page.goto("/methodology");
    expect(response?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1, name: "Methodology" })).toBeVisible();

    const grade = page.getByRole("region", { name: "The grade scale" });
    await expect(grade).toContainText(describeGradeScale());

    const classes = page.getByRole("region", { name: /error classes/ });
    const rows = classes.locator("tbody tr");
    await expect(rows).toHaveCount(ERROR_CLASSES.length);
    for (const cls of ERROR_CLASSES) await expect(classes.locator("tbody th", { hasText: new RegExp(`^${cls}$`) })).toHaveCount(1);
    await expect(rows.filter({ hasText: "overloaded" })).toContainText("HTTP 529");
    await expect(rows.filter({ hasText: "rate_limited" })).toContainText("inconclusive");
    // The own-network rule is always on; the connectivity check URL only adds a host to it (issue 15 item 6).
    await expect(rows.filter({ hasText: "dns_error" })).toContainText("every probed host fails at the network level");
    await expect(classes).toContainText("Always on: when every distinct host Witness probes");
    await expect(classes).not.toContainText("only when the connectivity check");

    // The default configuration's numbers (global setup runs the server with an empty config file).
    const incidents = page.getByRole("region", { name: "How incidents open and resolve" });
    await expect(incidents).toContainText("after 2 consecutive failing results");
    await expect(incidents).toContainText("50% of the last 5 minutes");
    await expect(incidents).toContainText("after 3 consecutive successes");
    const probes = page.getByRole("region", { name: "What the probes send" });
    await expect(probes).toContainText("claude-haiku-4-5");
    // Every kind, each on by default: the three of issue 16 (console, browser, code) beside the first five.
    await expect(probes.locator("tbody tr")).toHaveCount(PROBE_KINDS.length);
    for (const kind of PROBE_KINDS) await expect(probes.locator("tbody th", { hasText: new RegExp(`^${kind}$`) })).toHaveCount(1);
    await expect(probes).not.toContainText("disabled");
    await expect(probes).not.toContainText("Off by default");
  });

  test("lists the configured alert channels by name and type, never their URLs or tokens", async ({ page, request }) => {
    await page.goto("/methodology");
    const alerts = page.getByRole("region", { name: "Alerts" });
    const rows = alerts.locator("tbody tr");
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toContainText(/ops\s*webhook\s*all\s*all\s*no/);
    await expect(rows.nth(1)).toContainText(/pager\s*telegram\s*incident\.opened, incident\.resolved\s*api\s*5 minutes/);
    await expect(alerts).toContainText("No heartbeat URL is configured.");
    for (const headers of [{}, { RSC: "1" }] as Record<string, string>[]) {
      const body = await (await request.get("/methodology", { headers })).text();
      for (const secret of [...E2E_ALERT_CANARIES, "hooks.example.com", "bot-token"]) expect(body.includes(secret), `/methodology ${JSON.stringify(headers)} shows ${secret}`).toBe(false);
    }
  });

  test("no page contains the API key, in its HTML or its RSC payload", async ({ request }) => {
    const paths = ["/", "/charts", "/charts?window=90d", "/incidents", `/incidents/${HOSTILE_INCIDENT_SLUG}`, "/incidents/m-1", "/methodology", "/no-such-page"];
    for (const path of paths) {
      for (const headers of [{}, { RSC: "1" }] as Record<string, string>[]) {
        const response = await request.get(path, { headers });
        const body = await response.text();
        expect(body.length, `${path} has a body`).toBeGreaterThan(100);
        expect(body.includes(E2E_API_KEY_CANARY), `${path} ${JSON.stringify(headers)} leaks the key`).toBe(false);
        expect(body.includes("CANARY"), `${path} leaks part of the key`).toBe(false);
      }
    }
  });
});
