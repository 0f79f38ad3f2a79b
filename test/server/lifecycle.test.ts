/**
 * Worker lifecycle: --max-requests recycling, --timeout for a
 * blocked event loop, the pid file; and serverOptions(), which turns
 * `manage serve` flags into ServerOptions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { serverOptions } from '../../src/runtime/management/commands/serve.js';
import type { ParsedArgs } from '../../src/runtime/management/base.js';
import { DEFAULT_LIMITS } from '../../src/runtime/server/limits.js';
import { OptionError } from '../../src/runtime/server/options.js';
import { ensureBuilt, errorCode, isAlive, request } from './helpers.js';
import { startEchoServer, stopEchoServers, tempDir } from './options-helpers.js';

describe('worker lifecycle on a real server', () => {
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(() => stopEchoServers());

  it('--max-requests 5 (jitter 0), 1 worker: its replacement takes over after at least 5 responses and no request fails', async () => {
    const { server, port } = await startEchoServer({ workers: 1, maxRequests: 5, maxRequestsJitter: 0 });
    const [first] = server.bootedPids();
    const pids: number[] = [];
    const errors: string[] = [];
    // Requests one after another, each on a fresh connection, until a second worker has answered a few.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      try {
        const reply = await request({ port, path: `/n${pids.length}` });
        expect(reply.status).toBe(200);
        pids.push(Number(reply.headers['x-worker-pid']));
      } catch (error) {
        errors.push(errorCode(error));
      }
      if (pids.filter((pid) => pid !== first).length >= 3) break;
    }
    expect(errors).toEqual([]);
    const second = pids.find((pid) => pid !== first) as number;
    expect(second).toBeGreaterThan(0);
    // The first worker served at least its 5 alone; its replacement started
    // first (both may answer for the moment of the hand-over), then only it.
    expect(pids.slice(0, 5)).toEqual([first, first, first, first, first]);
    expect(new Set(pids)).toEqual(new Set([first, second]));
    expect(pids.slice(pids.lastIndexOf(first as number) + 1).length).toBeGreaterThanOrEqual(3);
    expect(server.stderr).toContain(`Autorestarting worker after its max requests (pid:${first})`);
    await server.waitUntil('the recycled worker exits', () => !isAlive(first as number), 10_000);
  });

  it('--timeout 2: a worker whose event loop is blocked is killed (WORKER TIMEOUT) and a new one serves', async () => {
    const { server, port } = await startEchoServer({ workers: 1, timeout: 2 });
    const [blocked] = server.bootedPids();
    const started = Date.now();
    // The busy-wait lasts 10 s; the connection dies with the worker long before.
    const stuck = request({ port, path: '/block?ms=10000', deadlineMs: 15_000 }).then(
      (reply) => `answered ${reply.status}`,
      (error: unknown) => errorCode(error),
    );
    await server.waitForLog(`WORKER TIMEOUT (pid:${blocked})`, 1, 8000);
    const killedAfter = Date.now() - started;
    expect(killedAfter).toBeGreaterThanOrEqual(1500);
    expect(killedAfter).toBeLessThan(6000);
    expect(await stuck).toBe('ECONNRESET');
    await server.waitForLog(/Booting worker with pid: \d+\n/, 2, 8000);
    const [, replacement] = server.bootedPids();
    expect(replacement).not.toBe(blocked);
    const reply = await request({ port, path: '/after' });
    expect(reply.status).toBe(200);
    expect(Number(reply.headers['x-worker-pid'])).toBe(replacement);
    expect(isAlive(blocked as number)).toBe(false);
    expect(server.exit).toBeUndefined();
  });

  it('--pid writes the primary pid at start and removes the file after TERM', async () => {
    const pidFile = join(tempDir(), 'tsgate.pid');
    const { server, port } = await startEchoServer({ workers: 1, pidFile });
    expect(readFileSync(pidFile, 'utf8')).toBe(`${server.pid}\n`);
    expect((await request({ port })).status).toBe(200);
    server.signal('SIGTERM');
    expect(await server.waitForExit(8000)).toEqual({ code: 0, signal: null });
    expect(existsSync(pidFile)).toBe(false);
  });
});

describe('serverOptions()', () => {
  const args = (values: ParsedArgs['values'] = {}): ParsedArgs => ({ positionals: [], values });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fills in gunicorn-like defaults', () => {
    vi.stubEnv('WEB_CONCURRENCY', '3');
    vi.stubEnv('FORWARDED_ALLOW_IPS', undefined);
    expect(serverOptions(args())).toEqual({
      binds: [{ host: '127.0.0.1', port: 8000 }],
      workers: 3,
      keepAlive: 2,
      gracefulTimeout: 30,
      logLevel: 'info',
      timeout: 30,
      maxRequests: 0,
      maxRequestsJitter: 0,
      limits: { ...DEFAULT_LIMITS },
      headerTimeout: 60,
      requestTimeout: 300,
      forwardedAllowIps: ['127.0.0.1', '::1'],
      accessLog: undefined,
    });
  });

  it('reads every flag', () => {
    vi.stubEnv('WEB_CONCURRENCY', '3');
    const options = serverOptions(
      args({
        bind: ['0.0.0.0:9000', '[::1]:9001', 'unix:/tmp/x.sock'],
        workers: '4',
        'keep-alive': '5',
        'graceful-timeout': '7',
        'log-level': 'WARNING',
        timeout: '0',
        'max-requests': '1000',
        'max-requests-jitter': '50',
        'limit-request-line': '8190',
        'limit-request-fields': '0',
        'limit-request-field-size': '100',
        'limit-request-body': '1024',
        'header-timeout': '10',
        'request-timeout': '20',
        'forwarded-allow-ips': '10.0.0.0/8, 2001:db8::/32,*',
        'access-logfile': '-',
        'access-logformat': '%(h)s %(s)s',
        'access-log-json': true,
        pid: '/tmp/tsgate.pid',
      }),
    );
    expect(options).toEqual({
      binds: [{ host: '0.0.0.0', port: 9000 }, { host: '::1', port: 9001 }, { path: '/tmp/x.sock' }],
      workers: 4,
      keepAlive: 5,
      gracefulTimeout: 7,
      logLevel: 'warning',
      timeout: 0,
      maxRequests: 1000,
      maxRequestsJitter: 50,
      limits: { requestLine: 8190, fields: 0, fieldSize: 100, body: 1024 },
      headerTimeout: 10,
      requestTimeout: 20,
      forwardedAllowIps: ['10.0.0.0/8', '2001:db8::/32', '*'],
      accessLog: { file: '-', json: true, format: '%(h)s %(s)s' },
      pidFile: '/tmp/tsgate.pid',
    });
  });

  it('takes --forwarded-allow-ips from $FORWARDED_ALLOW_IPS when the flag is absent', () => {
    vi.stubEnv('FORWARDED_ALLOW_IPS', '192.0.2.1,192.0.2.2');
    expect(serverOptions(args({ workers: '1' })).forwardedAllowIps).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(serverOptions(args({ workers: '1', 'forwarded-allow-ips': '*' })).forwardedAllowIps).toEqual(['*']);
  });

  it.each<[string, ParsedArgs['values'], RegExp]>([
    ['--workers 0', { workers: '0' }, /--workers must be a positive integer/],
    ['--workers 1.5', { workers: '1.5' }, /--workers/],
    ['--workers many', { workers: 'many' }, /--workers/],
    ['--keep-alive -1', { 'keep-alive': '-1' }, /--keep-alive must be a number ≥ 0/],
    ['--timeout soon', { timeout: 'soon' }, /--timeout/],
    ['--max-requests -5', { 'max-requests': '-5' }, /--max-requests/],
    ['--limit-request-line lots', { 'limit-request-line': 'lots' }, /--limit-request-line/],
    ['--limit-request-body -1', { 'limit-request-body': '-1' }, /--limit-request-body/],
    ['--header-timeout Infinity', { 'header-timeout': 'Infinity' }, /--header-timeout/],
    ['--log-level loud', { 'log-level': 'loud' }, /--log-level must be one of debug, info, warning, error, critical/],
    ['--bind host:99999', { bind: ['localhost:99999'] }, /--bind localhost:99999: port must be 0–65535/],
    ['--bind unix:', { bind: ['unix:'] }, /--bind unix:/],
    ['--forwarded-allow-ips nonsense', { 'forwarded-allow-ips': 'nonsense' }, /--forwarded-allow-ips: "nonsense"/],
    ['--forwarded-allow-ips 10.0.0.0/33', { 'forwarded-allow-ips': '10.0.0.0/33' }, /bad prefix length/],
    ['--access-logformat with an unknown atom', { 'access-logfile': '-', 'access-logformat': '%(h)s %(zz)s' }, /unknown atom %\(zz\)s/],
  ])('%s is an OptionError', (_name, values, message) => {
    vi.stubEnv('WEB_CONCURRENCY', '2');
    expect(() => serverOptions(args(values))).toThrow(OptionError);
    expect(() => serverOptions(args(values))).toThrow(message);
  });

  it('a bad $WEB_CONCURRENCY is an OptionError when --workers is absent, and ignored when it is given', () => {
    vi.stubEnv('WEB_CONCURRENCY', 'zero');
    expect(() => serverOptions(args())).toThrow(OptionError);
    expect(serverOptions(args({ workers: '2' })).workers).toBe(2);
  });
});
