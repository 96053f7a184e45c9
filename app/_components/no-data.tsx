/** What a page shows before Witness has any data, or when its database cannot be read. */
export function NoData({ status, what = "this page" }: { status: "empty" | "error"; what?: string }) {
  if (status === "error") {
    return (
      <div className="notice notice-warning" role="status">
        <h2>Witness could not read its database</h2>
        <p>
          The data for {what} is unavailable right now. The server log has the reason; the page will try again on the
          next visit.
        </p>
      </div>
    );
  }
  return (
    <div className="notice" role="status">
      <h2>No data yet: start the worker</h2>
      <p>
        Witness has not recorded any probe results yet. Start it with <code>npm start</code> (the web app and the
        probe worker together) or <code>npm run worker</code>; the first results arrive within a minute. To look
        around without waiting, <code>npm run demo</code> runs everything against the built-in simulator.
      </p>
    </div>
  );
}
