import { describeNoResults, readWorkerState } from "@/lib/dashboard/worker";
import { readData } from "@/app/_components/data";

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
  // Right after `npm start` the worker runs but has stored nothing yet: say "waiting", not "start the worker".
  const worker = readData("worker", readWorkerState);
  const words = describeNoResults(worker.status === "ok" ? worker.data : null);
  return (
    <div className="notice" role="status">
      <h2>{words.title}</h2>
      <p>{words.text}</p>
    </div>
  );
}
