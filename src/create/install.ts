import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { PackageManager } from './package-manager.js';

const execFileAsync = promisify(execFile);

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

/** `dir`, or its nearest parent that exists: where git can be asked about a folder not made yet. */
function nearestExisting(dir: string): string {
  let at = dir;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/**
 * The top folder of the git repository that `dir` is (or will be) inside,
 * if any: a project made there (in a monorepo, say) belongs to it, so no
 * repository of its own is made. Undefined when git is not installed.
 */
export async function enclosingRepository(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('git', ['rev-parse', '--show-toplevel'], { cwd: nearestExisting(dir) });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `git init` and a first commit; `initialized` alone when git refuses to commit (no identity set). */
export async function initGit(cwd: string): Promise<Exclude<GitResult, 'inside-repository'>> {
  if ((await runCommand('git', ['init', '-q'], cwd, 'ignore')) !== 0) return 'unavailable';
  if ((await runCommand('git', ['add', '-A'], cwd, 'ignore')) !== 0) return 'initialized';
  const message = 'Initial commit from create-tsgate-project';
  return (await runCommand('git', ['commit', '-q', '-m', message], cwd, 'ignore')) === 0 ? 'committed' : 'initialized';
}
