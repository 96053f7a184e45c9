/**
 * Latency, time to first token and failure rate over a window (?window=24h|7d|30d|90d, links not JS state), with
 * the official page's non-operational spans as bands on the same axis, and the models compared. Every chart has
 * its figures beside it as text, so the page reads without JavaScript.
 */
import type { Metadata, ResolvingMetadata } from "next";
import { livePreview } from "@/app/_components/preview-metadata";
import Link from "next/link";
import { getCharts } from "@/lib/dashboard/charts";
import type { Charts, ChartWindow, ModelComparison, OfficialBand, SurfaceCharts } from "@/lib/dashboard/types";
import { describeSeries, formatDuration, formatMs, formatPercent, formatRate, formatUtc, plural } from "@/lib/dashboard/format";
import { describeSeriesFigures, describeSurfaceFigures, surfaceFailure } from "@/lib/dashboard/chart-figures";
import { readData } from "@/app/_components/data";
import { NoData } from "@/app/_components/no-data";
import { TimeChart, type ChartLine } from "@/app/_components/charts/time-chart";
import { ModelChart } from "@/app/_components/charts/model-chart";
import { BAND_STYLE } from "@/app/_components/charts/bands";
import { DataReadAt } from "@/app/_components/data-read-at";

// Rendered per request from data lib/web/cache.ts keeps fresh; never a copy on disk from another server or database.
export const dynamic = "force-dynamic";

export async function generateMetadata(_props: unknown, parent: ResolvingMetadata): Promise<Metadata> {
  return { title: "Charts", ...(await livePreview(parent)) };
}

const WINDOWS: readonly { value: ChartWindow; label: string }[] = [
  { value: "24h", label: "24 hours" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "90d", label: "90 days" },
];

/** A known window, or 24h for anything else (missing, repeated, misspelt, "constructor"…): never a 500. */
function parseWindow(value: string | string[] | undefined): ChartWindow {
  return WINDOWS.find((w) => w.value === value)?.value ?? "24h";
}

export default async function ChartsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const window = parseWindow((await searchParams).window);
  const loaded = readData(`charts:${window}`, (db, config, now) => getCharts(db, config, window, now));
  return (
    <div className="page" data-generated-at={loaded.now}>
      <header className="page-head">
        <h1>Charts</h1>
        <p className="lead">Latency, time to first token and failure rate as Witness measured them, with the times the official page admitted trouble shaded on the same axis.</p>
        <DataReadAt at={loaded.now} />
      </header>
      <nav aria-label="Time window" className="segmented">
        <ul>
          {WINDOWS.map((w) => (
            <li key={w.value}>
              <Link href={`/charts?window=${w.value}`} aria-current={w.value === window ? "page" : undefined}>
                {w.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {loaded.status === "ok" ? <ChartsBody charts={loaded.data} /> : <NoData status={loaded.status} what="the charts" />}
    </div>
  );
}

function ChartsBody({ charts }: { charts: Charts }) {
  return (
    <>
      <p className="small muted">
        From {formatUtc(charts.from)} to {formatUtc(charts.to)}; one point per {formatDuration(charts.bucketMs)}. Gaps in a line are periods with no
        results. Times are UTC.
      </p>
      <ChartLegend />
      {charts.surfaces.map((surface) => (
        <SurfaceSection key={surface.id} surface={surface} charts={charts} />
      ))}
      <ModelsSection models={charts.models} charts={charts} />
    </>
  );
}

function ChartLegend() {
  return (
    <ul className="legend chart-legend" aria-label="How to read the charts">
      <li>
        <span className="line-key" style={{ borderColor: "var(--chart-1)" }} aria-hidden="true" />
        p50 total time (solid)
      </li>
      <li>
        <span className="line-key dashed" style={{ borderColor: "var(--chart-1)" }} aria-hidden="true" />
        p95 total time (dashed)
      </li>
      <li>
        <span className="line-key" style={{ borderColor: "var(--chart-2)" }} aria-hidden="true" />
        TTFT p50 / <span className="line-key dashed" style={{ borderColor: "var(--chart-2)" }} aria-hidden="true" /> p95 (streaming)
      </li>
      {(["down", "degraded", "maintenance", "unknown"] as const).map((state) => (
        <li key={state}>
          <span className={`band-key band-key-${state}`} aria-hidden="true" />
          {BAND_STYLE[state].label}
        </li>
      ))}
    </ul>
  );
}

// ---- per surface -----------------------------------------------------------------------------------------------

const LATENCY: ChartLine[] = [
  { key: "p50", name: "p50 total", color: "var(--chart-1)" },
  { key: "p95", name: "p95 total", color: "var(--chart-1)", dashed: true },
];
const TTFT: ChartLine[] = [
  { key: "ttftP50", name: "TTFT p50", color: "var(--chart-2)" },
  { key: "ttftP95", name: "TTFT p95", color: "var(--chart-2)", dashed: true },
];
const FAILURE: ChartLine[] = [{ key: "failureRate", name: "Failure rate", color: "var(--down)", area: true }];

function SurfaceSection({ surface, charts }: { surface: SurfaceCharts; charts: Charts }) {
  const failure = surfaceFailure(surface);
  const withDay = charts.window !== "24h";
  const nonOperational = surface.bands.filter((b) => b.state !== "unknown");
  return (
    <section id={`surface-${surface.id}`} aria-labelledby={`charts-${surface.id}`} className="section">
      <h2 id={`charts-${surface.id}`}>{surface.name}</h2>
      {surface.series.length === 0 ? (
        <p className="muted">No results for this surface in this window.</p>
      ) : (
        <>
          <div className="card">
            <h3>Failure rate, all series</h3>
            <TimeChart
              points={failure}
              lines={FAILURE}
              bands={surface.bands}
              from={charts.from}
              to={charts.to}
              window={charts.window}
              unit="ratio"
              label={`${surface.name}: failure rate over the last ${charts.window}, with official non-operational periods shaded`}
            />
            <p className="chart-summary">{describeSurfaceFigures(surface, charts.bucketMs, withDay)}</p>
            {nonOperational.length > 0 ? <BandList bands={nonOperational} /> : null}
          </div>

          <h3 className="subsection">Latency by series</h3>
          <div className="chart-grid">
            {surface.series.map((s) => {
              const hasTtft = s.points.some((p) => p.ttftP50 !== null);
              const { label } = describeSeries(s.series);
              return (
                <article key={s.series} className="card chart-card" aria-label={label}>
                  <h4>
                    {describeSeries(s.series).kind}
                    {describeSeries(s.series).model ? <span className="muted"> · {describeSeries(s.series).model}</span> : null}
                  </h4>
                  <TimeChart
                    points={s.points}
                    lines={hasTtft ? [...LATENCY, ...TTFT] : LATENCY}
                    bands={surface.bands}
                    from={charts.from}
                    to={charts.to}
                    window={charts.window}
                    unit="ms"
                    height={200}
                    label={`${label}: p50 and p95 total time${hasTtft ? " and time to first token" : ""} over the last ${charts.window}`}
                  />
                  <p className="chart-summary small">{describeSeriesFigures(s.points, withDay)}</p>
                </article>
              );
            })}
          </div>
        </>
      )}
    </section>
  );
}

function BandList({ bands }: { bands: OfficialBand[] }) {
  const shown = bands.slice(-8).reverse();
  return (
    <details className="small">
      <summary>
        {plural(bands.length, "period")} the official page was not operational{bands.length > shown.length ? ` (newest ${shown.length} listed)` : ""}
      </summary>
      <ul>
        {shown.map((b) => (
          <li key={`${b.from}-${b.state}`}>
            {formatUtc(b.from)} to {formatUtc(b.to)} ({formatDuration(b.to - b.from)}): {BAND_STYLE[b.state].label.replace("Official page: ", "")}
          </li>
        ))}
      </ul>
    </details>
  );
}

// ---- models ----------------------------------------------------------------------------------------------------

function mix(errorMix: Record<string, number>): string {
  const total = Object.values(errorMix).reduce((a, b) => a + b, 0);
  if (total === 0) return "none";
  return Object.entries(errorMix)
    .sort((a, b) => b[1] - a[1])
    .map(([cls, n]) => `${cls} ${Math.round((n / total) * 100)}%`)
    .join(", ");
}

function ModelsSection({ models, charts }: { models: ModelComparison[]; charts: Charts }) {
  return (
    <section aria-labelledby="models-title" className="section">
      <h2 id="models-title">Models compared</h2>
      {models.length === 0 ? (
        <p className="muted">No keyed probes ran in this window (they need ANTHROPIC_API_KEY).</p>
      ) : (
        <div className="card">
          <div className="table-wrap">
            <table>
              <caption>Per model over the last {charts.window}: messages and streaming probes together</caption>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    Results
                  </th>
                  <th scope="col" className="num">
                    TTFT p50
                  </th>
                  <th scope="col" className="num">
                    TTFT p95
                  </th>
                  <th scope="col" className="num">
                    Tokens/s
                  </th>
                  <th scope="col" className="num">
                    Failure rate
                  </th>
                  <th scope="col">Failure mix</th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <tr key={m.model}>
                    <th scope="row">{m.model}</th>
                    <td className="num">{m.results.toLocaleString("en-US")}</td>
                    <td className="num">{formatMs(m.ttftP50)}</td>
                    <td className="num">{formatMs(m.ttftP95)}</td>
                    <td className="num">{formatRate(m.tokensPerSecond)}</td>
                    <td className="num">{formatPercent(m.failureRate, 2)}</td>
                    <td className="small">{mix(m.errorMix)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3 className="subsection">Time to first token</h3>
          <ul className="legend chart-legend" aria-hidden="true">
            <li>
              <span className="bar-key" style={{ background: "var(--chart-1)" }} />
              p50 (left bar)
            </li>
            <li>
              <span className="bar-key" style={{ background: "var(--chart-2)" }} />
              p95 (right bar)
            </li>
          </ul>
          <ModelChart models={models} label={`Time to first token per model over the last ${charts.window}, p50 and p95; the table above has the figures`} />
        </div>
      )}
    </section>
  );
}
