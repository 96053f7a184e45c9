/** Keeping secrets and hostile text out of stored messages. */

const MAX_MESSAGE = 240;
// Anthropic key shapes, plus bearer tokens: redacted wherever they appear, even if a proxy echoes them back.
const KEY_PATTERN = /sk-ant-[A-Za-z0-9_-]+|Bearer\s+[A-Za-z0-9._~+/=-]+/g;

/** Short, single-line, printable, with anything key-shaped (and each given secret) redacted. */
export function sanitizeMessage(text: string, secrets: readonly string[] = [], maxLength = MAX_MESSAGE): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  out = out
    .replace(KEY_PATTERN, "[redacted]")
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}
