import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";
import { securityHeaders } from "./lib/web/security-headers";

export default function config(phase: string): NextConfig {
  const dev = phase === PHASE_DEVELOPMENT_SERVER;
  return {
    // The web app reads the worker's SQLite file through the native module, and prom-client keeps module-level state
    // (its default registry): load both from node_modules at run time rather than bundling them.
    serverExternalPackages: ["better-sqlite3", "prom-client"],
    poweredByHeader: false,
    reactStrictMode: true,
    typedRoutes: false,
    // No next/image optimisation: it would need sharp (a native package) for nothing a status page needs.
    images: { unoptimized: true },
    // `next dev` would otherwise write an AGENTS.md into the repository.
    agentRules: false,
    typescript: {
      // `npm run typecheck` (tsc over the whole project, first step of `npm test`) is the one type check. Skipping it
      // here keeps `npm start` on a fresh clone from failing or slowing down over a type error in a test file.
      ignoreBuildErrors: true,
    },
    async headers() {
      return [
        {
          source: "/:path*",
          headers: securityHeaders(dev),
        },
      ];
    },
  };
}
