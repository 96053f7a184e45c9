/**
 * The build's files, the only things private mode leaves open besides /api/health (code and styles, the same for
 * every Witness, no data). Under /_witness/ the front serves its own files from memory; under /_next/static/ Next
 * serves the build's, but only paths that are files of the build are handed to it: anything else there would reach
 * Next's router, which answers a miss with the not-found page.
 */
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { ClientScript } from "@/lib/web/static-home";
import { makeSnapshot, type Snapshot } from "@/lib/web/snapshot";
import { securityHeaders } from "@/lib/web/security-headers";

const OWN_PREFIX = "/_witness/";
const NEXT_PREFIX = "/_next/static/";

export interface StaticFiles {
  /**
   * The answer for `path`: the front's own file, "next" for a file of the build Next serves, "missing" for any other
   * path under the two prefixes, null for a path outside them.
   */
  lookup(path: string): Promise<Snapshot> | "next" | "missing" | null;
}

/** The files of `staticDir` (listed once: a build never changes under a running server) and the front's `own`. */
export function createStaticFiles(staticDir: string | undefined, own: ClientScript[]): StaticFiles {
  const mine = new Map(own.map((file) => [file.path, staticSnapshot(file.code, "text/javascript; charset=utf-8")]));
  let built: Set<string> | null = null;
  return {
    lookup(path) {
      if (path.startsWith(OWN_PREFIX)) return mine.get(path) ?? "missing";
      if (staticDir === undefined || !path.startsWith(NEXT_PREFIX)) return null;
      built ??= listFiles(staticDir);
      let name: string;
      try {
        name = decodeURIComponent(path.slice(NEXT_PREFIX.length));
      } catch {
        return "missing";
      }
      return built.has(name) ? "next" : "missing";
    },
  };
}

/** Every file under `dir`, as a `/`-separated path relative to it. */
function listFiles(dir: string): Set<string> {
  const files = new Set<string>();
  try {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.add(relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"));
    }
  } catch {
    // No build directory: nothing under /_next/static/ is served.
  }
  return files;
}

/** A file of the front's own, compressed once, with the security headers and a year's immutable caching. */
function staticSnapshot(body: Buffer, contentType: string): Promise<Snapshot> {
  const security = Object.fromEntries(securityHeaders().map((h) => [h.key.toLowerCase(), h.value]));
  return makeSnapshot({ status: 200, headers: { ...security, "content-type": contentType, "cache-control": "public, max-age=31536000, immutable" }, body }, "static", Date.now());
}
