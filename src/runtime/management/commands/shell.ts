/**
 * `manage shell`, after Django's: a node REPL with the settings loaded and
 * the project at hand — `db`, `sql`, `connection` and `settings`, and each
 * installed app's models module (`<app>/models.ts`, or `.js` once built)
 * under the app's label, so `await pages.countVisit()` works as typed (the
 * REPL takes JavaScript, with top-level await). `-c CODE` runs CODE
 * instead, and prints its value when it is an expression; code piped on
 * stdin runs the same way, as Django's shell runs piped code.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { start } from 'node:repl';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { findModuleFile } from '../../conf/modules.js';
import { configure } from '../../conf/settings.js';
import type { Settings } from '../../conf/types.js';
import { closeConnections, connection, db, sql } from '../../db/index.js';
import { CommandError, stringOption, type Command } from '../base.js';

/** What the shell starts with: the names, and a line saying where each app's came from. */
interface Namespace {
  names: Record<string, unknown>;
  apps: string[];
}

/** `db`, `sql`, `connection`, `settings`, and the models module of each app that has one, under its label. */
async function namespace(settings: Readonly<Settings>): Promise<Namespace> {
  const names: Record<string, unknown> = { db, sql, connection, settings };
  const apps: string[] = [];
  for (const app of settings.INSTALLED_APPS) {
    const file = findModuleFile(`${app}.models`);
    if (!file) continue;
    const label = app.split('.').at(-1) as string;
    // An app called `db` must not hide the database: its models get a longer name.
    const name = label in names ? `${label}_models` : label;
    try {
      names[name] = await import(pathToFileURL(file).href);
    } catch (error) {
      throw new CommandError(`cannot import the models of '${app}' (${relative(process.cwd(), file)}): ${error instanceof Error ? error.message : String(error)}`);
    }
    apps.push(`${name} (${relative(process.cwd(), file)})`);
  }
  return { names, apps };
}

const AsyncFunction = (async () => undefined).constructor as new (body: string) => () => Promise<unknown>;

/** CODE as an async function: returning its value when it is one expression, else run as statements. */
function compile(code: string): () => Promise<unknown> {
  const text = code.trim().replace(/;+$/, '');
  try {
    return new AsyncFunction(`return (${text}\n);`);
  } catch {
    try {
      return new AsyncFunction(code);
    } catch (error) {
      throw new CommandError(`shell -c: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, 2);
    }
  }
}

/** Where tsgate's own files are: their stack frames are not the user's. */
const RUNTIME_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** An error from CODE: its message, and the stack frames in the project's own files (models.ts…), not the runtime's, a package's or manage's. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return inspect(error);
  const own = (line: string): boolean => !line.includes(RUNTIME_DIR) && !line.includes(process.argv[1] ?? RUNTIME_DIR) && !/node_modules|node:internal/.test(line);
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line) && own(line));
  return [`${error.name}: ${error.message}`, ...frames].join('\n');
}

/** Runs CODE with the namespace as globals, printing its value (a string as is, anything else as the REPL shows it). */
async function runCode(code: string, names: Record<string, unknown>): Promise<number> {
  Object.assign(globalThis, names);
  const run = compile(code);
  try {
    const value = await run();
    if (value !== undefined) process.stdout.write(`${typeof value === 'string' ? value : inspect(value, { depth: 6, colors: process.stdout.isTTY === true })}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`Uncaught ${describeError(error)}\n`);
    return 1;
  } finally {
    await closeConnections();
  }
}

/** The interactive REPL; resolves with 0 when the user leaves it (`.exit`, Ctrl-D). */
function interactive(banner: string, names: Record<string, unknown>): Promise<number> {
  process.stdout.write(banner);
  const server = start({ useGlobal: true, ignoreUndefined: true });
  Object.assign(server.context, names);
  // Node's own REPL history, as `node` keeps it; NODE_REPL_HISTORY='' turns it off.
  const history = process.env.NODE_REPL_HISTORY ?? join(homedir(), '.node_repl_history');
  if (history !== '') server.setupHistory(history, () => undefined);
  return new Promise((resolve) => {
    server.on('exit', () => {
      void closeConnections().then(() => resolve(0));
    });
  });
}

const command: Command = {
  help: "Starts a node REPL with the settings loaded, db, sql, connection and settings, and each installed app's models module under the app's name; top-level await works. -c CODE (or code on stdin) runs CODE instead and prints its value.",
  options: {
    command: { type: 'string', short: 'c', metavar: 'CODE', help: "run CODE (JavaScript, await allowed) and print its value, e.g. -c \"await db.selectFrom('pages_visit').selectAll().execute()\"" },
  },
  async handle(args) {
    if (args.positionals.length > 0) throw new CommandError(`shell takes no arguments (got ${args.positionals.join(' ')}): pass code with -c "…"`, 2);
    const settings = await configure();
    const { names, apps } = await namespace(settings);
    const code = stringOption(args, 'command');
    if (code !== undefined) return runCode(code, names);
    // Piped code, as `echo "…" | manage shell`: run it, as Django does.
    if (process.stdin.isTTY !== true) return runCode(readFileSync(0, 'utf8'), names);
    const banner =
      `tsgate shell, settings '${process.env.TSGATE_SETTINGS_MODULE ?? ''}'. Imported: db, sql, connection, settings${apps.length > 0 ? `, ${apps.join(', ')}` : ''}.\n` +
      `Top-level await works, e.g. await db.selectFrom('…').selectAll().execute(). .help for the REPL's commands, .exit or Ctrl-D to leave.\n`;
    return interactive(banner, names);
  },
};

export default command;
