/**
 * Private mode's read token, for feed readers and README badges that cannot send the dashboard password. Shown only
 * here: this page is itself behind the password, so only someone who has it sees the token.
 */
import { getDashboardAuth } from "@/lib/web/auth";

export function ReadToken({ password }: { password: string | null }) {
  const auth = getDashboardAuth(password);
  if (!auth) return null;
  // Whole strings, so the HTML holds each URL in one piece to copy (and to search for).
  const query = `?token=${auth.readToken}`;
  return (
    <section id="private" aria-labelledby="private-title" className="section card">
      <h2 id="private-title">This Witness is private</h2>
      <p>
        Every page, feed and API answer wants the dashboard password (HTTP Basic, any user name). Feeds and badges also
        accept this read token, for feed readers and README images: add <code>{query}</code> to their URL, as in{" "}
        <code>{`/feed.xml${query}`}</code>. It changes only with the password.
      </p>
    </section>
  );
}
