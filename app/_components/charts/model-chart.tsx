"use client";
/**
 * Time to first token per model, p50 beside p95, as grouped bars. Takes its data as props; the table on the page
 * has the same figures (and more) as text.
 */
import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ModelComparison } from "@/lib/dashboard/types";
import { formatMs } from "@/lib/dashboard/format";

const AXIS_TICK = { fill: "var(--muted)", fontSize: 12 };

/** The value above its bar, on one line (the default label wraps to the bar's width). */
function ValueLabel(props: { x?: number | string; y?: number | string; width?: number | string; value?: unknown }) {
  const x = Number(props.x ?? 0) + Number(props.width ?? 0) / 2;
  const y = Number(props.y ?? 0) - 6;
  if (typeof props.value !== "number") return null;
  return (
    <text x={x} y={y} textAnchor="middle" fontSize={11} fill="var(--fg)">
      {formatMs(props.value)}
    </text>
  );
}

export function ModelChart({ models, label }: { models: ModelComparison[]; label: string }) {
  const data = models.map((m) => ({ model: m.model.replace(/^claude-/, ""), ttftP50: m.ttftP50, ttftP95: m.ttftP95 }));
  const height = 240;
  return (
    <div className="chart" role="img" aria-label={label} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height }}>
        <BarChart data={data} margin={{ top: 20, right: 12, bottom: 0, left: 4 }} barGap={4} accessibilityLayer={false}>
          <CartesianGrid stroke="var(--chart-grid)" vertical={false} />
          <XAxis dataKey="model" tick={AXIS_TICK} stroke="var(--border)" />
          <YAxis width={64} tick={AXIS_TICK} stroke="var(--border)" tickFormatter={(v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v} ms`)} />
          <Tooltip
            isAnimationActive={false}
            cursor={{ fill: "var(--surface)" }}
            formatter={(value, name) => [typeof value === "number" ? formatMs(value) : "–", name]}
            contentStyle={{ background: "var(--surface-raised)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--fg)", fontSize: 13 }}
            labelStyle={{ color: "var(--fg)", fontWeight: 600 }}
          />
          <Bar dataKey="ttftP50" name="TTFT p50" fill="var(--chart-1)" isAnimationActive={false} maxBarSize={48}>
            <LabelList dataKey="ttftP50" content={ValueLabel} />
          </Bar>
          <Bar dataKey="ttftP95" name="TTFT p95" fill="var(--chart-2)" isAnimationActive={false} maxBarSize={48}>
            <LabelList dataKey="ttftP95" content={ValueLabel} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
