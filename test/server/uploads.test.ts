/**
 * Uploads over the body limit (10 MB by default) on real sockets: every
 * client gets its 413, whether it reads while it sends (curl, browsers) or
 * sends its whole body first (many HTTP libraries). The server reads and
 * throws away what still arrives after the answer instead of resetting the
 * connection under it (nginx's lingering close); `Expect: 100-continue`
 * gets the 413 before the body is sent.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killAll, startServer } from './helpers.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => killAll());

const MB = 1024 * 1024;
const BODY = Buffer.alloc(50 * MB, 0x61);
const DEADLINE_MS = 20_000;

/** Streams `size` bytes with back-pressure, as curl does, and stops sending once an answer arrives; resolves to its status line or the error. */
function streamingUpload(port: number, size: number): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', agent: false, headers: { 'Content-Length': size } }, (res) => {
      settle(`${res.statusCode}`);
    });
    req.on('error', (error: NodeJS.ErrnoException) => settle(error.code ?? error.message));
    const timer = setTimeout(() => settle('no answer'), DEADLINE_MS);
    let sent = 0;
    const pump = () => {
      while (!settled && sent < size) {
        const chunk = BODY.subarray(0, Math.min(64 * 1024, size - sent));
        sent += chunk.byteLength;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!settled) req.end();
    };
    pump();
  });
}

/** Writes a raw request (head and body) all at once, reading nothing until then; resolves to what came back, or the error. */
function rawUpload(port: number, head: string, body: Buffer | undefined): Promise<string> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      if (body) socket.write(body);
    });
    const done = (outcome?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome ?? Buffer.concat(received).toString('latin1'));
    };
    const timer = setTimeout(() => done('no answer'), DEADLINE_MS);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => done());
    socket.on('error', (error: NodeJS.ErrnoException) => done(received.length > 0 ? undefined : (error.code ?? error.message)));
  });
}

const head = (length: number, extra = '') => `POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${length}\r\n${extra}\r\n`;

/** An unending chunked body (`size` bytes in 64 KiB chunks). */
function chunked(size: number): Buffer {
  const parts: Buffer[] = [];
  for (let sent = 0; sent < size; sent += 64 * 1024) parts.push(Buffer.from(`10000\r\n`), BODY.subarray(0, 64 * 1024), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

describe('uploads over the body limit', () => {
  it('12 uploads of 11–50 MB at once, streamed or sent whole, Content-Length or chunked: every client gets the 413', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'upload', binds: [`127.0.0.1:${port}`], workers: 2 });
    const sizes = [11, 15, 20, 30, 40, 50].map((mb) => mb * MB);
    const outcomes = await Promise.all([
      ...sizes.map((size) => streamingUpload(port, size)),
      ...sizes.slice(0, 4).map((size) => rawUpload(port, head(size), BODY.subarray(0, size)).then((raw) => raw.split('\r\n')[0])),
      ...[12, 30].map((mb) =>
        rawUpload(port, 'POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n', chunked(mb * MB)).then((raw) => raw.split('\r\n')[0]),
      ),
    ]);
    expect(outcomes, server.stderr).toEqual([
      ...sizes.map(() => '413'),
      ...sizes.slice(0, 4).map(() => 'HTTP/1.1 413 Content Too Large'),
      'HTTP/1.1 413 Content Too Large',
      'HTTP/1.1 413 Content Too Large',
    ]);
    // The workers serve on.
    expect(await streamingUpload(port, 1000)).toBe('200');
  }, 60_000);

  it('Expect: 100-continue with a Content-Length over the limit gets the 413 at once, never 100 Continue', async () => {
    const port = await freePort();
    await startServer({ app: 'upload', binds: [`127.0.0.1:${port}`], workers: 1 });
    const raw = await rawUpload(port, head(20 * MB, 'Expect: 100-continue\r\n'), undefined);
    expect(raw).toMatch(/^HTTP\/1\.1 413 Content Too Large\r\n/);
    expect(raw).not.toContain('100 Continue');
    expect(raw).toMatch(/\r\nConnection: close\r\n/i);
  });

  it('Expect: 100-continue within the limit gets 100 Continue, then the answer', async () => {
    const port = await freePort();
    await startServer({ app: 'upload', binds: [`127.0.0.1:${port}`], workers: 1 });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(head(1024, 'Expect: 100-continue\r\nConnection: close\r\n')));
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        // The body goes out only after the interim answer.
        if (text === '' && chunk.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) socket.write(BODY.subarray(0, 1024));
        text += chunk;
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/received 1024 bytes\n$/);
  });
});
