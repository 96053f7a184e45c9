/** The simulator's mutable state, shared by the TS API and the HTTP control endpoints so both validate alike. */
import { FaultBoard, isTarget, SpecError, TARGETS, toFaultSpec, type Target } from "./faults";
import { StatusBoard, toStatusChange } from "./status-page";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

export class SimState {
  readonly faults = new FaultBoard();
  readonly status = new StatusBoard();
  /** Cleared in place by reset() so callers holding the array keep seeing new requests. */
  readonly requests: RecordedRequest[] = [];

  /** Validate and set one target's fault; throws SpecError on bad input (from plain JS or HTTP callers). */
  setFault(target: Target, spec: unknown): void {
    if (!isTarget(target)) throw new SpecError(`target must be one of ${TARGETS.join(", ")}; got ${JSON.stringify(target)}`);
    this.faults.set(target, toFaultSpec(spec));
  }

  /** Validate and apply a status change; throws SpecError on bad input. */
  setStatus(change: unknown): void {
    this.status.apply(toStatusChange(change));
  }

  /** All faults none, status operational, requests cleared. */
  reset(): void {
    this.faults.reset();
    this.status.reset();
    this.requests.length = 0;
  }
}
