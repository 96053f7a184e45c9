/**
 * A stand-in for the worker in the kill -9 test: runs one browser probe against `argv[2]` with a long deadline and
 * prints its own pid, so the test can kill it mid-run. Run as `node --import tsx tests/unit/browser-runner.ts URL`.
 */
import { probeBrowser } from "@/probes/browser";
import { testTarget } from "@/tests/unit/support";

const url = process.argv[2] ?? "";
const browser = { chromiumPath: "/usr/bin/chromium", readySelector: null, firstPartyHosts: ["claude.ai"], childScript: null };
process.stdout.write(`runner ${process.pid}\n`);
await probeBrowser(testTarget("browser", url, { timeoutMs: 120_000, browser }), new AbortController().signal);
