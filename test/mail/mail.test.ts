/**
 * tsgate/mail: EMAIL_URL parsing, the message checks (no header injection),
 * each backend — console, memory, file, and SMTP against a real server
 * (Debian's python3-aiosmtpd) with AUTH, STARTTLS and implicit TLS —
 * templated mail, and `manage test` keeping mail in the outbox.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkSettings } from '../../src/runtime/conf/checks.js';
import { configure, resetForTests, SETTINGS_MODULE_VARIABLE, TEST_RUN_VARIABLE } from '../../src/runtime/conf/settings.js';
import { DEFAULTS } from '../../src/runtime/conf/defaults.js';
import { createBackend, type BackendOptions } from '../../src/runtime/mail/backends.js';
import { checkMessage } from '../../src/runtime/mail/message.js';
import { closeMail, MailError, MailUrlError, outbox, parseMailUrl, sendMail, sendTemplatedMail, type EmailMessage, type SentMessage } from '../../src/runtime/mail/index.js';
import { freePort, tempDir } from '../helpers/process.js';
import { AIOSMTPD, startSmtp, type SmtpServer } from '../helpers/smtp.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/mail/', import.meta.url));
const SERVICES_REQUIRED = process.env.TSGATE_REQUIRE_SERVICES === '1';
if (!AIOSMTPD && SERVICES_REQUIRED) throw new Error("python3-aiosmtpd is missing (apt-get install python3-aiosmtpd): the SMTP tests need a real server");

const MESSAGE: EmailMessage = { to: 'ann@example.com', subject: 'Hello', text: 'Hi Ann' };

function options(overrides: Partial<BackendOptions> = {}): BackendOptions {
  return { baseDir: tempDir('tsgate-mail-'), timeout: 3, transportOptions: {}, label: 'test', write: () => {}, outbox: [], ...overrides };
}

describe('EMAIL_URL', () => {
  it('names each backend', () => {
    expect(parseMailUrl('console://')).toEqual({ backend: 'console' });
    expect(parseMailUrl('memory://')).toEqual({ backend: 'memory' });
    expect(parseMailUrl('file:///var/mail/site')).toEqual({ backend: 'file', folder: '/var/mail/site', relative: false });
    expect(parseMailUrl('file:sent%20mail')).toEqual({ backend: 'file', folder: 'sent mail', relative: true });
    expect(parseMailUrl('smtp://me%40example.com:p%2Fw@smtp.example.com')).toEqual({
      backend: 'smtp', host: 'smtp.example.com', port: 587, secure: false, startTls: 'required', user: 'me@example.com', password: 'p/w',
    });
    expect(parseMailUrl('smtps://smtp.example.com')).toMatchObject({ port: 465, secure: true, user: undefined });
    expect(parseMailUrl('smtp://127.0.0.1:2525')).toMatchObject({ port: 2525, startTls: 'opportunistic' });
    expect(parseMailUrl('smtp://relay.internal:25?starttls=never')).toMatchObject({ startTls: 'never' });
  });

  it.each([
    ['mailgun://key@x', /unknown scheme 'mailgun:'/],
    ['smtp://', /needs a host/],
    ['smtp://h?starttls=maybe', /\?starttls= must be required, opportunistic, never/],
    ['smtp://h?tls=1', /unknown option \?tls=/],
    ['smtps://h?starttls=never', /applies to smtp:\/\/ only/],
    ['file://host/x', /not a host/],
    ['file:', /needs a folder/],
    ['not a url', /not a URL/],
  ])('refuses %s with a message that says what to write', (url, message) => {
    expect(() => parseMailUrl(url)).toThrow(MailUrlError);
    expect(() => parseMailUrl(url)).toThrow(message);
  });

  it('is checked with the other settings, without echoing its password', () => {
    const problems = checkSettings({ ...DEFAULTS, ROOT_URLCONF: 'a.urls', WSGI_APPLICATION: 'a.wsgi:application', EMAIL_URL: 'smtp://u:hunter2@h?starttls=maybe', EMAIL_TIMEOUT: 0, DEFAULT_FROM_EMAIL: 'a@b\r\nBcc: c@d' });
    expect(problems).toEqual([
      expect.stringMatching(/^EMAIL_URL is not usable: \?starttls= must be/),
      expect.stringMatching(/^DEFAULT_FROM_EMAIL must be one address on one line/),
      expect.stringMatching(/^EMAIL_TIMEOUT must be a whole number of seconds above 0/),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});

describe('a message', () => {
  it.each([
    [{ ...MESSAGE, subject: 'Hi\r\nBcc: everyone@example.com' }, /subject holds a line break/],
    [{ ...MESSAGE, to: ['ann@example.com', 'x@example.com\nBcc: y@example.com'] }, /to: an address holds a line break/],
    [{ ...MESSAGE, headers: { 'X-Tag': 'a\nBcc: y@example.com' } }, /headers\['X-Tag'\] holds a line break/],
    [{ ...MESSAGE, headers: { 'Bad Name': 'x' } }, /'Bad Name' is not a header name/],
    [{ subject: 'Hi', text: 'x' }, /no recipient/],
    [{ to: 'ann@example.com', subject: 'Hi' }, /no body/],
    [{ ...MESSAGE, to: [''] }, /non-empty string/],
  ])('is refused when it cannot be sent safely (%#)', (message, error) => {
    expect(() => checkMessage(message, 'site@example.com')).toThrow(MailError);
    expect(() => checkMessage(message, 'site@example.com')).toThrow(error);
  });

  it('takes DEFAULT_FROM_EMAIL when it names no sender, and lists every address field', () => {
    expect(checkMessage({ ...MESSAGE, cc: 'bo@example.com' }, 'Site <site@example.com>')).toMatchObject({
      from: 'Site <site@example.com>', to: ['ann@example.com'], cc: ['bo@example.com'], bcc: [], replyTo: [],
    });
    expect(checkMessage({ ...MESSAGE, from: 'me@example.com' }, 'site@example.com').from).toBe('me@example.com');
  });
});

describe('the backends', () => {
  it('console:// prints the whole message, then a separator', async () => {
    let printed = '';
    const sent = await createBackend({ backend: 'console' }, options({ write: (text) => (printed += text) })).send(checkMessage(MESSAGE, 'site@example.com'));
    expect(printed).toContain('To: ann@example.com\n');
    expect(printed).toContain('Subject: Hello\n');
    expect(printed).toContain('Hi Ann');
    expect(printed).toMatch(/\n-{79}\n$/);
    expect(printed).toContain(`Message-ID: ${sent.messageId}`);
  });

  it('memory:// keeps each message, with its fields and its text, in order', async () => {
    const kept: SentMessage[] = [];
    const backend = createBackend({ backend: 'memory' }, options({ outbox: kept }));
    await backend.send(checkMessage(MESSAGE, 'site@example.com'));
    await backend.send(checkMessage({ ...MESSAGE, to: 'bo@example.com', html: '<b>Hi</b>' }, 'site@example.com'));
    expect(kept.map((message) => message.to)).toEqual([['ann@example.com'], ['bo@example.com']]);
    expect(kept[1]?.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(kept[1]?.raw).toContain('<b>Hi</b>');
  });

  it('file: writes one .eml file per message, whole, into a folder relative to the project', async () => {
    const base = tempDir('tsgate-mail-file-');
    const backend = createBackend(parseMailUrl('file:sent/mail'), options({ baseDir: base }));
    await backend.send(checkMessage(MESSAGE, 'site@example.com'));
    await backend.send(checkMessage({ ...MESSAGE, subject: 'Second' }, 'site@example.com'));
    const folder = join(base, 'sent', 'mail');
    const files = readdirSync(folder);
    expect(files).toHaveLength(2);
    expect(files.every((file) => file.endsWith('.eml'))).toBe(true);
    const texts = files.map((file) => readFileSync(join(folder, file), 'utf8'));
    expect(texts.some((text) => text.includes('Subject: Second'))).toBe(true);
    expect(texts.every((text) => text.includes('Hi Ann'))).toBe(true);
  });
});

describe.skipIf(!AIOSMTPD)('SMTP, against a real server', () => {
  const servers: SmtpServer[] = [];
  let cert: { cert: string; key: string; pem: string };

  beforeAll(() => {
    const dir = tempDir('tsgate-mail-tls-');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    cert = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), pem: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  });
  afterAll(() => servers.forEach((server) => server.stop()));
  const start = async (mode: 'plain' | 'starttls' | 'smtps') => {
    const server = await startSmtp(mode, mode === 'plain' ? undefined : cert);
    servers.push(server);
    return server;
  };
  const send = (url: string, message: EmailMessage = MESSAGE, transportOptions: Record<string, unknown> = {}) =>
    createBackend(parseMailUrl(url), options({ label: url.replace(/:[^:@/]*@/, ':***@'), transportOptions })).send(checkMessage(message, 'Site <site@example.com>'));

  it('delivers with AUTH over STARTTLS: the envelope has every recipient, Bcc is not in the text', async () => {
    const server = await start('starttls');
    await send(`smtp://user:secret@127.0.0.1:${server.port}?starttls=required`, { ...MESSAGE, cc: 'cy@example.com', bcc: 'hidden@example.com' }, { tls: { ca: [cert.pem] } });
    const got = await server.next();
    expect(got).toMatchObject({ from: 'site@example.com', tls: true, authenticated: true });
    expect(got.to.sort()).toEqual(['ann@example.com', 'cy@example.com', 'hidden@example.com']);
    expect(got.data).toContain('Subject: Hello');
    expect(got.data).not.toContain('hidden@example.com');
  });

  it('delivers over implicit TLS with smtps://', async () => {
    const server = await start('smtps');
    await send(`smtps://user:secret@127.0.0.1:${server.port}`, MESSAGE, { tls: { ca: [cert.pem] } });
    expect(await server.next()).toMatchObject({ tls: true, authenticated: true, to: ['ann@example.com'] });
  });

  it('refuses a certificate it cannot verify', async () => {
    const server = await start('smtps');
    await expect(send(`smtps://user:secret@127.0.0.1:${server.port}`)).rejects.toThrow(/Cannot send mail through EMAIL_URL \(smtps:\/\/user:\*\*\*@/);
  });

  it('will not send the password in clear when STARTTLS is required and the server has none', async () => {
    const server = await start('plain');
    const failure = await send(`smtp://user:secret@127.0.0.1:${server.port}?starttls=required`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailError);
    expect(String(failure)).not.toContain('secret');
  });

  it('says which server it could not reach, without the password', async () => {
    const port = await freePort();
    const failure = await send(`smtp://user:secret@127.0.0.1:${port}`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailError);
    expect(String(failure)).toMatch(/Cannot send mail through EMAIL_URL \(smtp:\/\/user:\*\*\*@127\.0\.0\.1:\d+\): .*ECONNREFUSED/);
    expect(String(failure)).not.toContain('secret');
  });

  it('a wrong password is the server\'s refusal, named', async () => {
    const server = await start('plain');
    await expect(send(`smtp://user:wrong@127.0.0.1:${server.port}`)).rejects.toThrow(/Cannot send mail through EMAIL_URL .*(Invalid login|535)/);
  });
});

describe('sendMail and sendTemplatedMail, with the settings', () => {
  afterEach(() => {
    outbox.length = 0;
    closeMail();
    vi.unstubAllEnvs();
    resetForTests();
  });
  const use = async (module: string, env: Record<string, string> = {}) => {
    resetForTests();
    vi.stubEnv(SETTINGS_MODULE_VARIABLE, join(FIXTURES, module));
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    await configure();
  };

  it('sends from DEFAULT_FROM_EMAIL into the outbox', async () => {
    await use('settings.ts');
    await sendMail(MESSAGE);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ from: 'Site <noreply@example.com>', to: ['ann@example.com'], subject: 'Hello', text: 'Hi Ann' });
  });

  it('a refused message reaches no backend', async () => {
    await use('settings.ts');
    await expect(sendMail({ ...MESSAGE, subject: 'x\nBcc: all@example.com' })).rejects.toThrow(MailError);
    expect(outbox).toHaveLength(0);
  });

  it('renders the text (not escaped), the HTML (escaped) and a one-line subject from templates', async () => {
    await use('settings.ts');
    await sendTemplatedMail({ to: 'ann@example.com', template: 'registration/reset', context: { name: 'Ann <3', link: 'https://example.com/r?a=1&b=2', site: 'Example' } });
    const [message] = outbox;
    expect(message?.subject).toBe('Reset your password for Example');
    expect(message?.text).toBe('Hello Ann <3 & welcome.\nReset here: https://example.com/r?a=1&b=2\n');
    expect(message?.html).toContain('Hello Ann &lt;3 &amp; welcome.');
    expect(message?.html).toContain('href="https://example.com/r?a&#x3D;1&amp;b&#x3D;2"');
  });

  it('sends text alone when there is no HTML template, and names a missing template', async () => {
    await use('settings.ts');
    await sendTemplatedMail({ to: 'ann@example.com', template: 'registration/plain', context: { name: 'Ann' } });
    expect(outbox[0]).toMatchObject({ subject: 'Plain', text: 'Only text for Ann\n', html: undefined });
    await expect(sendTemplatedMail({ to: 'ann@example.com', template: 'registration/nothing' })).rejects.toThrow(/registration\/nothing\.txt/);
  });

  it('under manage test, mail goes to the outbox whatever EMAIL_URL says', async () => {
    await use('smtp-settings.ts', { [TEST_RUN_VARIABLE]: '1' });
    await sendMail(MESSAGE);
    expect(outbox).toHaveLength(1);
    expect(existsSync(FIXTURES)).toBe(true);
  });
});
