/** The `/__sim/<name>` control endpoints: the HTTP face of Simulator's methods, for curl and other processes. */
import type { ServerResponse } from "node:http";
import { isTarget, SpecError, TARGETS } from "./faults";
import type { SimState } from "./state";
import { isRecord, sendJson } from "./wire";

/** Answer one control call. Bad input is a 400 with `{error}`; any other throw is left to the server's 500. */
export function handleControl(name: string, method: string, body: string, res: ServerResponse, state: SimState): void {
  try {
    route(name, method, body, res, state);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    sendJson(res, 400, { error: err.message });
  }
}

function route(name: string, method: string, body: string, res: ServerResponse, state: SimState): void {
  const only = (allowed: string): boolean => {
    if (method === allowed) return true;
    sendJson(res, 405, { error: `${method} not allowed on /__sim/${name}; use ${allowed}` }, { allow: allowed });
    return false;
  };
  switch (name) {
    case "fault": {
      if (method === "GET") return sendJson(res, 200, state.faults.snapshot());
      if (!only("POST")) return;
      const { target, ...spec } = parseObject(body);
      if (!isTarget(target)) throw new SpecError(`target must be one of ${TARGETS.join(", ")}`);
      state.setFault(target, spec);
      return sendJson(res, 200, { ok: true, target, spec: state.faults.snapshot()[target] });
    }
    case "reset":
      if (!only("POST")) return;
      state.reset();
      return sendJson(res, 200, { ok: true });
    case "status":
      if (!only("POST")) return;
      state.setStatus(parseObject(body));
      return sendJson(res, 200, { ok: true });
    case "requests":
      if (!only("GET")) return;
      return sendJson(res, 200, state.requests);
    default:
      return sendJson(res, 404, { error: `unknown control endpoint /__sim/${name}; known: fault, reset, status, requests` });
  }
}

function parseObject(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = body.trim() === "" ? {} : JSON.parse(body);
  } catch {
    throw new SpecError("body is not valid JSON");
  }
  if (!isRecord(value)) throw new SpecError("body must be a JSON object");
  return value;
}
