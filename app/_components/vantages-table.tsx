/**
 * The hub's vantages as /methodology shows them: one row each, from the same listing GET /api/v1/vantages answers.
 * Names come from the config and reasons from the database: React renders them as text.
 */
import { LocalTime } from "@/app/_components/local-time";
import { formatDuration, humanise } from "@/lib/dashboard/format";
import type { VantageListing } from "@/lib/vantage/listing";
import type { VantageState } from "@/lib/vantage/state";

const STATE_CLASS: Record<VantageState, string> = { live: "state-up", late: "state-degraded", silent: "state-down", auth_failing: "state-down" };

/** "live", "catching up", "silent since 14:02 UTC", "refused: bad signature". */
function StateWords({ v, now }: { v: VantageListing; now: number }) {
  const at = v.lastBatchAt === null ? null : Date.parse(v.lastBatchAt);
  switch (v.state) {
    case "live":
      return <>live</>;
    case "late":
      return <>catching up</>;
    case "silent":
      return at === null ? <>silent: never heard from</> : <>silent since <LocalTime at={at} refAt={now} /></>;
    case "auth_failing":
      return <>refused: {humanise(v.refusedFor ?? "other")}</>;
  }
}

function age(iso: string | null, now: number): string {
  return iso === null ? "never" : `${formatDuration(Math.max(0, now - Date.parse(iso)))} ago`;
}

/** Its clock minus the hub's: "+1.5 s" ahead, "−0.2 s" behind; "–" before its first batch. */
function skew(ms: number | null): string {
  if (ms === null) return "–";
  return `${ms < 0 ? "−" : "+"}${(Math.abs(ms) / 1000).toFixed(1)}\u00a0s`;
}

const NUMERIC_COLUMNS = ["Last batch", "Newest result", "Backlog", "Clock skew", "Rejected", "Dropped unsent"];

export function VantagesTable({ vantages, now }: { vantages: readonly VantageListing[]; now: number }) {
  return (
    <div className="table-wrap">
      <table>
        <caption>Vantages of this hub</caption>
        <thead>
          <tr>
            <th scope="col">Vantage</th>
            <th scope="col">Group</th>
            <th scope="col">State</th>
            {NUMERIC_COLUMNS.map((name) => (
              <th key={name} scope="col" className="num">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {vantages.map((v) => (
            <tr key={v.id}>
              <th scope="row">
                {v.name} (<code>{v.id}</code>)
              </th>
              <td>{v.group ?? "–"}</td>
              <td>
                <span className={STATE_CLASS[v.state]}>
                  <StateWords v={v} now={now} />
                </span>
              </td>
              <td className="num">{age(v.lastBatchAt, now)}</td>
              <td className="num">{age(v.newestResultAt, now)}</td>
              <td className="num">{v.backlog}</td>
              <td className="num">{skew(v.clockSkewMs)}</td>
              <td className="num">{v.rejected}</td>
              <td className="num">{v.dropped}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
