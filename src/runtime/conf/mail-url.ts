/**
 * EMAIL_URL: which backend sends the project's email, as one URL.
 *
 *   console://                      print each message (development default)
 *   memory://                       keep each message in `outbox` (tests)
 *   file:///var/mail/site           one .eml file per message in that folder
 *   file:mail                       … a folder relative to the project
 *   smtp://user:pass@host:587       SMTP with STARTTLS (required, except on loopback)
 *   smtps://user:pass@host:465      SMTP over TLS from the first byte
 *
 * smtp:// takes `?starttls=required|opportunistic|never`. One parser for
 * the settings checks (conf/checks.ts) and for sending (mail/); it lives
 * here, below mail/, so that conf never imports mail.
 */

export type StartTls = 'required' | 'opportunistic' | 'never';

export type MailTarget =
  | { backend: 'console' }
  | { backend: 'memory' }
  | { backend: 'file'; folder: string; relative: boolean }
  | { backend: 'smtp'; host: string; port: number; secure: boolean; startTls: StartTls; user: string | undefined; password: string | undefined };

export class MailUrlError extends Error {
  override name = 'MailUrlError';
}

const SCHEMES = 'console://, memory://, file:///path, smtp://user:password@host:587 or smtps://user:password@host:465';
const START_TLS: readonly StartTls[] = ['required', 'opportunistic', 'never'];
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function decode(part: string): string | undefined {
  return part === '' ? undefined : decodeURIComponent(part);
}

function parseSmtp(url: URL, secure: boolean): MailTarget {
  if (url.hostname === '') throw new MailUrlError(`${url.protocol}// needs a host, e.g. ${url.protocol}//user:password@mail.example.com:${secure ? 465 : 587}`);
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  const given = url.searchParams.get('starttls');
  for (const key of url.searchParams.keys()) {
    if (key !== 'starttls') throw new MailUrlError(`unknown option ?${key}= (${url.protocol}// takes ?starttls=${START_TLS.join('|')})`);
  }
  if (given !== null && !START_TLS.includes(given as StartTls)) throw new MailUrlError(`?starttls= must be ${START_TLS.join(', ')}, got '${given}'`);
  if (secure && given !== null) throw new MailUrlError('smtps:// is TLS from the first byte: ?starttls= applies to smtp:// only');
  // A relay on this machine needs no TLS; anywhere else the password and mail must not cross the network in clear.
  const startTls = (given as StartTls | null) ?? (LOOPBACK.has(url.hostname) ? 'opportunistic' : 'required');
  return { backend: 'smtp', host: url.hostname.replace(/^\[|\]$/g, ''), port, secure, startTls, user: decode(url.username), password: decode(url.password) };
}

/** The backend an EMAIL_URL names; throws a MailUrlError that never repeats the password. */
export function parseMailUrl(text: string): MailTarget {
  const scheme = /^([a-z]+):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    const rest = text.slice('file:'.length);
    if (rest.startsWith('///')) return { backend: 'file', folder: decodeURIComponent(rest.slice(2)), relative: false };
    if (rest.startsWith('//')) throw new MailUrlError(`file:// takes a path, not a host: file:///absolute/folder or file:relative/folder`);
    if (rest === '') throw new MailUrlError('file: needs a folder, e.g. file:///var/mail/site or file:sent-mail');
    return { backend: 'file', folder: decodeURIComponent(rest), relative: true };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MailUrlError(`not a URL: use ${SCHEMES}`);
  }
  switch (url.protocol) {
    case 'console:':
      return { backend: 'console' };
    case 'memory:':
      return { backend: 'memory' };
    case 'smtp:':
      return parseSmtp(url, false);
    case 'smtps:':
      return parseSmtp(url, true);
    default:
      throw new MailUrlError(`unknown scheme '${url.protocol}' — use ${SCHEMES}`);
  }
}
