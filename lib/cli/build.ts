/**
 * `npm run -s build:web`: build the dashboard only when there is no build or a source is newer than it (the same rule
 * npm start uses). `npm test` runs it first, so no test pays for a build while timing-sensitive tests run beside it.
 */
import { exitWithHelpIfAsked } from "@/lib/cli/common";
import { runNextBuild, webBuildState } from "@/lib/cli/serve";

exitWithHelpIfAsked(`
usage: npm run -s build:web

Builds the dashboard (next build) only when there is no build or a source is newer than it; npm start does the same.
`);
const state = webBuildState();
if (state.state === "fresh") {
  console.log("web build is up to date");
} else {
  console.log(state.state === "missing" ? "no web build: running next build" : `web build is older than ${state.newer}: running next build`);
  process.exitCode = await runNextBuild();
}
