/** Next.js calls register() once when the server starts: Witness's start-up warnings for the web process. */
export async function register(): Promise<void> {
  // Next's documented guard: the hook also runs for the edge runtime, which has no file system or SQLite.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { warnAtStartup } = await import("@/lib/web/context");
  warnAtStartup();
}
