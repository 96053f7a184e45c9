// Placeholder: the dashboard's author replaces this page.
export default function Home() {
  return (
    <>
      <h1>Witness</h1>
      <p>An independent status page for Claude: what was measured here, beside what the official page said.</p>
    </>
  );
}
