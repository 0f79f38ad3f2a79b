/**
 * An email as a view or task writes it, and the checks it passes before any
 * backend sees it: a recipient, a body, and no line break in a header (the
 * way a header is injected: `Subject: hi\r\nBcc: everyone`), as Django's
 * BadHeaderError.
 */

export type Addresses = string | readonly string[];

export interface Attachment {
  filename: string;
  content: string | Uint8Array;
  /** Guessed from the file name when absent. */
  contentType?: string;
}

export interface EmailMessage {
  to?: Addresses;
  cc?: Addresses;
  bcc?: Addresses;
  subject: string;
  /** The plain-text body; give `text`, `html` or both. */
  text?: string;
  html?: string;
  /** DEFAULT_FROM_EMAIL when absent. */
  from?: string;
  replyTo?: Addresses;
  headers?: Readonly<Record<string, string>>;
  attachments?: readonly Attachment[];
}

/** A message after the checks: every address list an array, the sender filled in. */
export interface CheckedMessage {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  text: string | undefined;
  html: string | undefined;
  headers: Record<string, string>;
  attachments: Attachment[];
}

/** A message a backend has taken: the checked fields, its Message-ID and the RFC 5322 text as sent. */
export interface SentMessage extends CheckedMessage {
  messageId: string;
  /** The whole message as it went out (for console://, file:// and memory://; empty for SMTP). */
  raw: string;
}

export class MailError extends Error {
  override name = 'MailError';
}

const LINE_BREAK = /[\r\n]/;
const HEADER_NAME = /^[!-9;-~]+$/;

function list(value: Addresses | undefined, field: string): string[] {
  const items = value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
  for (const item of items) {
    if (typeof item !== 'string' || item.trim() === '') throw new MailError(`${field}: an address must be a non-empty string`);
    if (LINE_BREAK.test(item)) throw new MailError(`${field}: an address holds a line break (header injection?): refused`);
  }
  return items.map((item) => item.trim());
}

function header(value: string, field: string): string {
  if (LINE_BREAK.test(value)) throw new MailError(`${field} holds a line break (header injection?): refused. Put a one-line value in ${field}.`);
  return value;
}

/** Checks `message` and fills in the sender; throws a MailError that says what is wrong. */
export function checkMessage(message: EmailMessage, defaultFrom: string): CheckedMessage {
  if (typeof message.subject !== 'string') throw new MailError('subject must be a string');
  const to = list(message.to, 'to');
  const cc = list(message.cc, 'cc');
  const bcc = list(message.bcc, 'bcc');
  if (to.length + cc.length + bcc.length === 0) throw new MailError('the message has no recipient: give to, cc or bcc');
  if (message.text === undefined && message.html === undefined) throw new MailError('the message has no body: give text, html or both');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new MailError(`headers: '${name}' is not a header name`);
    headers[name] = header(String(value), `headers['${name}']`);
  }
  const from = list(message.from ?? defaultFrom, 'from');
  if (from.length !== 1) throw new MailError('from must be one address');
  return {
    from: from[0] as string,
    to,
    cc,
    bcc,
    replyTo: list(message.replyTo, 'replyTo'),
    subject: header(message.subject, 'subject'),
    text: message.text,
    html: message.html,
    headers,
    attachments: [...(message.attachments ?? [])],
  };
}
