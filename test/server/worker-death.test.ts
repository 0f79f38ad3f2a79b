/**
 * Workers dying under load (SIGKILL, as the OOM killer or an operator does):
 * the primary keeps the listening socket for the server's whole life, so a
 * client is delayed while no worker is ready, never refused; a connection a
 * dead worker held is closed, never left hanging, and one sent to it that it
 * never took is answered by another worker; a killed worker is replaced
 * at once, and only workers that fail to boot are replaced after a back-off.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientLoops, ensureBuilt, freePort, isAlive, killAll, request, startServer, type ServerProcess } from './helpers.js';

beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => killAll());

const GRACEFUL_TIMEOUT_S = 5;
/** What a client of a killed worker may see: its connection cut. Refusals and hangs are the faults. */
const CUT = new Set(['ECONNRESET', 'EPIPE', 'socket hang up']);

/** TCP sockets of `pid` in CLOSE-WAIT (the peer closed, this process never did), from /proc. */
function closeWaitSockets(pid: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  let count = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // st 08 is TCP_CLOSE_WAIT; field 9 is the inode.
      if (fields[3] === '08' && inodes.has(fields[9] as string)) count += 1;
    }
  }
  return count;
}

/**
 * `rounds` times, once the current workers have answered a few more
 * requests, SIGKILLs all of them at once (so that for a moment none is
 * alive), and waits until their replacements have booted; `load` runs all along.
 */
async function killLoop(server: ServerProcess, load: ReturnType<typeof clientLoops>, workers: number, rounds: number): Promise<void> {
  for (let round = 1; round <= rounds; round++) {
    const victims = server.bootedPids().slice(-workers);
    await load.whenAnswered(load.statuses.length + 20);
    for (const victim of victims) process.kill(victim, 'SIGKILL');
    for (const victim of victims) await server.waitForLog(`Worker (pid:${victim}) exited with SIGKILL`, 1, 10_000);
    await server.waitForLog(/Booting worker with pid: \d+\n/, workers * (round + 1), 15_000);
  }
}

describe('workers killed under load', () => {
  it.each([1, 2])(
    '--workers %i: every worker SIGKILLed 4 times under load: no connection refused, no request hung, no CLOSE-WAIT in the primary',
    async (workers) => {
      const port = await freePort();
      const server = await startServer({ app: 'slow', binds: [`127.0.0.1:${port}`], workers, gracefulTimeout: GRACEFUL_TIMEOUT_S });
      const load = clientLoops(8, { port, path: '/?ms=5', deadlineMs: GRACEFUL_TIMEOUT_S * 1000 });
      try {
        await killLoop(server, load, workers, 4);
        // The last replacement answers too.
        await load.whenAnswered(load.statuses.length + 20);
      } finally {
        await load.stop();
      }

      expect(load.statuses.filter((status) => status !== 200)).toEqual([]);
      // Refused (ECONNREFUSED) or hung (no answer within the graceful timeout): neither may happen.
      expect(load.errors.filter((code) => !CUT.has(code)), server.stderr).toEqual([]);
      // Each kill cuts at most the requests the dead workers had in hand.
      expect(load.errors.length).toBeLessThanOrEqual(4 * 8);
      expect(closeWaitSockets(server.pid)).toBe(0);
      // A killed worker is replaced at once, however young: no back-off.
      expect(server.stderr).not.toContain('starting another in');
      expect(server.exit, server.stderr).toBeUndefined();
    },
    90_000,
  );

  it('--workers 1: while the only worker is dead, a new connection waits and is answered by its replacement', async () => {
    const port = await freePort();
    const server = await startServer({
      app: 'hello',
      binds: [`127.0.0.1:${port}`],
      workers: 1,
      env: { FIXTURE_BOOT_DELAY_MS: '500' },
    });
    const [victim] = server.bootedPids() as [number];
    process.kill(victim, 'SIGKILL');
    await server.waitForLog(`Worker (pid:${victim}) exited with SIGKILL`);
    expect(isAlive(victim)).toBe(false);
    // The replacement needs 500 ms to load the app; the client is queued meanwhile.
    const reply = await request({ port, deadlineMs: 10_000 });
    expect(reply.status).toBe(200);
    const [, replacement] = server.bootedPids();
    expect(reply.headers['x-worker-pid']).toBe(String(replacement));
  });

  it('--workers 2: a stalled worker is passed over after a second, and what was sent to it is answered by another once it dies', async () => {
    const port = await freePort();
    const server = await startServer({ app: 'hello', binds: [`127.0.0.1:${port}`], workers: 2 });
    const [frozen, other] = server.bootedPids() as [number, number];
    // A stopped worker cannot take what the primary sends it (as one whose event loop is blocked).
    process.kill(frozen, 'SIGSTOP');
    try {
      // In turn: one of the two goes to the frozen worker and waits in its channel.
      const first = [request({ port, deadlineMs: 20_000 }), request({ port, deadlineMs: 20_000 })];
      const answered = await Promise.race([Promise.all(first), new Promise((resolve) => setTimeout(resolve, 1500, 'waiting'))]);
      expect(answered).toBe('waiting');
      // Past a second without an acknowledgement, new clients go to the other worker only.
      for (let i = 0; i < 4; i++) {
        const reply = await request({ port, deadlineMs: 5_000 });
        expect(reply.headers['x-worker-pid']).toBe(String(other));
      }
      process.kill(frozen, 'SIGKILL');
      const all = await Promise.all(first);
      expect(all.map((reply) => reply.status)).toEqual([200, 200]);
      // None by the dead worker: the one queued for it went to the other worker or its replacement.
      expect(all.map((reply) => Number(reply.headers['x-worker-pid']))).not.toContain(frozen);
    } finally {
      if (isAlive(frozen)) process.kill(frozen, 'SIGKILL');
    }
  });
});

describe('boot failures', () => {
  it('a worker that exits before it is ready is replaced after a back-off that doubles', async () => {
    const port = await freePort();
    const server = await startServer({
      app: 'hello',
      binds: [`127.0.0.1:${port}`],
      workers: 1,
      waitReady: false,
      env: { FIXTURE_BOOT_EXIT: '1' },
    });
    await server.waitForLog('exited before it was ready; starting another in', 3, 15_000);
    const delays = [...server.stderr.matchAll(/starting another in (\d+) ms/g)].map((match) => Number(match[1]));
    expect(delays.slice(0, 3)).toEqual([200, 400, 800]);
    expect(server.stderr).toMatch(/Worker \(pid:\d+\) exited with code 1/);
    server.signal('SIGTERM');
    expect(await server.waitForExit(10_000), server.stderr).toEqual({ code: 0, signal: null });
  });
});
