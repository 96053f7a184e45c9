/**
 * GET /api/v1/screenshots/<id>: the JPEG the browser probe kept of a failed run (the incident page shows it), or 404.
 * Private mode guards it like every route (lib/web/auth.ts); the bytes are Chromium's own encoding of an untrusted
 * page, so they go out as an image that must not be sniffed into anything else.
 */
import { getScreenshotJpegById } from "@/db/queries/browser-screenshots";
import { getWebContext } from "@/lib/web/context";
import { apiError, guarded } from "@/lib/web/http";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return guarded(async () => {
    const id = (await params).id;
    if (!/^\d{1,15}$/.test(id)) return apiError(400, "id: must be a screenshot number");
    const { store } = getWebContext();
    const jpeg = store ? getScreenshotJpegById(store.db, Number(id)) : null;
    if (!jpeg) return apiError(404, `id: no screenshot ${id}`);
    return new Response(new Uint8Array(jpeg), {
      headers: {
        "Content-Type": "image/jpeg",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
        // A screenshot never changes; private, since a private dashboard's images are not for shared caches.
        "Cache-Control": "private, max-age=86400, immutable",
      },
    });
  });
}
