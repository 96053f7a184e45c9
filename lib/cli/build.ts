/**
 * `npm run -s build:web`: build the dashboard only when there is no build or a source is newer than it (the same rule
 * npm start uses). `npm test` runs it first, so no test pays for a build while timing-sensitive tests run beside it.
 */
import { runNextBuild, webBuildState } from "@/lib/cli/serve";

const state = webBuildState();
if (state.state === "fresh") {
  console.log("web build is up to date");
} else {
  console.log(state.state === "missing" ? "no web build: running next build" : `web build is older than ${state.newer}: running next build`);
  process.exitCode = await runNextBuild();
}
