/**
 * The real SMTP server the mail and auth tests send to:
 * test/fixtures/mail/smtpd.py on Debian's python3-aiosmtpd, one process per
 * server, printing READY and then one JSON line per message it receives.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from './process.js';

export const AIOSMTPD = spawnSync('/usr/bin/python3', ['-c', 'import aiosmtpd'], { encoding: 'utf8' }).status === 0;
const SMTPD = fileURLToPath(new URL('../fixtures/mail/smtpd.py', import.meta.url));

export interface Received {
  from: string;
  to: string[];
  tls: boolean;
  authenticated: boolean;
  data: string;
}

export interface SmtpServer {
  port: number;
  /** The next message received, in order; waits for one when none is left. */
  next(): Promise<Received>;
  /** With `hold`: resolves when the next message's DATA has arrived and is being held (not answered yet). */
  held(): Promise<void>;
  /** With `hold`: answers the oldest held DATA, so its message is received. */
  release(): void;
  stop(): void;
}

export interface SmtpOptions {
  /** Hold each message at DATA until release(): a slow server, told apart by events rather than time. */
  hold?: boolean;
}

/** Starts the fixture SMTP server (plain, STARTTLS with `cert`, or implicit TLS) and waits until it listens. */
export async function startSmtp(mode: 'plain' | 'starttls' | 'smtps' = 'plain', cert?: { cert: string; key: string }, options: SmtpOptions = {}): Promise<SmtpServer> {
  const port = await freePort();
  const child = spawn('/usr/bin/python3', [SMTPD, String(port), mode, ...(cert ? [cert.cert, cert.key] : [])], {
    // stdin carries RELEASE lines in hold mode; without it, nothing is written there.
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SMTPD_HOLD: options.hold ? '1' : '0' },
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const waiting: ((message: Received) => void)[] = [];
  const received: Received[] = [];
  let holds = 0;
  const holdWaiters: (() => void)[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`smtpd.py exited with ${code}: ${errors}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'READY') return resolve();
      if (line === 'HELD') {
        const waiter = holdWaiters.shift();
        if (waiter) waiter();
        else holds += 1;
        return;
      }
      const message = JSON.parse(line) as Received;
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else received.push(message);
    });
  });
  return {
    port,
    next: () => {
      const ready = received.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    held: () => {
      if (holds > 0) {
        holds -= 1;
        return Promise.resolve();
      }
      return new Promise((resolve) => holdWaiters.push(resolve));
    },
    release: () => void child.stdin?.write('RELEASE\n'),
    stop: () => child.kill('SIGTERM'),
  };
}

/** A message's text with quoted-printable undone (nodemailer folds long lines with `=`). */
export function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
