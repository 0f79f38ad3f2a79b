/**
 * `sendMail()` and `sendTemplatedMail()`: the project's email, sent by the
 * backend EMAIL_URL names, from DEFAULT_FROM_EMAIL unless the message says.
 * The backend is made on the first message of the process and kept.
 */
import { redactUrl } from '../logging/index.js';
import { settings } from '../conf/settings.js';
import { createBackend, type MailBackend } from './backends.js';
import { checkMessage, type EmailMessage, type SentMessage } from './message.js';
import { parseMailUrl } from '../conf/mail-url.js';

/**
 * The messages memory:// has taken, oldest first: what a test reads, as
 * Django's `mail.outbox`. `outbox.length = 0` empties it.
 */
export const outbox: SentMessage[] = [];

let current: { url: string; backend: MailBackend } | undefined;

function backend(): MailBackend {
  const url = settings.EMAIL_URL;
  if (current?.url === url) return current.backend;
  current?.backend.close();
  const made = createBackend(parseMailUrl(url), {
    baseDir: settings.BASE_DIR ?? process.cwd(),
    timeout: settings.EMAIL_TIMEOUT,
    transportOptions: settings.EMAIL_OPTIONS,
    label: redactUrl(url),
    write: (text) => process.stdout.write(text),
    outbox,
  });
  current = { url, backend: made };
  return made;
}

/**
 * Sends one message. Throws a MailError for a message that cannot be sent
 * (no recipient, a line break in a header, the server refused it); the
 * error names EMAIL_URL without its password.
 */
export async function sendMail(message: EmailMessage): Promise<SentMessage> {
  return backend().send(checkMessage(message, settings.DEFAULT_FROM_EMAIL));
}

export interface TemplatedMail extends Omit<EmailMessage, 'subject' | 'text' | 'html'> {
  /**
   * The templates' common name: `registration/password_reset` renders
   * `registration/password_reset.txt` (the text body), `….html` when it
   * exists (the HTML body) and `…_subject.txt` (the subject, on one line)
   * from the project's and apps' template folders.
   */
  template: string;
  context?: Record<string, unknown>;
  /** Instead of `…_subject.txt`. */
  subject?: string;
}

/** Renders a message from templates (text templates are not HTML-escaped), then sends it. */
export async function sendTemplatedMail(options: TemplatedMail): Promise<SentMessage> {
  const { template, context = {}, subject, ...message } = options;
  const { projectTemplates } = await import('../shortcuts.js');
  const { TemplateDoesNotExist } = await import('../templates/errors.js');
  const engine = projectTemplates();
  const optional = (name: string) => {
    try {
      return engine.render(name, context);
    } catch (error) {
      if (error instanceof TemplateDoesNotExist && error.templateName === name) return undefined;
      throw error;
    }
  };
  const html = optional(`${template}.html`);
  const text = optional(`${template}.txt`);
  if (text === undefined && html === undefined) throw new TemplateDoesNotExist(`${template}.txt`, engine.dirs);
  const line = subject ?? engine.render(`${template}_subject.txt`, context);
  return sendMail({ ...message, subject: line.replace(/\s+/g, ' ').trim(), ...(text === undefined ? {} : { text }), ...(html === undefined ? {} : { html }) });
}

/** Closes the SMTP connection, if one is open, so a command can exit at once. */
export function closeMail(): void {
  current?.backend.close();
  current = undefined;
}
