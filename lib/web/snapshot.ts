/**
 * Hot answers kept whole in memory: the response Next rendered for a URL, with its headers and its body three ways
 * (identity, gzip, br) and a strong ETag. The same freshness rule as lib/web/cache.ts, applied to whole answers: a
 * snapshot is reused while the database's data version (dataVersion) is the one it was rendered at and it is younger
 * than FRESH_FOR_MS. A snapshot that is stale but still younger than FRESH_FOR_MS is served while one re-render runs
 * in the background (a new result shows up one render later, milliseconds); an older one is never served.
 *
 * Bounded by entries and by bytes, least recently used out first: a key is a URL a visitor chose (Host included),
 * so what visitors send can never grow this past MAX_SNAPSHOTS / MAX_SNAPSHOT_BYTES.
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import { FRESH_FOR_MS } from "@/lib/web/cache";

/** The hot routes are a handful of URLs per Host; 64 holds them all with room for a few Host spellings. */
export const MAX_SNAPSHOTS = 64;
/** Three encodings of a 400 KB page is about 450 KB: 32 MB is ample for the hot routes and caps a flood of keys. */
export const MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024;

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

export type Encoding = "br" | "gzip" | "identity";

export interface Rendered {
  status: number;
  /** Response headers as Next sent them, minus the per-connection ones; names lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface Snapshot {
  status: number;
  headers: Record<string, string>;
  bodies: Record<Encoding, Buffer>;
  /** Strong validators, one per encoding (RFC 9110 §8.8.3: each encoding is its own representation). */
  etags: Record<Encoding, string>;
  /** The etags as a list, for If-None-Match. */
  etagList: string[];
  /** The complete headers of a 200 and of a 304 in each encoding, built once: a hit is a lookup and a write. */
  answers: Record<Encoding, { ok: Record<string, string | number>; notModified: Record<string, string> }>;
  lastModified: number | null;
  version: string;
  /** When the oldest data it shows was read (lib/web/cache.ts RenderScope), or when its render began: its age counts from here. */
  renderedAt: number;
  /** When its render began: the next render of the same key waits renderSpacing (lib/web/front.ts) from here. */
  madeAt: number;
  /** How long its render took (wall time, ms): a costly render is spaced further. */
  renderMs: number;
  bytes: number;
}

export interface SnapshotOptions {
  /** When its render began (epoch ms): renders of one key are spaced from here. Default: renderedAt. */
  madeAt?: number;
  /** How long the render took; default 0. */
  renderMs?: number;
  /** "max" for answers served thousands of times per render (the pages); "fast" for the series API's many queries. */
  effort?: "max" | "fast";
}

// Already compressed: a second pass costs CPU and saves nothing.
const INCOMPRESSIBLE = /^image\/(?:png|jpeg|gif|webp|avif)\b/i;

/** Compress once and name each representation: what every later request for the same data is answered with. */
export async function makeSnapshot(rendered: Rendered, version: string, renderedAt: number, { madeAt = renderedAt, renderMs = 0, effort = "max" }: SnapshotOptions = {}): Promise<Snapshot> {
  const identity = rendered.body;
  const compress = !INCOMPRESSIBLE.test(rendered.headers["content-type"] ?? "");
  const [br, gzipped] = compress
    ? await Promise.all([
        brotli(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: effort === "max" ? 9 : 5, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
        gz(identity, { level: effort === "max" ? 9 : 6 }),
      ])
    : [identity, identity];
  const hash = createHash("sha256").update(identity).digest("base64url");
  const lastModified = Date.parse(rendered.headers["last-modified"] ?? "");
  const bodies = { identity, br, gzip: gzipped };
  const etags = compress ? { identity: `"${hash}"`, br: `"${hash}-br"`, gzip: `"${hash}-gz"` } : { identity: `"${hash}"`, br: `"${hash}"`, gzip: `"${hash}"` };
  const answer = (encoding: Encoding) => {
    const common: Record<string, string> = { ...rendered.headers, etag: etags[encoding], vary: withVary(rendered.headers.vary, "Accept-Encoding") };
    const notModified = { ...common };
    delete notModified["content-type"];
    const ok: Record<string, string | number> = { ...common, "content-length": bodies[encoding].length };
    if (compress && encoding !== "identity") ok["content-encoding"] = encoding;
    return { ok, notModified };
  };
  return {
    status: rendered.status,
    headers: rendered.headers,
    bodies,
    etags,
    etagList: [...new Set(Object.values(etags))],
    answers: { identity: answer("identity"), br: answer("br"), gzip: answer("gzip") },
    lastModified: Number.isNaN(lastModified) ? null : lastModified,
    version,
    renderedAt,
    madeAt,
    renderMs,
    bytes: identity.length + (compress ? br.length + gzipped.length : 0),
  };
}

/** A Vary value with `name` added (once, whatever its case). */
export function withVary(vary: string | undefined, name: string): string {
  const names = (vary ?? "").split(",").map((v) => v.trim()).filter(Boolean);
  if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) names.push(name);
  return names.join(", ");
}

export type Freshness = "fresh" | "stale" | "expired";

/** The one rule (see the file's comment). `version` is the database's data version now. */
export function freshness(snapshot: Snapshot, version: string, now: number): Freshness {
  const age = now - snapshot.renderedAt;
  if (age < 0 || age >= FRESH_FOR_MS) return "expired";
  return snapshot.version === version ? "fresh" : "stale";
}

/**
 * An LRU of snapshots bounded by count and total bytes. A hit stamps its entry rather than moving it in the Map (a
 * delete and a set per request, each hashing the key again, was a measurable part of a hot answer); the rare eviction
 * looks for the oldest stamp among at most maxEntries.
 */
export class SnapshotStore {
  private readonly entries = new Map<string, { snapshot: Snapshot; used: number }>();
  private total = 0;
  private uses = 0;

  constructor(
    readonly maxEntries = MAX_SNAPSHOTS,
    readonly maxBytes = MAX_SNAPSHOT_BYTES,
  ) {}

  get(key: string): Snapshot | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    hit.used = ++this.uses;
    return hit.snapshot;
  }

  set(key: string, snapshot: Snapshot): void {
    this.delete(key);
    if (snapshot.bytes > this.maxBytes) return;
    this.entries.set(key, { snapshot, used: ++this.uses });
    this.total += snapshot.bytes;
    while (this.entries.size > this.maxEntries || this.total > this.maxBytes) this.delete(this.leastRecentlyUsed());
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.total -= old.snapshot.bytes;
  }

  private leastRecentlyUsed(): string {
    let oldest: string | undefined;
    let oldestUse = Infinity;
    for (const [key, entry] of this.entries) {
      if (entry.used < oldestUse) {
        oldest = key;
        oldestUse = entry.used;
      }
    }
    return oldest!;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }
}

// Browsers send one of a few Accept-Encoding strings: remember the answer for those, a bounded handful.
const chosen = new Map<string, Encoding>();

/** br, then gzip, then identity, as the client's Accept-Encoding allows (q=0 refuses; `*` stands for the rest). */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return "identity";
  const known = chosen.get(acceptEncoding);
  if (known) return known;
  const encoding = parseAcceptEncoding(acceptEncoding);
  if (chosen.size < 64) chosen.set(acceptEncoding, encoding);
  return encoding;
}

function parseAcceptEncoding(acceptEncoding: string): Encoding {
  const q = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name.trim(), Number.isNaN(value) ? 0 : value);
  }
  const accepts = (name: string) => (q.get(name) ?? q.get("*") ?? 0) > 0;
  if (accepts("br")) return "br";
  if (accepts("gzip")) return "gzip";
  return "identity";
}
