/** The mail tests' real SMTP server (test/fixtures/mail/smtpd.py, Debian's python3-aiosmtpd), plain, for the reset email. */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { freePort } from '../helpers/process.js';

export const AIOSMTPD = spawnSync('/usr/bin/python3', ['-c', 'import aiosmtpd'], { encoding: 'utf8' }).status === 0;
const SMTPD = fileURLToPath(new URL('../fixtures/mail/smtpd.py', import.meta.url));

export interface Received {
  from: string;
  to: string[];
  data: string;
}

export interface SmtpServer {
  port: number;
  next(): Promise<Received>;
  stop(): void;
}

export async function startSmtp(): Promise<SmtpServer> {
  const port = await freePort();
  const child = spawn('/usr/bin/python3', [SMTPD, String(port), 'plain'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const waiting: ((message: Received) => void)[] = [];
  const received: Received[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`smtpd.py exited with ${code}: ${errors}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'READY') return resolve();
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
    stop: () => child.kill('SIGTERM'),
  };
}

/** A message's text with quoted-printable undone (nodemailer folds long lines with `=`). */
export function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
