/**
 * The Subscribe box at the foot of every page: the three incident feeds by absolute URL, and copyable badge and
 * embed snippets per surface. Plain links and <details>: no script needed to read or copy any of it.
 */
import { feedLinks, tokenQuery } from "@/lib/web/page-base";

/** `readToken`: private mode's, so the feed URLs and badge snippets work where the password cannot be sent. */
export function Subscribe({ base, readToken, surfaces }: { base: string; readToken: string | null; surfaces: { id: string; name: string }[] }) {
  const feeds = feedLinks(base, readToken);
  return (
    <section id="subscribe" className="subscribe" aria-labelledby="subscribe-title">
      <h2 id="subscribe-title">Subscribe</h2>
      <p className="small">Incidents as Witness measured them, and when the official page acknowledged them, in your feed reader:</p>
      <ul className="subscribe-feeds">
        {feeds.map((f) => (
          <li key={f.format}>
            <a href={f.url} type={f.type} data-feed={f.format}>
              {f.label}
            </a>{" "}
            <code className="small">{f.url}</code>
          </li>
        ))}
      </ul>
      <details className="subscribe-embed">
        <summary>Badges and embed snippets</summary>
        {surfaces.map((s) => {
          const badge = `${base}/api/v1/badges/${encodeURIComponent(s.id)}.svg${tokenQuery(readToken)}`;
          return (
            <div key={s.id} className="subscribe-snippet">
              <p className="small">
                {s.name}: <img src={`/api/v1/badges/${encodeURIComponent(s.id)}.svg`} alt={`${s.name} status badge`} height={20} />
              </p>
              <pre className="small">
                <code data-snippet="markdown">{`[![${s.name} status](${badge})](${base}/)`}</code>
              </pre>
              <pre className="small">
                <code data-snippet="html">{`<a href="${base}/"><img src="${badge}" alt="${s.name} status"></a>`}</code>
              </pre>
            </div>
          );
        })}
      </details>
    </section>
  );
}
