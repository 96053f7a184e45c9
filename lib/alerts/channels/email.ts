/**
 * Email over SMTP with nodemailer: subject = the title, a text part and an HTML part (upstream text entity-escaped).
 * The smtp(s):// URL carries the password, and nodemailer's errors can quote the server's answers or the auth
 * exchange, so every error is redacted of the URL's parts before it leaves.
 */
import { createTransport } from "nodemailer";
import { buildMessage, messageLines, SEVERITY_COLOUR, type AlertMessage } from "@/lib/alerts/message";
import { escapeHtml } from "@/lib/alerts/text";
import { urlSecrets } from "@/lib/alerts/channels/http";
import type { Channel, ChannelConfig, DeliveryOutcome } from "@/lib/alerts/types";
import { sanitizeMessage } from "@/probes/sanitize";

// Errors nodemailer raises before or without an SMTP reply that no retry can fix.
const PERMANENT_CODES = new Set(["EAUTH", "ENOAUTH", "EENVELOPE", "ECONFIG", "EMESSAGE", "EREQUIRETLS"]);

/** The HTML part: every value escaped, links only http(s) (message.ts checked them). */
export function emailHtml(message: AlertMessage): string {
  const colour = `#${SEVERITY_COLOUR[message.severity].toString(16).padStart(6, "0")}`;
  const rows = message.facts.map((f) => `<tr><th align="left" valign="top" style="padding:2px 12px 2px 0">${escapeHtml(f.label)}</th><td style="padding:2px 0">${escapeHtml(f.value)}</td></tr>`);
  const links = message.links.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`);
  return [
    `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#101828">`,
    `<div style="border-left:4px solid ${colour};padding:8px 16px">`,
    `<h2 style="margin:0 0 8px">${escapeHtml(message.title)}</h2>`,
    `<p>${escapeHtml(message.summary)}</p>`,
    `<table style="border-collapse:collapse">${rows.join("")}</table>`,
    links.length ? `<p>${links.join(" · ")}</p>` : "",
    `<p style="color:#667085;font-size:12px">${escapeHtml(message.footer)}</p>`,
    `</div></body></html>`,
  ].join("\n");
}

/** An SMTP reply or nodemailer error as an outcome: 4xx replies and network trouble retry, 5xx and auth do not. */
export function emailOutcome(error: unknown, where: string, secrets: readonly string[], aborted: boolean): DeliveryOutcome {
  const err = (error ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const status = typeof err.responseCode === "number" ? err.responseCode : null;
  const code = typeof err.code === "string" ? err.code : null;
  const retryable = aborted || (status !== null ? status < 500 : !(code && PERMANENT_CODES.has(code)));
  const reason = aborted ? "no answer in time or aborted" : `${code ?? "error"}${status ? ` ${status}` : ""}: ${String(err.message ?? error)}`;
  return { ok: false, retryable, status, retryAfterMs: null, error: `${where}: ${sanitizeMessage(reason, secrets, 200)}` };
}

/** An SMTP email channel; one connection per delivery (alerts are rare, and a pool would hold a login open). */
export function createEmailChannel(config: Extract<ChannelConfig, { type: "email" }>): Channel {
  const secrets = [config.url, ...urlSecrets(config.url)];
  const where = `email via ${new URL(config.url).host}`;
  return {
    name: config.name,
    type: "email",
    async send(event, signal) {
      const message = buildMessage(event);
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]);
      const t = config.timeoutMs;
      const transport = createTransport({ url: config.url, connectionTimeout: t, greetingTimeout: t, socketTimeout: t });
      try {
        await transport.sendMail({
          from: config.from,
          to: config.to,
          subject: message.title,
          text: messageLines(message).join("\n"),
          html: emailHtml(message),
          headers: { "X-Witness-Event": event.id },
          signal: deadline,
        });
        return { ok: true, status: 250 };
      } catch (error) {
        return emailOutcome(error, where, secrets, deadline.aborted);
      } finally {
        transport.close();
      }
    },
  };
}
