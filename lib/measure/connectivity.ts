/**
 * The monitor's own network (PRODUCT.md): when every distinct host Witness probes fails at the network level in the
 * same round, the fault is ours, not Claude's. The round is the failing probe plus one reachability check of each
 * other host, made at once, so the verdict is about this moment and never needs rewriting later.
 */
import type { Config } from "@/lib/config";
import { baseUrlOf } from "@/lib/measure/targets";
import { Clock, timedRequest } from "@/probes/http";
import { PROBE_KINDS, type ProbeResult } from "@/probes/types";

/** Every result of this round that the rule made inconclusive starts with this; readers key on it. */
export const MONITOR_OFFLINE_PREFIX = "monitor offline:";

export interface OwnNetwork {
  /** One origin per distinct host name: the probes' targets and the connectivity check URL, if any. */
  origins: string[];
  /** How long one reachability check may take. */
  timeoutMs: number;
}

const NETWORK_CLASSES = new Set(["dns_error", "connection_error", "tls_error"]);

/** Failed before the service could say anything: no name, no connection, no handshake, or no header by the deadline. */
export function isNetworkLevelFailure(result: ProbeResult): boolean {
  if (result.errorClass === null) return false;
  return NETWORK_CLASSES.has(result.errorClass) || (result.errorClass === "timeout" && result.httpStatus === null);
}

/** True when the result was made inconclusive by the rule. */
export function isMonitorOffline(result: { message: string | null }): boolean {
  return result.message?.startsWith(MONITOR_OFFLINE_PREFIX) ?? false;
}

/** The distinct hosts among these URLs, one origin each (two ports of one machine are one host, not two witnesses). */
export function distinctOrigins(urls: readonly (string | null)[]): string[] {
  const byHost = new Map<string, string>();
  for (const url of urls) {
    if (!url) continue;
    const parsed = new URL(url);
    if (!byHost.has(parsed.hostname.toLowerCase())) byHost.set(parsed.hostname.toLowerCase(), parsed.origin);
  }
  return [...byHost.values()];
}

/** Any HTTP answer at all, even a 404 or a 503, proves the path to that host works. */
async function isReachable(origin: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await timedRequest(
      new URL(origin),
      { method: "GET", headers: { "user-agent": "witness connectivity check", "accept-encoding": "identity" }, signal: AbortSignal.timeout(timeoutMs) },
      new Clock(),
    );
    response.body.destroy();
    return true;
  } catch {
    return false;
  }
}

/**
 * Judge one result against the round: a network-level failure becomes inconclusive when no other host answers
 * either. With no other host to ask the rule cannot tell, and the result stands.
 */
export async function judgeOwnNetwork(result: ProbeResult, targetUrl: string, network: OwnNetwork): Promise<ProbeResult> {
  if (!isNetworkLevelFailure(result)) return result;
  const own = new URL(targetUrl).hostname.toLowerCase();
  const others = network.origins.filter((o) => new URL(o).hostname.toLowerCase() !== own);
  if (others.length === 0) return result;
  const answers = await Promise.all(others.map((o) => isReachable(o, network.timeoutMs)));
  if (answers.some(Boolean)) return result;
  const hosts = [own, ...others.map((o) => new URL(o).hostname)].join(", ");
  const message = `${MONITOR_OFFLINE_PREFIX} no probed host answered (${hosts}); ${result.message ?? result.errorClass}`;
  return { ...result, outcome: "inconclusive", message: message.slice(0, 240) };
}

/** The round's hosts from configuration: every enabled kind's target (keyless or not) and the check URL. */
export function ownNetworkOf(config: Config): OwnNetwork {
  const urls = PROBE_KINDS.filter((kind) => config.probes[kind].enabled).map((kind) => baseUrlOf(config, kind));
  return { origins: distinctOrigins([...urls, config.connectivityCheck.url]), timeoutMs: config.connectivityCheck.timeoutMs };
}
