/** Shown on every page while `npm run demo` runs (WITNESS_DEMO=1): nothing here is a measurement of Claude. */
export function DemoBanner() {
  return (
    <div className="demo-banner" role="note" aria-label="Demo">
      <div className="container">
        <strong>Demo.</strong> Everything on this page comes from Witness&rsquo;s built-in simulator and generated
        history, not from Claude: no request here reached Anthropic.
      </div>
    </div>
  );
}
