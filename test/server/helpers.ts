/**
 * Drives the prefork server through test/fixtures/server/serve-fixture.js on
 * real sockets: free ports, a spawned primary in its own process group, its
 * stderr log parsed as it arrives, and HTTP clients.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = join(root, 'test', 'fixtures', 'server', 'serve-fixture.js');

/** Builds the runtime when build/tsgate/dist is missing (a fresh checkout). */
export function ensureBuilt(): void {
  if (existsSync(join(root, 'build', 'tsgate', 'dist', 'server', 'index.js'))) return;
  execFileSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, stdio: 'inherit' });
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  app: string;
  binds: string[];
  workers?: number;
  keepAlive?: number;
  gracefulTimeout?: number;
  /** Wait for "Listening at" and one "Booting worker" line per worker (default true). */
  waitReady?: boolean;
  /** Extra environment for the server, e.g. `FIXTURE_BOOT_DELAY_MS`. */
  env?: Record<string, string>;
  /** Extra serve-fixture arguments, e.g. `['--log-level', 'debug']`. */
  args?: string[];
}

const BOOTING = /Booting worker with pid: (\d+)/g;

/** One running primary (and its workers) with its stderr collected. */
export class ServerProcess {
  stderr = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.stderr += text;
      for (const listener of this.listeners) listener();
    });
    child.stdout?.resume();
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        for (const listener of this.listeners) listener();
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Worker pids in the order their "Booting worker" lines appeared. */
  bootedPids(): number[] {
    return [...this.stderr.matchAll(BOOTING)].map((match) => Number(match[1]));
  }

  count(pattern: RegExp | string): number {
    const regex = typeof pattern === 'string' ? new RegExp(escape(pattern), 'g') : new RegExp(pattern.source, 'g');
    return [...this.stderr.matchAll(regex)].length;
  }

  /** Resolves when `check()` holds, checked on every stderr chunk; rejects on timeout or on exit. */
  waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        if (error) reject(error);
        else resolve();
      };
      const listener = () => {
        if (check()) done();
        else if (this.exit) done(new Error(`server exited (${JSON.stringify(this.exit)}) before ${what}; stderr:\n${this.stderr}`));
      };
      const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr:\n${this.stderr}`)), timeoutMs);
      this.listeners.add(listener);
      listener();
    });
  }

  /** Waits until `pattern` has appeared at least `times` times on stderr. */
  waitForLog(pattern: RegExp | string, times = 1, timeoutMs = 10_000): Promise<void> {
    return this.waitUntil(`${times} × ${String(pattern)}`, () => this.count(pattern) >= times, timeoutMs);
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** Resolves with the exit, or rejects if the primary is still running after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`primary still running after ${timeoutMs} ms; stderr:\n${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const started: ServerProcess[] = [];

/** Starts the fixture server in its own process group; `killAll()` cleans up. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const workers = options.workers ?? 2;
  const args = [FIXTURE, '--app', options.app, '--workers', String(workers)];
  for (const bind of options.binds) args.push('--bind', bind);
  if (options.keepAlive !== undefined) args.push('--keep-alive', String(options.keepAlive));
  if (options.gracefulTimeout !== undefined) args.push('--graceful-timeout', String(options.gracefulTimeout));
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const server = new ServerProcess(child);
  started.push(server);
  if (options.waitReady ?? true) {
    await server.waitForLog('Listening at: ', options.binds.length);
    await server.waitForLog(/Booting worker with pid: \d+\n/, workers);
  }
  return server;
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills every server this file started, workers included (SIGKILL to the process group). */
export async function killAll(): Promise<void> {
  await killServers(started.splice(0));
}

/**
 * SIGKILLs each server's process group, waits until every primary exited,
 * then SIGKILLs any worker it booted that is still left.
 */
export async function killServers(servers: ServerProcess[]): Promise<void> {
  for (const server of servers) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  await Promise.all(servers.map((server) => server.exited));
  for (const server of servers) {
    for (const pid of server.bootedPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions extends http.RequestOptions {
  /** Fails the request when no complete answer came within this many ms. */
  deadlineMs?: number;
}

/**
 * One HTTP request. Without an `agent` it uses a fresh connection with
 * `Connection: close`, so no idle keep-alive connection outlives the test.
 */
export function request(options: RequestOptions): Promise<Reply> {
  const { deadlineMs = 10_000, ...rest } = options;
  const fresh = rest.agent === undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        method: 'GET',
        path: '/',
        ...rest,
        ...(fresh ? { agent: false, headers: { Connection: 'close', ...rest.headers } } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${deadlineMs} ms`)), deadlineMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/**
 * Resolves once a TCP connection to `port` is refused (the server closed its
 * listening socket), trying again every few milliseconds; rejects after
 * `timeoutMs`. Any connection that is accepted meanwhile is closed unused.
 */
export async function whenRefused(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error) => resolve(errorCode(error)));
    });
    if (outcome === 'ECONNREFUSED') return;
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts connections after ${timeoutMs} ms (last: ${outcome})`);
    await sleep(10);
  }
}

/** The error code of a failed request (`ECONNREFUSED`, `ECONNRESET`, ...), else its message. */
export function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}

/** Sends raw bytes on a fresh TCP connection and collects everything until the server closes it. */
export function rawExchange(port: number, text: string, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after ${timeoutMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Splits a raw HTTP/1.x response into its head (status line and lower-cased headers) and body bytes. */
export function parseRaw(raw: Buffer): { statusLine: string; headers: Map<string, string>; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete response head in ${JSON.stringify(raw.toString())}`);
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { statusLine, headers, body: raw.subarray(end + 4) };
}

/**
 * Runs `count` client loops, each sending requests one after another over a
 * shared keep-alive agent until `stop()`, and records every outcome.
 */
export function clientLoops(count: number, options: { port: number; path: string; deadlineMs?: number }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: count, scheduling: 'fifo' });
  const statuses: number[] = [];
  const errors: string[] = [];
  /** Which worker answered, by the time its request was sent. */
  const pids: Array<{ sentAt: number; pid: number }> = [];
  /** Waiters on the number of answers, checked on each answer. */
  const waiters = new Set<() => void>();
  let running = true;
  const loop = async () => {
    while (running) {
      const sentAt = Date.now();
      try {
        const reply = await request({ port: options.port, path: options.path, agent, deadlineMs: options.deadlineMs ?? 15_000 });
        statuses.push(reply.status);
        const pid = Number(reply.headers['x-worker-pid']);
        if (pid) pids.push({ sentAt, pid });
        for (const waiter of waiters) waiter();
      } catch (error) {
        errors.push(errorCode(error));
        for (const waiter of waiters) waiter();
        // A refused connection means the server is gone: retry slowly so the log stays small.
        await sleep(20);
      }
    }
  };
  const loops = Array.from({ length: count }, loop);
  return {
    statuses,
    errors,
    pids,
    /** Resolves once `total` answers have come in all told; rejects after `timeoutMs`. */
    whenAnswered(total: number, timeoutMs = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (statuses.length < total) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${statuses.length} of ${total} answers after ${timeoutMs} ms; errors: ${errors.slice(-5).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    /** Resolves once `total` requests have failed all told (e.g. refused once the server is gone); rejects after `timeoutMs`. */
    whenFailed(total: number, timeoutMs = 15_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (errors.length < total) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${errors.length} of ${total} failures after ${timeoutMs} ms; ${statuses.length} answers`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
