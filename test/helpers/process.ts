/** Running commands and servers from tests. */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO, 'cli', 'create-tsgate-project.js');

export function tempDir(prefix = 'tsgate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs a command to completion (killed after `timeoutMs`, 5 minutes by default), capturing its output as text. */
export function runSync(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
  });
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * runSync without blocking the test file's worker: what `describe.concurrent`
 * tests use, so that their commands overlap (killed after `timeoutMs`, 5
 * minutes by default; stdin is empty unless `input` is given).
 */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Without input, stdin is /dev/null: a pipe left to a grandchild (npm's) would keep this worker from exiting.
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (data: string) => (stdout += data));
    child.stderr?.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** Runs the generator as a user would, with stdin not a terminal. */
export function runGenerator(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return runSync(process.execPath, [CLI, ...args], { cwd, env });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A long-running process whose output is collected as it comes. */
export class Spawned {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.on('data', (data: Buffer) => (this.output += data.toString()));
    this.child.stderr?.on('data', (data: Buffer) => (this.output += data.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Waits until the output matches, failing with the output so far on timeout or exit; woken by each chunk of output. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
        this.child.off('exit', onExit);
      };
      const fail = (why: string): void => {
        settle();
        reject(new Error(`waiting for ${pattern}: ${why}\n--- output ---\n${this.output}`));
      };
      // Listeners run after the constructor's, so `output` already holds the new chunk.
      const check = (): void => {
        const match = this.output.match(pattern);
        if (!match) return;
        settle();
        resolve(match);
      };
      // Output still in the pipes when the process exits arrives after 'exit': it is all in once 'close' comes
      // (stdio ended), or after a moment when a grandchild holds the pipes open.
      const onExit = (): void => {
        const last = (): void => {
          check();
          fail('process exited');
        };
        if (this.child.stdout?.readableEnded !== false && this.child.stderr?.readableEnded !== false) return last();
        const grace = setTimeout(last, 200);
        this.child.once('close', () => {
          clearTimeout(grace);
          last();
        });
      };
      const timer = setTimeout(() => fail('timed out'), timeoutMs);
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
      this.child.on('exit', onExit);
      if (this.child.exitCode !== null || this.child.signalCode !== null) onExit();
      else check();
    });
  }

  /** Kills the whole process group (a server's workers too); safe to call when already gone. */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
  }
}
