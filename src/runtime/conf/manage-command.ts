/**
 * How a manage command is typed in this project, for every message that
 * tells the user what to run: `npm run manage -- migrate` in development
 * (manage.ts through tsx), `node dist/manage.js migrate` once built. There
 * is no `manage` binary. The `--` matters: without it npm keeps the
 * options for itself (`npm run manage migrate --plan` would migrate).
 *
 * Below management/, so that db/ and checks/ can print commands too.
 */
import { basename, isAbsolute, relative } from 'node:path';

/** What runs a package script, by the package manager in `npm_config_user_agent`, as the project's README writes it. */
const RUN_SCRIPT: Record<string, string> = { npm: 'npm run', pnpm: 'pnpm', yarn: 'yarn', bun: 'bun run' };

let program: string | undefined;

/** Fixes the program for this process (a manage entry that knows better than its file name). */
export function setManageProgram(text: string): void {
  program = text;
}

/**
 * The program for a process whose entry file is `entry`: a compiled manage
 * script is run by node (`node dist/manage.js`), manage.ts through the
 * project's `manage` script (`npm run manage --`, or pnpm's, yarn's, bun's).
 * A process that is not a manage script (a server importing wsgi) gets the
 * form of its mode: compiled under NODE_ENV=production.
 */
export function programFor(entry: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const compiled = entry && /^manage\.[cm]?js$/.test(basename(entry));
  if (compiled) {
    const path = relative(cwd, entry);
    return `node ${path.startsWith('..') || isAbsolute(path) ? entry : path}`;
  }
  if (!(entry && /^manage\.[cm]?ts$/.test(basename(entry))) && env.NODE_ENV === 'production') return 'node dist/manage.js';
  const manager = env.npm_config_user_agent?.split('/')[0] ?? 'npm';
  return `${RUN_SCRIPT[manager] ?? RUN_SCRIPT.npm} manage --`;
}

/** `npm run manage --` or `node dist/manage.js`: how this process's manage is run. */
export function manageProgram(): string {
  return (program ??= programFor(process.argv[1]));
}

/** A manage command as the user types it: `manageCommand('migrate')` is `npm run manage -- migrate`. */
export function manageCommand(args: string): string {
  return `${manageProgram()} ${args}`;
}
