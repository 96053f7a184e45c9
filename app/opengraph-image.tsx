/**
 * The link-preview PNG (1200×630) for every page: each surface's measured state beside the official one, from the
 * same data the home page reads, so a link pasted into a chat shows whether Claude is up. Rendered on the server by
 * next/og (satori + resvg) with its bundled font: no browser and no network.
 */
import { ImageResponse } from "next/og";
import { readData } from "@/app/_components/data";
import { getStatusNow } from "@/lib/dashboard/now";
import { linkPreview, MEASURED_WORDS, OFFICIAL_WORDS } from "@/lib/dashboard/preview";
import type { MeasuredState } from "@/lib/dashboard/types";
import { formatUtcTime } from "@/lib/dashboard/format";

// The state now, not a copy made at build time.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";
export const size = { width: 1200, height: 630 };
export const contentType = "image/png";
export const alt = "Claude's state now as Witness measured it, beside the official status page";

const COLOURS: Record<MeasuredState, string> = { up: "#15803d", degraded: "#b45309", down: "#b91c1c", nodata: "#6b7280" };

export default function OpenGraphImage() {
  const loaded = readData("status-now", (db, config, now) => getStatusNow(db, config, now));
  const preview = linkPreview(loaded.status === "ok" ? loaded.data : null);
  return new ImageResponse(
    (
      <div style={{ width: "100%", height: "100%", display: "flex", flexDirection: "column", background: "#ffffff", color: "#111827", padding: 64 }}>
        <div style={{ display: "flex", fontSize: 34, color: "#4b5563" }}>Witness · Claude status, measured</div>
        <div style={{ display: "flex", flexDirection: "column", marginTop: 40, flexGrow: 1 }}>
          {preview.surfaces.length === 0 ? <div style={{ display: "flex", fontSize: 56 }}>No data yet</div> : null}
          {preview.surfaces.slice(0, 4).map((s) => (
            <div key={s.name} style={{ display: "flex", alignItems: "center", marginBottom: 28 }}>
              <div style={{ display: "flex", width: 36, height: 36, borderRadius: 18, background: COLOURS[s.measured], marginRight: 28 }} />
              <div style={{ display: "flex", flexDirection: "column" }}>
                <div style={{ display: "flex", fontSize: 56, fontWeight: 700 }}>{`${s.name}: ${MEASURED_WORDS[s.measured]}`}</div>
                <div style={{ display: "flex", fontSize: 30, color: "#4b5563" }}>{`Official page: ${OFFICIAL_WORDS[s.official]}`}</div>
              </div>
            </div>
          ))}
        </div>
        <div style={{ display: "flex", fontSize: 26, color: "#6b7280" }}>{`Measured by this Witness instance · ${new Date(loaded.now).toISOString().slice(0, 10)} ${formatUtcTime(loaded.now)}`}</div>
      </div>
    ),
    size,
  );
}
