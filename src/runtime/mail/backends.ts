/**
 * The backends EMAIL_URL chooses between. Each takes a checked message and
 * sends or keeps it; nodemailer (loaded on the first message, so a worker
 * that sends no mail never loads it) builds the MIME text for all of them
 * and speaks SMTP for smtp:// and smtps://.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import { MailError, type CheckedMessage, type SentMessage } from './message.js';
import type { MailTarget } from '../conf/mail-url.js';

export interface MailBackend {
  send(message: CheckedMessage): Promise<SentMessage>;
  /** Closes open connections, so a command can exit. */
  close(): void;
}

export interface BackendOptions {
  /** For relative file:// folders. */
  baseDir: string;
  /** Seconds to wait for the SMTP server at each step. */
  timeout: number;
  /** Passed to nodemailer's transport as is (e.g. `{ tls: { ca } }`). */
  transportOptions: Readonly<Record<string, unknown>>;
  /** `smtp://user:***@host:587`, for messages. */
  label: string;
  /** Where console:// writes. */
  write: (text: string) => void;
  /** memory://'s list. */
  outbox: SentMessage[];
}

type Nodemailer = typeof import('nodemailer');
let nodemailer: Promise<Nodemailer> | undefined;
const loadNodemailer = () => (nodemailer ??= import('nodemailer'));

/** The message as nodemailer takes it. */
function toNodemailer(message: CheckedMessage) {
  return {
    from: message.from,
    to: message.to,
    cc: message.cc,
    bcc: message.bcc,
    replyTo: message.replyTo,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: message.headers,
    attachments: message.attachments.map((item) => ({
      filename: item.filename,
      content: typeof item.content === 'string' ? item.content : Buffer.from(item.content),
      ...(item.contentType === undefined ? {} : { contentType: item.contentType }),
    })),
  };
}

/** Builds the RFC 5322 text of `message` without sending it. */
async function compose(message: CheckedMessage): Promise<SentMessage> {
  const { createTransport } = await loadNodemailer();
  const info = await createTransport({ streamTransport: true, buffer: true, newline: 'unix' }).sendMail(toNodemailer(message));
  return { ...message, messageId: info.messageId, raw: (info.message as Buffer).toString('utf8') };
}

function consoleBackend(options: BackendOptions): MailBackend {
  return {
    async send(message) {
      const sent = await compose(message);
      options.write(`${sent.raw}\n${'-'.repeat(79)}\n`);
      return sent;
    },
    close() {},
  };
}

function memoryBackend(options: BackendOptions): MailBackend {
  return {
    async send(message) {
      const sent = await compose(message);
      options.outbox.push(sent);
      return sent;
    },
    close() {},
  };
}

function fileBackend(folder: string): MailBackend {
  return {
    async send(message) {
      const sent = await compose(message);
      await mkdir(folder, { recursive: true });
      // Written beside, then renamed: a reader of the folder never sees half a message.
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(6).toString('hex')}.eml`;
      const partial = join(folder, `.${name}.part`);
      await writeFile(partial, sent.raw, { flag: 'wx' });
      await rename(partial, join(folder, name));
      return sent;
    },
    close() {},
  };
}

function smtpBackend(target: Extract<MailTarget, { backend: 'smtp' }>, options: BackendOptions): MailBackend {
  let transport: Promise<Transporter> | undefined;
  const open = async () => {
    const { createTransport } = await loadNodemailer();
    const milliseconds = options.timeout * 1000;
    return createTransport({
      host: target.host,
      port: target.port,
      secure: target.secure,
      requireTLS: target.startTls === 'required',
      ignoreTLS: target.startTls === 'never',
      ...(target.user === undefined ? {} : { auth: { user: target.user, pass: target.password ?? '' } }),
      connectionTimeout: milliseconds,
      greetingTimeout: milliseconds,
      socketTimeout: milliseconds,
      ...options.transportOptions,
    });
  };
  return {
    async send(message) {
      transport ??= open();
      try {
        const info = await (await transport).sendMail(toNodemailer(message));
        return { ...message, messageId: String(info.messageId), raw: '' };
      } catch (error) {
        const cause = error instanceof Error ? error.message : String(error);
        const safe = target.password ? cause.split(target.password).join('***') : cause;
        throw new MailError(`Cannot send mail through EMAIL_URL (${options.label}): ${safe}`, { cause: error });
      }
    },
    close() {
      void transport?.then((open) => open.close());
      transport = undefined;
    },
  };
}

export function createBackend(target: MailTarget, options: BackendOptions): MailBackend {
  switch (target.backend) {
    case 'console':
      return consoleBackend(options);
    case 'memory':
      return memoryBackend(options);
    case 'file':
      return fileBackend(target.relative ? join(options.baseDir, target.folder) : target.folder);
    case 'smtp':
      return smtpBackend(target, options);
  }
}
