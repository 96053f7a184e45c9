/** The monitor's own connectivity check: when it fails too, a network failure is ours, not Claude's. */
import { Clock, readText, timedRequest } from "@/probes/http";
import type { ProbeResult } from "@/probes/types";

export interface ConnectivityCheck {
  url: string | null;
  timeoutMs: number;
}

// Only failures that could be the monitor's own network are worth a second look.
const OUR_NETWORK_SUSPECTS = new Set(["dns_error", "connection_error"]);

/** True when the check URL answers at all (any status): the monitor has a network. No URL configured means true. */
export async function isMonitorOnline(check: ConnectivityCheck): Promise<boolean> {
  if (!check.url) return true;
  try {
    const response = await timedRequest(
      new URL(check.url),
      { method: "GET", headers: { "user-agent": "witness connectivity check" }, signal: AbortSignal.timeout(check.timeoutMs) },
      new Clock(),
    );
    await readText(response.body).catch(() => "");
    return true;
  } catch {
    return false;
  }
}

/** A dns or connection failure becomes inconclusive when the monitor itself is offline. */
export async function judgeOwnNetwork(result: ProbeResult, check: ConnectivityCheck): Promise<ProbeResult> {
  if (!result.errorClass || !OUR_NETWORK_SUSPECTS.has(result.errorClass)) return result;
  if (await isMonitorOnline(check)) return result;
  return { ...result, outcome: "inconclusive", message: `monitor offline (connectivity check failed too): ${result.message ?? ""}`.slice(0, 240) };
}
