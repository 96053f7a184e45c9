/**
 * The words of a link preview (og:title, og:description, the generated PNG): what a link pasted into a chat shows
 * about Claude right now. Pure: made from the same StatusNow the home page renders, so a preview never says
 * something the page does not.
 */
import { headline } from "@/lib/dashboard/now";
import type { MeasuredState, OfficialState, StatusNow } from "@/lib/dashboard/types";

export const MEASURED_WORDS: Record<MeasuredState, string> = { up: "up", degraded: "degraded", down: "down", nodata: "no data" };
export const OFFICIAL_WORDS: Record<OfficialState, string> = {
  operational: "operational",
  degraded: "degraded",
  down: "down",
  maintenance: "maintenance",
  unknown: "unknown",
};

export interface PreviewSurface {
  name: string;
  measured: MeasuredState;
  official: OfficialState;
  /** "measured down (38% failing), official: operational" */
  line: string;
}

export interface Preview {
  title: string;
  description: string;
  /** The home page's headline tone (state-up, state-down, …) for colouring the image. */
  tone: string;
  surfaces: PreviewSurface[];
}

/** The preview of `status`; null status (no database yet) says that Witness has no data. */
export function linkPreview(status: StatusNow | null): Preview {
  if (!status || status.surfaces.length === 0) {
    return { title: "Claude status, measured: no data yet", description: "Witness has not recorded any measurement yet.", tone: "state-nodata", surfaces: [] };
  }
  const surfaces = status.surfaces.map((s) => {
    const ratio = s.measured !== "up" && s.failureWords !== null ? ` (${s.failureWords})` : "";
    return { name: s.name, measured: s.measured, official: s.official, line: `measured ${MEASURED_WORDS[s.measured]}${ratio}, official: ${OFFICIAL_WORDS[s.official]}` };
  });
  const head = headline(status);
  const title = `Claude status, measured: ${surfaces.map((s) => `${s.name} ${MEASURED_WORDS[s.measured]}`).join(", ")}`;
  const description = `${head.text} ${surfaces.map((s) => `${s.name}: ${s.line}.`).join(" ")}`;
  return { title, description, tone: head.tone, surfaces };
}
