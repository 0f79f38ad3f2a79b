/**
 * The prefork server on real sockets: binds, workers, crash recovery, boot
 * errors and how responses go out on the wire. Signals are in signals.test.ts.
 */
import { spawn } from 'node:child_process';
import { lstatSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_FAILURE } from '../fixtures/server/apps.js';
import {
  ensureBuilt,
  errorCode,
  freePort,
  isAlive,
  killAll,
  parseRaw,
  rawExchange,
  request,
  startServer,
} from './helpers.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => killAll());

const socketPaths: string[] = [];
function socketPath(): string {
  const path = join(tmpdir(), `tsgate-serve-${process.pid}-${socketPaths.length}-${Date.now()}.sock`);
  socketPaths.push(path);
  return path;
}
afterAll(() => {
  for (const path of socketPaths) rmSync(path, { force: true });
});

/** Leaves a unix socket file behind the way a crashed server does: listen, then SIGKILL. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`socket holder exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Decodes a chunked body, checking its framing. */
function dechunk(body: Buffer): { data: string; chunks: number } {
  let offset = 0;
  let data = '';
  let chunks = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd === -1) throw new Error(`unterminated chunk size line in ${JSON.stringify(body.toString())}`);
    const size = parseInt(body.subarray(offset, lineEnd).toString(), 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size in ${JSON.stringify(body.toString())}`);
    offset = lineEnd + 2;
    if (size === 0) {
      expect(body.subarray(offset).toString()).toBe('\r\n');
      return { data, chunks };
    }
    data += body.subarray(offset, offset + size).toString();
    chunks += 1;
    offset += size;
    expect(body.subarray(offset, offset + 2).toString()).toBe('\r\n');
    offset += 2;
  }
}

describe('binds', () => {
  it('answers on a TCP address and a unix socket at once, replacing a stale socket file', async () => {
    const port = await freePort();
    const path = socketPath();
    await staleSocket(path);
    expect(lstatSync(path).isSocket()).toBe(true);
    await expect(request({ socketPath: path })).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const server = await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`, `unix:${path}`], workers: 1 });
    expect(server.stderr).toContain(`Listening at: http://127.0.0.1:${port} (${server.pid})`);
    expect(server.stderr).toContain(`Listening at: unix:${path} (${server.pid})`);
    // (tmpfs may reuse the inode number, so the proof of replacement is that the socket answers.)
    expect(lstatSync(path).isSocket()).toBe(true);

    const [worker] = server.bootedPids();
    const overTcp = await request({ port });
    expect(overTcp.status).toBe(200);
    expect(overTcp.body).toBe(`hello from ${worker} /\n`);
    const overUnix = await request({ socketPath: path, path: '/via-unix' });
    expect(overUnix.status).toBe(200);
    expect(overUnix.headers['x-worker-pid']).toBe(String(worker));
    expect(overUnix.body).toBe(`hello from ${worker} /via-unix\n`);

    // A graceful stop removes the socket file it created.
    server.signal('SIGTERM');
    expect(await server.waitForExit(), server.stderr).toEqual({ code: 0, signal: null });
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
  });

  it('never removes a file at a unix bind path that is not a socket', async () => {
    const path = socketPath();
    writeFileSync(path, 'not a socket\n');
    const server = await startServer({ app: 'hello', binds: [`unix:${path}`], workers: 1, waitReady: false });
    // The primary binds before it forks any worker: one clear line, exit 1 (as gunicorn).
    expect(await server.waitForExit(), server.stderr).toEqual({ code: 1, signal: null });
    expect(server.stderr).toContain(`[ERROR] cannot listen at unix:${path}: address already in use (EADDRINUSE)`);
    expect(server.stderr).not.toContain('Booting worker');
    expect(lstatSync(path).isFile()).toBe(true);
  });
});

describe('workers', () => {
  it('spreads connections over 2 worker processes', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 2 });
    const booted = server.bootedPids();
    expect(booted).toHaveLength(2);
    expect(new Set(booted).size).toBe(2);
    expect(booted).not.toContain(server.pid);

    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const reply = await request({ port });
      expect(reply.status).toBe(200);
      seen.add(Number(reply.headers['x-worker-pid']));
    }
    expect([...seen].sort()).toEqual([...booted].sort());
  });

  it('8 keep-alive clients that connect at once get 4 connections from each of 2 workers', async () => {
    // With one shared socket that every worker accepted on, the first worker
    // to wake took the whole burst and the other served none of them.
    const port = await freePort();
    const server = await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 2 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const replies = await Promise.all(Array.from({ length: 8 }, () => request({ port, agent })));
      expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
      const perWorker = new Map<string, number>();
      for (const reply of replies) perWorker.set(String(reply.headers['x-worker-pid']), (perWorker.get(String(reply.headers['x-worker-pid'])) ?? 0) + 1);
      expect([...perWorker.keys()].sort()).toEqual(server.bootedPids().map(String).sort());
      expect([...perWorker.values()]).toEqual([4, 4]);
    } finally {
      agent.destroy();
    }
  });

  it('replaces a worker killed with SIGKILL and keeps answering', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 2 });
    const [victim, survivor] = server.bootedPids() as [number, number];

    process.kill(victim, 'SIGKILL');
    await server.waitForLog(`Worker (pid:${victim}) exited with SIGKILL`);
    await server.waitForLog(/Booting worker with pid: \d+\n/, 3);
    const replacement = server.bootedPids()[2] as number;
    expect([victim, survivor]).not.toContain(replacement);
    expect(isAlive(victim)).toBe(false);

    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const reply = await request({ port });
      expect(reply.status).toBe(200);
      seen.add(Number(reply.headers['x-worker-pid']));
    }
    expect([...seen].sort()).toEqual([survivor, replacement].sort());
    expect(server.exit, server.stderr).toBeUndefined();
  });

  it('exits with code 3 and prints the error once when the app cannot load', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'boot-fail', binds: [`127.0.0.1:${port}`], workers: 2, waitReady: false });
    expect(await server.waitForExit(), server.stderr).toEqual({ code: 3, signal: null });
    expect(server.count(BOOT_FAILURE)).toBe(1);
    expect(server.count('Worker failed to boot')).toBe(1);
    // The stack of the failure comes along, so the user sees where it was thrown.
    expect(server.stderr).toMatch(new RegExp(`Worker failed to boot:\\nError: ${BOOT_FAILURE}\\n +at loadApp \\(`));
    expect(server.stderr).not.toContain('Listening at');
    await expect(request({ port })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('responses on the wire', () => {
  it('answers an app exception with a 500, logs the stack, and the worker keeps serving', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'throws', binds: [`127.0.0.1:${port}`], workers: 1 });
    const [worker] = server.bootedPids();

    const failed = await request({ port, path: '/boom' });
    expect(failed.status).toBe(500);
    expect(failed.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(failed.body).toBe('Internal Server Error\n');
    await server.waitForLog('Error handling GET /boom: Error: fixture boom: the view failed\n');
    expect(server.stderr).toMatch(/fixture boom: the view failed\n +at throws \(.*apps\.js:\d+:\d+\)/);

    const next = await request({ port, path: '/after' });
    expect(next.status).toBe(200);
    expect(next.body).toBe(`hello from ${worker} /after\n`);
    expect(server.bootedPids()).toEqual([worker]);
    expect(server.stderr).not.toContain('exited with');
  });

  it('sends no body bytes for HEAD but the length GET would have', async () => {
    const port = await freePort();
    await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 1 });
    const get = parseRaw(await rawExchange(port, 'GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'));
    expect(get.statusLine).toBe('HTTP/1.1 200 OK');
    expect(get.body.length).toBeGreaterThan(0);
    expect(get.headers.get('content-length')).toBe(String(get.body.length));

    const head = parseRaw(await rawExchange(port, 'HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'));
    expect(head.statusLine).toBe('HTTP/1.1 200 OK');
    expect(head.headers.get('content-length')).toBe(String(get.body.length));
    expect(head.body.length).toBe(0);
  });

  it('chunks a streamed body without Content-Length on HTTP/1.1 and closes on HTTP/1.0', async () => {
    const port = await freePort();
    await startServer({ app: 'stream', binds: [`127.0.0.1:${port}`], workers: 1 });

    const http11 = parseRaw(await rawExchange(port, 'GET /stream HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'));
    expect(http11.statusLine).toBe('HTTP/1.1 200 OK');
    expect(http11.headers.get('transfer-encoding')).toBe('chunked');
    expect(http11.headers.has('content-length')).toBe(false);
    expect(dechunk(http11.body)).toEqual({ data: 'one,two,three', chunks: 3 });

    const http10 = parseRaw(await rawExchange(port, 'GET /stream HTTP/1.0\r\nHost: t\r\n\r\n'));
    expect(http10.statusLine).toMatch(/^HTTP\/1\.[01] 200 OK$/);
    expect(http10.headers.has('transfer-encoding')).toBe(false);
    expect(http10.headers.has('content-length')).toBe(false);
    expect(http10.body.toString()).toBe('one,two,three');
  });

  it('cuts the connection when the app sends less than its Content-Length', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'short', binds: [`127.0.0.1:${port}`], workers: 1 });
    const started = Date.now();
    const outcome = await new Promise<{ status: number; length: string | undefined; received: number; error: string }>(
      (resolve) => {
        let received = 0;
        let status = 0;
        let length: string | undefined;
        const req = http.get({ host: '127.0.0.1', port, path: '/short', agent: false }, (res) => {
          status = res.statusCode ?? 0;
          length = res.headers['content-length'];
          res.on('data', (chunk: Buffer) => (received += chunk.length));
          res.on('error', (error) => resolve({ status, length, received, error: errorCode(error) }));
          res.on('end', () => resolve({ status, length, received, error: 'complete' }));
        });
        req.on('error', (error) => resolve({ status, length, received, error: errorCode(error) }));
        req.setTimeout(5000, () => req.destroy(new Error('hung: no end and no cut within 5 s')));
      },
    );
    expect(outcome.status).toBe(200);
    expect(outcome.length).toBe('100');
    expect(outcome.received).toBeLessThan(100);
    expect(outcome.error).toBe('ECONNRESET');
    expect(Date.now() - started).toBeLessThan(2000);
    await server.waitForLog('sent 10 of the 100 bytes its Content-Length promised');

    const next = await request({ port, path: '/' });
    expect(next.status).toBe(200);
  });
});
