/** Keeping secrets and hostile text out of stored messages. */

const MAX_MESSAGE = 240;
// Anthropic key shapes, plus bearer tokens: redacted wherever they appear, even if a proxy echoes them back.
const KEY_PATTERN = /sk-ant-[A-Za-z0-9_-]+|Bearer\s+[A-Za-z0-9._~+/=-]+/g;

// What a request id looks like (req_011Cb…, a cf-ray): visible ASCII, no spaces, short. Anything else is not one.
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** `text` with each given secret, and anything key-shaped, replaced by [redacted]. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out.replace(KEY_PATTERN, "[redacted]");
}

/** Short, single-line, printable, with anything key-shaped (and each given secret) redacted. */
export function sanitizeMessage(text: string, secrets: readonly string[] = [], maxLength = MAX_MESSAGE): string {
  const out = redactSecrets(text, secrets)
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}

/**
 * A request id as received when it has a request id's shape and holds no secret; otherwise null. Never a redacted
 * or shortened version: an id that had to be edited no longer finds the request in anyone's logs.
 */
export function sanitizeRequestId(value: string | null | undefined, secrets: readonly string[] = []): string | null {
  if (value == null || !REQUEST_ID.test(value)) return null;
  return redactSecrets(value, secrets) === value ? value : null;
}
