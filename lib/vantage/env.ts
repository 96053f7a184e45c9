/** What `npm run vantage` needs from its environment, checked before anything starts (a wrong one: exit 2). */
import type { HubLink } from "@/lib/vantage/plan-client";
import { VANTAGE_ID, VANTAGE_SECRET } from "@/lib/vantage/ids";

/** The hub link, or the one-line reason naming the variable that is missing or wrong (never its value if secret). */
export function hubLinkFromEnv(env: Record<string, string | undefined>): HubLink | { problem: string } {
  const hubUrl = env.WITNESS_HUB_URL?.trim() ?? "";
  const vantageId = env.WITNESS_VANTAGE_ID?.trim() ?? "";
  const secret = env.WITNESS_VANTAGE_SECRET?.trim() ?? "";
  const missing = [!hubUrl && "WITNESS_HUB_URL", !vantageId && "WITNESS_VANTAGE_ID", !secret && "WITNESS_VANTAGE_SECRET"].filter(Boolean);
  if (missing.length > 0) return { problem: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set: a vantage needs its hub's URL, its id and its secret (as listed under vantages: in the hub's config)` };
  if (!URL.canParse(hubUrl) || !/^https?:$/.test(new URL(hubUrl).protocol) || new URL(hubUrl).username || new URL(hubUrl).password) {
    return { problem: `WITNESS_HUB_URL=${JSON.stringify(hubUrl.slice(0, 200))}: must be the hub's http(s) address, like https://witness.example.org (no credentials)` };
  }
  if (!VANTAGE_ID.test(vantageId)) return { problem: `WITNESS_VANTAGE_ID=${JSON.stringify(vantageId.slice(0, 64))}: must be 1-32 of a-z, 0-9 and -, as the hub lists it` };
  if (!VANTAGE_SECRET.test(secret)) return { problem: "WITNESS_VANTAGE_SECRET: must be a whsec_ secret (whsec_ and at least 16 base64 characters), the one the hub holds for this vantage" };
  return { hubUrl: new URL(hubUrl).origin + new URL(hubUrl).pathname.replace(/\/+$/, ""), vantageId, secret };
}
