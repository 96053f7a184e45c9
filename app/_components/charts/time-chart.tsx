"use client";
/**
 * A time-series chart (latency or failure rate) over one window, with the spans when the official page said
 * anything but "operational" drawn as shaded bands on the same time axis. Takes its data as props; never fetches.
 * The page beside it carries the same facts as text, so nothing here is needed to read them.
 */
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ChartPoint, ChartWindow, OfficialBand } from "@/lib/dashboard/types";
import { formatChartTime, formatMs, formatPercent, formatShortDay, formatUtcTime } from "@/lib/dashboard/format";
import { BAND_STYLE, TICK_STEP } from "@/app/_components/charts/bands";

export type ChartKey = "p50" | "p95" | "ttftP50" | "ttftP95" | "failureRate";

export interface ChartLine {
  key: ChartKey;
  name: string;
  /** A CSS colour, e.g. "var(--chart-1)". */
  color: string;
  dashed?: boolean;
  /** Draw as a filled area (failure rate) instead of a line. */
  area?: boolean;
}

export interface TimeChartProps {
  points: ChartPoint[];
  lines: ChartLine[];
  bands: OfficialBand[];
  from: number;
  to: number;
  window: ChartWindow;
  unit: "ms" | "ratio";
  /** What the chart shows, for assistive technology (the text summary beside it has the figures). */
  label: string;
  height?: number;
}

const AXIS_TICK = { fill: "var(--muted)", fontSize: 12 };

function ticks(from: number, to: number, window: ChartWindow): number[] {
  const step = TICK_STEP[window];
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

export function TimeChart({ points, lines, bands, from, to, window, unit, label, height = 220 }: TimeChartProps) {
  const withDay = window !== "24h";
  // A band shorter than one point would be a hairline: widen it to the buckets it touches (the text has exact times).
  const bucket = points.length > 1 ? points[1]!.t - points[0]!.t : 0;
  const shown = bands.map((b) => (bucket ? { ...b, from: Math.floor(b.from / bucket) * bucket, to: Math.max(Math.ceil(b.to / bucket) * bucket, Math.floor(b.from / bucket) * bucket + bucket) } : b));
  const formatValue = (v: number) => (unit === "ms" ? formatMs(v) : formatPercent(v));
  const formatTick = (v: number) => (unit === "ms" ? (v >= 1000 ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)} s` : `${v} ms`) : `${Number((v * 100).toFixed(1))}%`);
  // The chart is a picture (role img, named by `label`); its figures are in the text beside it, so it takes no focus.
  return (
    <div className="chart" role="img" aria-label={label} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height }}>
        <ComposedChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 4 }} accessibilityLayer={false}>
          <CartesianGrid stroke="var(--chart-grid)" vertical={false} />
          {shown.map((band, i) => (
            <ReferenceArea
              key={`${i}-${band.from}-${band.state}`}
              x1={band.from}
              x2={band.to}
              ifOverflow="hidden"
              fill={BAND_STYLE[band.state].color}
              fillOpacity={BAND_STYLE[band.state].opacity}
              stroke="none"
              className={`band band-${band.state}`}
            />
          ))}
          <XAxis
            dataKey="t"
            type="number"
            domain={[from, to]}
            ticks={ticks(from, to, window)}
            tickFormatter={(v: number) => (withDay ? formatShortDay(v) : formatUtcTime(v, { suffix: false }))}
            tick={AXIS_TICK}
            stroke="var(--border)"
            minTickGap={16}
          />
          <YAxis
            width={unit === "ms" ? 64 : 46}
            tick={AXIS_TICK}
            stroke="var(--border)"
            tickFormatter={formatTick}
            domain={unit === "ratio" ? [0, (max: number) => Math.max(0.1, Math.min(1, Math.ceil(max * 10) / 10))] : [0, "auto"]}
            allowDecimals={unit === "ratio"}
          />
          <Tooltip
            isAnimationActive={false}
            labelFormatter={(v) => `${formatChartTime(Number(v), true)} UTC`}
            formatter={(value, name) => [typeof value === "number" ? formatValue(value) : String(value ?? "–"), name]}
            contentStyle={{ background: "var(--surface-raised)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--fg)", fontSize: 13 }}
            labelStyle={{ color: "var(--fg)", fontWeight: 600 }}
          />
          {lines.map((line) =>
            line.area ? (
              <Area
                key={line.key}
                dataKey={line.key}
                name={line.name}
                type="stepAfter"
                stroke={line.color}
                fill={line.color}
                fillOpacity={0.25}
                strokeWidth={1.5}
                connectNulls={false}
                isAnimationActive={false}
                dot={false}
              />
            ) : (
              <Line
                key={line.key}
                dataKey={line.key}
                name={line.name}
                type="monotone"
                stroke={line.color}
                strokeWidth={line.dashed ? 1.5 : 2}
                strokeDasharray={line.dashed ? "5 4" : undefined}
                connectNulls={false}
                isAnimationActive={false}
                dot={false}
              />
            ),
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
