/**
 * What the server writes to its error log: a client that leaves mid-body is
 * a debug line, not an error with a stack; a reload says which workers leave
 * as well as which boot; counts are spelt right; with --log-json (what
 * `manage serve` sets when DEBUG is off) every line is a JSON object,
 * what the app writes to `wsgi.errors` included.
 */
import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, killAll, request, startServer } from './helpers.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => killAll());

/** Sends the head of a POST promising `length` bytes and `sent` of them, then drops the connection once the server has them. */
function abandonUpload(port: number, length: number, sent: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${length}\r\n\r\n`);
      socket.write(Buffer.alloc(sent, 0x61), () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

describe('error log', () => {
  it('a client that disconnects mid-body is logged at debug level, without a stack', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'upload', binds: [`127.0.0.1:${port}`], workers: 1, args: ['--log-level', 'debug'] });
    await abandonUpload(port, 100_000, 1000);
    await server.waitForLog(/\[DEBUG\] Client disconnected: the client disconnected after sending \d+ bytes of its body\n/);
    expect(server.stderr).not.toContain('Error handling');
    expect(server.stderr).not.toMatch(/\n\s+at /);
    // The worker serves on.
    expect((await request({ port, path: '/upload', method: 'POST' })).body).toBe('received 0 bytes\n');
  });

  it('at the default level, a client that disconnects mid-body writes nothing', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'upload', binds: [`127.0.0.1:${port}`], workers: 1 });
    await abandonUpload(port, 100_000, 1000);
    // An answered request after it proves the worker has handled the broken one.
    expect((await request({ port, path: '/upload', method: 'POST' })).status).toBe(200);
    const after = server.stderr.slice(server.stderr.indexOf('Booting worker'));
    expect(after.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('HUP logs each old worker retiring and exiting, as well as the new ones booting', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 2 });
    const old = server.bootedPids();
    server.signal('SIGHUP');
    for (const pid of old) await server.waitForLog(`Worker exiting (pid:${pid})`);
    for (const pid of old) expect(server.stderr).toContain(`Retiring worker (pid:${pid})`);
    expect(server.bootedPids()).toHaveLength(4);
  });

  it('says "1 worker", and "3 workers"', async () => {
    const one = await startServer({ app: 'hello', binds: [`127.0.0.1:${await freePort()}`], workers: 1 });
    expect(one.stderr).toContain('Using worker: cluster (1 worker)\n');
    const three = await startServer({ app: 'hello', binds: [`127.0.0.1:${await freePort()}`], workers: 3 });
    expect(three.stderr).toContain('Using worker: cluster (3 workers)\n');
  });

  it('--log-json: every line is one JSON object, the lines the app writes to wsgi.errors too', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'throws', binds: [`127.0.0.1:${port}`], workers: 1, args: ['--log-json'], waitReady: false });
    await server.waitForLog('"message":"Booting worker with pid: ');
    expect((await request({ port, path: '/boom' })).status).toBe(500);
    await server.waitForLog('fixture boom');
    server.signal('SIGTERM');
    await server.waitForExit();
    const lines = server.stderr.split('\n').filter(Boolean);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(Object.keys(entry)).toEqual(['time', 'level', 'message', 'pid']);
      expect(Number.isNaN(Date.parse(entry.time as string))).toBe(false);
    }
    expect(entries.map((entry) => entry.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Starting tsgate/), expect.stringMatching(/^Booting worker/), 'Shutting down: primary']),
    );
    const boom = entries.find((entry) => String(entry.message).includes('fixture boom'));
    expect(boom).toMatchObject({ level: 'error' });
    // The stack stays inside the one line's message.
    expect(String(boom?.message)).toMatch(/^Error handling GET \/boom: Error: fixture boom: the view failed\n\s+at /);
  });
});
