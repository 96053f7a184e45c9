import { createServer, type AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { createEmailChannel } from "@/lib/alerts/channels/email";
import { channelSchema, type ChannelConfig } from "@/lib/alerts/types";
import { hostileEvent, never, openedEvent, resolvedEvent } from "@/tests/unit/alert-support";

const USER = "witness-mailer";
const PASSWORD = "Sm7pSecretPassw0rd";

interface Mailbox {
  port: number;
  mails: ParsedMail[];
  authMethods: string[];
  close(): Promise<void>;
}

let open: Mailbox[] = [];
afterEach(async () => {
  await Promise.all(open.map((m) => m.close()));
  open = [];
});

/** A real SMTP server on 127.0.0.1 that checks AUTH and parses each message back. */
async function startMailbox(options: Partial<SMTPServerOptions> = {}): Promise<Mailbox> {
  const mails: ParsedMail[] = [];
  const authMethods: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      authMethods.push(auth.method);
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER });
      // A careless server that quotes the credentials back: nodemailer puts its reply in the error message.
      callback(new Error(`Invalid username or password (${auth.username}:${auth.password})`));
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch(callback);
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  const box = { port, mails, authMethods, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  open.push(box);
  return box;
}

function emailChannel(port: number, password = PASSWORD) {
  const config = channelSchema.parse({
    name: "mail",
    type: "email",
    url: `smtp://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    from: "Witness <witness@example.com>",
    to: ["oncall@example.com", "lead@example.com"],
    timeoutMs: 3_000,
  }) as Extract<ChannelConfig, { type: "email" }>;
  return createEmailChannel(config);
}

describe("email", () => {
  it.each(["PLAIN", "LOGIN"])("logs in with AUTH %s and sends subject = title, a text part and an HTML part", async (method) => {
    const box = await startMailbox({ authMethods: [method] });
    expect(await emailChannel(box.port).send(resolvedEvent(), never)).toEqual({ ok: true, status: 250 });
    expect(box.authMethods).toEqual([method]);
    const [mail] = box.mails;
    expect(mail!.subject).toBe("Claude API recovered after 23\u00a0min");
    expect(mail!.from?.text).toBe('"Witness" <witness@example.com>');
    expect(mail!.to && !Array.isArray(mail!.to) && mail!.to.value.map((a) => a.address)).toEqual(["oncall@example.com", "lead@example.com"]);
    expect(mail!.text).toContain("Failures: 56% of requests failed: 12 overloaded (HTTP 529), 3 server errors");
    expect(mail!.text).toContain("Official acknowledgement: The official page acknowledged it 1\u00a0h 12\u00a0min after it began");
    expect(mail!.html).toContain('<a href="https://witness.example/incidents/m-42">Incident on Witness</a>');
    expect(mail!.headers.get("x-witness-event")).toBe("incident.resolved:m-42");
  });

  it("escapes a hostile official update in the HTML part and keeps it as text in the text part", async () => {
    const box = await startMailbox();
    await emailChannel(box.port).send(hostileEvent(), never);
    const [mail] = box.mails;
    expect(mail!.html).not.toContain("<script>");
    expect(mail!.html).not.toContain("<b>bold</b>");
    expect(mail!.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(mail!.text).toContain("<script>alert(1)</script>");
  });

  it("a test event says TEST in the subject", async () => {
    const box = await startMailbox();
    await emailChannel(box.port).send(openedEvent({ test: true }), never);
    expect(box.mails[0]!.subject).toBe("TEST: Claude API is failing");
  });

  it("a wrong password is not retried, and the error names neither password nor user", async () => {
    const box = await startMailbox();
    const outcome = await emailChannel(box.port, "WrongSecretPassw0rd").send(openedEvent(), never);
    expect(outcome).toMatchObject({ ok: false, retryable: false, status: 535 });
    const error = outcome.ok ? "" : outcome.error;
    expect(error.startsWith(`email via 127.0.0.1:${box.port}: EAUTH 535`)).toBe(true);
    expect(error).not.toContain("WrongSecretPassw0rd");
    expect(error).not.toContain(USER);
  });

  it("a 4xx SMTP reply is retried, a 5xx is not", async () => {
    const busy = await startMailbox({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error("Mailbox busy, try later"), { responseCode: 451 }));
      },
    });
    expect(await emailChannel(busy.port).send(openedEvent(), never)).toMatchObject({ ok: false, retryable: true, status: 451 });
    const rejecting = await startMailbox({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error("No such user"), { responseCode: 550 }));
      },
    });
    expect(await emailChannel(rejecting.port).send(openedEvent(), never)).toMatchObject({ ok: false, retryable: false, status: 550 });
  });

  it("an unreachable server is retried, and the error never holds the password", async () => {
    const box = await startMailbox();
    const port = box.port;
    await box.close();
    open = [];
    const outcome = await emailChannel(port).send(openedEvent(), never);
    expect(outcome).toMatchObject({ ok: false, retryable: true, status: null });
    expect(outcome.ok ? "" : outcome.error).not.toContain(PASSWORD);
  });

  it("a server that accepts but never greets is given up within timeoutMs, retryable", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const started = Date.now();
    const outcome = await emailChannel((silent.address() as AddressInfo).port).send(openedEvent(), never);
    silent.close();
    expect(outcome).toMatchObject({ ok: false, retryable: true, status: null });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
