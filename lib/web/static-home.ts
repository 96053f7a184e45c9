/**
 * The home page without the React runtime. It is the page a crowd opens during an outage, and everything on it is
 * server-rendered: its only client code is lib/web/client/home.ts (local times, tooltips, live refresh), a few KB,
 * where Next's App Router runtime alone is about 124 KB gzipped and its hydration data repeats the page's markup.
 * The front server renders the page through Next as usual, then, before keeping it as a snapshot, takes out Next's
 * scripts and puts this one in.
 *
 * Links on the page are plain <a href> in the HTML, so without the runtime they are ordinary navigations.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { buildSync } from "esbuild";

export interface ClientScript {
  /** Where the front serves it: the path names its content, so it can be cached for ever. */
  path: string;
  code: Buffer;
}

/** Bundle the home page's script (about 50 ms, once per process). */
export function buildHomeScript(root: string): ClientScript {
  const result = buildSync({
    entryPoints: [join(root, "lib/web/client/home.ts")],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    platform: "browser",
    write: false,
    legalComments: "none",
    tsconfig: join(root, "tsconfig.json"),
  });
  const code = Buffer.from(result.outputFiles[0]!.contents);
  const hash = createHash("sha256").update(code).digest("base64url").slice(0, 12);
  return { path: `/_witness/home-${hash}.js`, code };
}

// Next's scripts: its chunks, its inline hydration data and bootstrap, and the preload hints for them.
const NEXT_SCRIPT = /<script\b[^>]*>[\s\S]*?<\/script>/g;
const SCRIPT_PRELOAD = /<link\b[^>]*\bas="script"[^>]*\/?>|<link\b[^>]*\brel="modulepreload"[^>]*\/?>/g;

/** The rendered home page with Next's scripts out and `script` in (deferred, so it runs once the HTML is parsed). */
export function withoutReactRuntime(html: string, script: ClientScript): string {
  const stripped = html.replace(NEXT_SCRIPT, "").replace(SCRIPT_PRELOAD, "");
  const tag = `<script src="${script.path}" defer></script>`;
  const head = stripped.indexOf("</head>");
  return head < 0 ? stripped + tag : `${stripped.slice(0, head)}${tag}${stripped.slice(head)}`;
}
