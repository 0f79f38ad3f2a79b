import { spawn, type ChildProcess } from 'node:child_process';
import type { PackageManager } from './package-manager.js';

/** The command running now, so an interrupt can stop it before removing its folder. */
let running: { child: ChildProcess; exited: Promise<number> } | undefined;

/** Where a command's output goes: ours, our stderr (stdout is kept for --json), or nowhere. */
export type CommandOutput = 'inherit' | 'stderr' | 'ignore';

/** Runs a command in `cwd`; resolves to its exit code (127 when it cannot start). */
export function runCommand(command: string, args: string[], cwd: string, output: CommandOutput): Promise<number> {
  const child = spawn(command, args, { cwd, stdio: output === 'stderr' ? ['ignore', 2, 2] : output });
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  running = { child, exited };
  void exited.finally(() => {
    if (running?.child === child) running = undefined;
  });
  return exited;
}

/** Stops the running command, if any, and waits until it has exited. */
export async function stopRunningCommand(): Promise<void> {
  if (!running) return;
  const { child, exited } = running;
  child.kill('SIGTERM');
  await exited;
}

/** The install command's arguments: `install`, plus the package manager's cache-only flag with --offline. */
export function installArgs(pm: PackageManager, offline: boolean): string[] {
  return ['install', ...(offline && pm.offline ? [pm.offline] : [])];
}

export function installDependencies(pm: PackageManager, cwd: string, offline: boolean, output: CommandOutput): Promise<number> {
  return runCommand(pm.name, installArgs(pm, offline), cwd, output);
}

export type GitResult = 'committed' | 'initialized' | 'inside-repository' | 'unavailable';

/**
 * `git init` and a first commit. Skipped inside an existing repository (a
 * monorepo, say); `initialized` alone when git refuses to commit (no identity set).
 */
export async function initGit(cwd: string, probe = cwd): Promise<GitResult> {
  // `probe` is where the project will live: a target already in a repository keeps its own.
  if ((await runCommand('git', ['rev-parse', '--is-inside-work-tree'], probe, 'ignore')) === 0) return 'inside-repository';
  if ((await runCommand('git', ['init', '-q'], cwd, 'ignore')) !== 0) return 'unavailable';
  if ((await runCommand('git', ['add', '-A'], cwd, 'ignore')) !== 0) return 'initialized';
  const message = 'Initial commit from create-tsgate-project';
  return (await runCommand('git', ['commit', '-q', '-m', message], cwd, 'ignore')) === 0 ? 'committed' : 'initialized';
}
