/** The Claude surfaces simulator: import from here, not from the files behind it. */
export { startSimulator, type Simulator } from "./server";
export { FAULTS, TARGETS, isFault, parsePathSpec, type Fault, type FaultSpec, type Target } from "./faults";
export type { RecordedRequest } from "./state";
export type { StatusChange } from "./status-page";
