/** Shared by global setup and teardown: the environment variables that carry the test server between them. */
import type { ChildProcess } from "node:child_process";

export const ENV_BASE_URL = "WITNESS_E2E_BASE_URL";
export const ENV_SERVER_PID = "WITNESS_E2E_SERVER_PID";
export const ENV_TMP_DIR = "WITNESS_E2E_TMP_DIR";
/** Set to 1 to run next build even when the existing build is newer than the sources. */
export const ENV_REBUILD = "WITNESS_E2E_REBUILD";
/** Set to 1 to keep the temporary directory (database, server.log) after the run. */
export const ENV_KEEP = "WITNESS_E2E_KEEP";

/** Setup and teardown run in the same runner process: the handle lets teardown wait for the real exit. */
export const serverHandle: { child: ChildProcess | null } = ((globalThis as { __witnessE2eServer?: { child: ChildProcess | null } }).__witnessE2eServer ??= {
  child: null,
});

/** When the database was seeded (epoch ms): pages generated before it show another database's data. */
export const ENV_SEEDED_AT = "WITNESS_E2E_SEEDED_AT";

/**
 * The ANTHROPIC_API_KEY the test server runs with: never a real key, and a string no page may ever contain. Specs
 * assert it appears in no HTML or RSC payload.
 */
export const E2E_API_KEY_CANARY = "sk-ant-e2e-CANARY-0d9f3b7e-must-never-be-rendered";

/** The pages served from the ISR cache: warmed up after start until they show the seeded database. */
export const ISR_PATHS = ["/", "/incidents", "/methodology"] as const;
