/** What the bar patterns mean; shown once under the bars. */
export function BarsLegend() {
  const items = [
    ["state-up", "Up / operational"],
    ["state-degraded", "Degraded"],
    ["state-down", "Down / outage"],
    ["state-maintenance", "Maintenance"],
    ["state-nodata", "No data (Witness not running)"],
    ["state-unknown", "Official state unknown"],
  ] as const;
  return (
    <ul className="legend" aria-label="What the bars mean">
      {items.map(([className, label]) => (
        <li key={className}>
          <span className={`swatch bar ${className}`} aria-hidden="true" />
          {label}
        </li>
      ))}
    </ul>
  );
}
