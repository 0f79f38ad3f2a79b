/**
 * Starts test/fixtures/server/options-fixture.js (the prefork server on
 * echo-app.js with any ServerOptions) on a free port, in its own process
 * group, with a file recording every call the app gets.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerOptions } from '../../src/runtime/server/options.js';
import { freePort, killServers, ServerProcess } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = join(root, 'test', 'fixtures', 'server', 'options-fixture.js');

export interface EchoServer {
  server: ServerProcess;
  port: number;
  dir: string;
  /** The calls the app got so far, as `pid METHOD RAW_URI` lines. */
  calls(): string[];
}

const running: ServerProcess[] = [];
const dirs: string[] = [];

/** A fresh temporary directory, removed by `stopEchoServers()`. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgate-server-test-'));
  dirs.push(dir);
  return dir;
}

/**
 * Starts the echo server with `options` over defaults (1 worker, a free
 * 127.0.0.1 port) and waits until every worker booted. With `binds` given,
 * `port` is the first bind's.
 */
export async function startEchoServer(options: Partial<ServerOptions> = {}): Promise<EchoServer> {
  const first = options.binds?.[0];
  const port = first && 'port' in first ? first.port : await freePort();
  const dir = tempDir();
  const callsFile = join(dir, 'calls.log');
  const full: ServerOptions = {
    binds: [{ host: '127.0.0.1', port }],
    workers: 1,
    keepAlive: 2,
    gracefulTimeout: 5,
    logLevel: 'info',
    ...options,
  };
  const child = spawn(process.execPath, [FIXTURE], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FIXTURE_OPTIONS: JSON.stringify(full), FIXTURE_CALLS_FILE: callsFile },
  });
  const server = new ServerProcess(child);
  running.push(server);
  await server.waitForLog('Listening at: ', full.binds.length);
  await server.waitForLog(/Booting worker with pid: \d+\n/, full.workers);
  return {
    server,
    port,
    dir,
    calls: () => (existsSync(callsFile) ? readFileSync(callsFile, 'utf8').split('\n').filter(Boolean) : []),
  };
}

/** SIGKILLs every server started here (whole process group, then any worker left) and removes the temporary directories. */
export async function stopEchoServers(): Promise<void> {
  await killServers(running.splice(0));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface RawReply {
  /** Everything the server sent before it closed the connection (or before `idleMs` of silence). */
  bytes: Buffer;
  /** The first status line, or '' when nothing came. */
  statusLine: string;
  /** Every status line in the reply, in order (a pipelined exchange has several). */
  statusLines: string[];
  /** How the exchange ended: the server closed, reset, or went quiet for `idleMs` with the connection open. */
  ended: 'closed' | 'reset' | 'idle';
  elapsedMs: number;
}

/**
 * Sends raw bytes on a fresh connection and collects the reply until the
 * server closes (or resets) the connection, or stays silent for `idleMs`
 * after its last byte.
 */
export function rawSend(port: number, data: string | Buffer, options: { idleMs?: number; timeoutMs?: number } = {}): Promise<RawReply> {
  const { idleMs = 1500, timeoutMs = 10_000 } = options;
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let idle: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (ended: RawReply['ended']) => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearTimeout(hard);
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      const statusLines = bytes.toString('latin1').match(/HTTP\/1\.[01] \d{3}[^\r\n]*/g) ?? [];
      resolve({ bytes, statusLine: statusLines[0] ?? '', statusLines, ended, elapsedMs: Date.now() - started });
    };
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => finish('idle'), idleMs);
    };
    const hard = setTimeout(() => finish('idle'), timeoutMs);
    socket.on('connect', () => {
      socket.write(data);
      armIdle();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      armIdle();
    });
    socket.on('error', () => finish('reset'));
    socket.on('close', () => finish('closed'));
  });
}
