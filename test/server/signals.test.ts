/**
 * The prefork server's signals on real sockets: TERM/INT
 * graceful stop, QUIT fast stop, HUP rolling reload, TTIN/TTOU resize.
 */
import http from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  clientLoops,
  ensureBuilt,
  errorCode,
  freePort,
  isAlive,
  killAll,
  request,
  startServer,
  whenRefused,
  type Reply,
} from './helpers.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => killAll());

/** Distinct worker pids seen over `count` requests, each on a fresh connection. */
async function samplePids(port: number, count: number): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const reply = await request({ port });
    expect(reply.status).toBe(200);
    seen.add(Number(reply.headers['x-worker-pid']));
  }
  return seen;
}

const sorted = (values: Iterable<number>) => [...values].sort((a, b) => a - b);

describe('graceful stop', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s lets an in-flight request finish with Connection: close, refuses new connections, exits 0',
    async (signal) => {
      const port = await freePort();
      const server = await startServer({ app: 'slow', binds: [`127.0.0.1:${port}`], workers: 2, gracefulTimeout: 10 });

      // Control: before the stop, a keep-alive request is answered keep-alive.
      const control = new http.Agent({ keepAlive: true });
      const before = await request({ port, path: '/?ms=0', agent: control });
      control.destroy();
      expect(before.status).toBe(200);
      expect(before.headers.connection).toBe('keep-alive');

      const agent = new http.Agent({ keepAlive: true });
      const started = Date.now();
      let answeredAt = 0;
      // Settles to the reply or the error, so a failure elsewhere leaves no unhandled rejection.
      const slow = request({ port, path: '/?ms=1500&announce=1', agent }).then(
        (reply: Reply) => {
          answeredAt = Date.now();
          return reply;
        },
        (error: unknown) => new Error(`the in-flight request failed: ${errorCode(error)}`),
      );
      await server.waitForLog('slow request started');
      server.signal(signal);
      await server.waitForLog(`Handling ${signal}: graceful stop`);

      // The listening socket closes while the primary waits for the in-flight request.
      await whenRefused(port);
      await expect(request({ port, deadlineMs: 2000 })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(server.exit, server.stderr).toBeUndefined();

      const reply = await slow;
      agent.destroy();
      if (reply instanceof Error) throw new Error(`${reply.message}; stderr:\n${server.stderr}`);
      expect(reply.status).toBe(200);
      expect(reply.headers.connection).toBe('close');
      expect(reply.body).toMatch(/^hello from \d+ \/\n$/);
      expect(answeredAt - started).toBeGreaterThanOrEqual(1500);

      const exit = await server.waitForExit(5000);
      expect(exit, server.stderr).toEqual({ code: 0, signal: null });
      expect(server.stderr).toContain('Shutting down: primary');
      expect(server.stderr).not.toContain('graceful timeout reached');
      for (const pid of server.bootedPids()) expect(isAlive(pid)).toBe(false);
    },
  );

  it('SIGTERM while the workers are still booting stops them as soon as they are up', async () => {
    const port = await freePort();
    const server = await startServer({
      app: 'hello',
      binds: [`127.0.0.1:${port}`],
      workers: 2,
      gracefulTimeout: 10,
      waitReady: false,
      env: { FIXTURE_BOOT_DELAY_MS: '500' },
    });
    // The primary installed its signal handlers before its first line; the workers need 500 ms more.
    await server.waitForLog('Using worker: cluster');
    expect(server.count('Booting worker')).toBe(0);
    server.signal('SIGTERM');
    // Well before the graceful timeout (10 s, then SIGKILL): the workers heard the stop once ready.
    const exit = await server.waitForExit(8000);
    expect(exit, server.stderr).toEqual({ code: 0, signal: null });
    expect(server.stderr).not.toContain('graceful timeout reached');
    expect(server.stderr).toContain('Handling SIGTERM: graceful stop');
    expect(server.count('Booting worker')).toBe(0);
  });

  it('drops no request from 20 keep-alive clients under load during SIGTERM', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'slow', binds: [`127.0.0.1:${port}`], workers: 2, gracefulTimeout: 10 });
    const load = clientLoops(20, { port, path: '/?ms=10' });
    await load.whenAnswered(101, 30_000);
    const servedBeforeStop = load.statuses.length;
    server.signal('SIGTERM');
    const exit = await server.waitForExit(10_000);
    // Keep the clients going after the exit until they meet the closed port.
    await load.whenFailed(1);
    await load.stop();

    expect(exit, server.stderr).toEqual({ code: 0, signal: null });
    expect(servedBeforeStop).toBeGreaterThan(100);
    expect(load.statuses.filter((status) => status !== 200)).toEqual([]);
    expect(load.errors.filter((code) => code !== 'ECONNREFUSED')).toEqual([]);
    expect(load.errors.length).toBeGreaterThan(0);
  });
});

describe('fast stop', () => {
  it('SIGQUIT stops at once, without waiting for in-flight requests', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'slow', binds: [`127.0.0.1:${port}`], workers: 2, gracefulTimeout: 10 });
    const slow = request({ port, path: '/?ms=5000&announce=1' }).then(
      (reply) => `answered ${reply.status}`,
      (error: unknown) => errorCode(error),
    );
    await server.waitForLog('slow request started');
    server.signal('SIGQUIT');
    // Well before the in-flight request's 5 s: it is cut, not waited for.
    const exit = await server.waitForExit(3000);

    expect(exit, server.stderr).toEqual({ code: 0, signal: null });
    expect(server.stderr).toContain('Handling SIGQUIT: fast stop');
    expect(await slow).toBe('ECONNRESET');
    for (const pid of server.bootedPids()) expect(isAlive(pid)).toBe(false);
  });
});

describe('rolling reload', () => {
  it('SIGHUP replaces every worker while clients see no error', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'slow', binds: [`127.0.0.1:${port}`], workers: 2, gracefulTimeout: 10 });
    const old = server.bootedPids();
    expect(old).toHaveLength(2);

    const load = clientLoops(8, { port, path: '/?ms=5' });
    await load.whenAnswered(20);
    server.signal('SIGHUP');
    await server.waitForLog('Handling signal: hup');
    await server.waitForLog(/Booting worker with pid: \d+\n/, 4);
    const fresh = server.bootedPids().slice(2);
    // The primary logs each old worker's exit.
    for (const pid of old) await server.waitForLog(`Worker exiting (pid:${pid})`);
    const afterReload = Date.now();
    // Answers to requests sent after the old workers left.
    await load.whenAnswered(load.statuses.length + 20);
    await load.stop();

    expect(load.errors).toEqual([]);
    expect(load.statuses.filter((status) => status !== 200)).toEqual([]);
    expect(new Set([...old, ...fresh]).size).toBe(4);
    const before = new Set(load.pids.filter(({ sentAt }) => sentAt < afterReload).map(({ pid }) => pid));
    const after = new Set(load.pids.filter(({ sentAt }) => sentAt > afterReload).map(({ pid }) => pid));
    expect(sorted(old).every((pid) => before.has(pid))).toBe(true);
    // Only fresh workers answer; which of them takes a reconnection is the kernel's choice (one shared socket).
    expect(after.size).toBeGreaterThan(0);
    expect([...after].every((pid) => fresh.includes(pid))).toBe(true);
    expect(fresh.every(isAlive)).toBe(true);
    expect(server.bootedPids()).toHaveLength(4);
    expect(server.stderr).not.toContain('exited with');
    expect(server.exit, server.stderr).toBeUndefined();
  });
});

describe('resize', () => {
  it('SIGTTIN adds a worker and SIGTTOU removes one: 2 → 3 → 2', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 2 });
    const initial = server.bootedPids();
    expect(sorted(await samplePids(port, 8))).toEqual(sorted(initial));

    server.signal('SIGTTIN');
    await server.waitForLog('Changing worker count to 3');
    await server.waitForLog(/Booting worker with pid: \d+\n/, 3);
    const three = server.bootedPids();
    expect(new Set(three).size).toBe(3);
    expect(sorted(await samplePids(port, 12))).toEqual(sorted(three));

    server.signal('SIGTTOU');
    await server.waitForLog('Changing worker count to 2');
    // The primary logs the retired worker's exit once it has handled it; it starts no other.
    await server.waitForLog(/Worker exiting \(pid:\d+\)/);
    const remaining = three.filter(isAlive);
    expect(remaining).toHaveLength(2);
    expect(server.bootedPids()).toHaveLength(3);
    expect(three.filter(isAlive)).toEqual(remaining);
    expect(sorted(await samplePids(port, 12))).toEqual(sorted(remaining));
    expect(server.stderr).not.toContain('exited with');
  });
});
