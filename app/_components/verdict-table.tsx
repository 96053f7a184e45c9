/**
 * A hub's surface, vantage by vantage: its state, newest result, 24 h uptime and TTFB/TTFT p50 and p95, and whether the
 * verdict counts it now (lib/vantage/verdict-view.ts). Names come from the config: React renders them as text.
 */
import type { SurfaceVerdict } from "@/lib/dashboard/types";
import { formatDuration, formatMs, formatPercent } from "@/lib/dashboard/format";

const STATE_WORDS: Record<string, string> = { live: "live", late: "catching up", silent: "silent", auth_failing: "refused" };

export function VerdictTable({ name, verdict, now }: { name: string; verdict: SurfaceVerdict; now: number }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={`${name}: vantages`}>
      <table className="vantage-verdict-table">
        <caption>
          {name} from each vantage: {verdict.eligible} of {verdict.configured} counted now
        </caption>
        <thead>
          <tr>
            <th scope="col">Vantage</th>
            <th scope="col">Now</th>
            <th scope="col" className="num">Newest result</th>
            <th scope="col" className="num">Uptime 24 h</th>
            <th scope="col" className="num">TTFB p50 / p95</th>
            <th scope="col" className="num">TTFT p50 / p95</th>
          </tr>
        </thead>
        <tbody>
          {verdict.vantages.map((v) => (
            <tr key={v.id}>
              <th scope="row">{v.name}</th>
              <td>
                <span className={v.failing ? "state-down" : v.eligible ? "state-up" : "state-nodata"}>{v.failing ? "failing" : v.eligible ? "working" : "not counted"}</span>
                <span className="small muted block">{STATE_WORDS[v.state] ?? v.state}</span>
              </td>
              <td className="num">{v.newestResultAt === null ? "none" : `${formatDuration(Math.max(0, now - v.newestResultAt))} ago`}</td>
              <td className="num">{v.uptime24h === null ? "–" : formatPercent(v.uptime24h)}</td>
              <td className="num">
                {v.ttfbP50 === null ? "–" : `${formatMs(v.ttfbP50)} / ${formatMs(v.ttfbP95)}`}
              </td>
              <td className="num">
                {v.ttftP50 === null ? "–" : `${formatMs(v.ttftP50)} / ${formatMs(v.ttftP95)}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
