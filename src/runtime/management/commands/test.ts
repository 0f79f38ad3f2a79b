/**
 * `manage test [PATHS...]`, after Django's `manage.py test`: finds the
 * project's test files — `test/**\/*.test.ts` and each app's
 * `tests/**\/*.test.ts`, apps nested or not (`.js` when running compiled;
 * never inside node_modules, dist, vendor or dot folders) — and runs them with
 * node's test runner in a child process, which gets this process's node
 * flags (the tsx loader in development) and environment as they are. The
 * exit code is the runner's. As in Django, the tests get fresh test
 * databases, migrated first and dropped afterwards (`--keepdb` keeps them);
 * one an earlier run left behind is dropped only once the user says yes
 * (`--noinput` says it for scripts and CI).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { findModuleFile, getModuleRoot } from '../../conf/modules.js';
import { projectDir } from '../../conf/project.js';
import { configure, SETTINGS_MODULE_VARIABLE, TEST_DATABASES_VARIABLE, TEST_RUN_VARIABLE } from '../../conf/settings.js';
import { closeConnections } from '../../db/connections.js';
import { createTestDatabases, type TestDatabase } from '../../db/testing.js';
import { CommandError, flag, stringList, stringOption, type Command } from '../base.js';
import { ask, canAsk, NOINPUT_OPTIONS, noInput } from '../prompt.js';

/** Folders never searched for tests, at any depth (dot folders neither). */
const EXCLUDED = new Set(['node_modules', 'dist', 'vendor']);

export interface TestLayout {
  /** Where discovery starts: the project folder, or the compiled tree (dist/) when running compiled. */
  root: string;
  /** Running compiled JavaScript: look for `.test.js` files instead of `.test.ts`. */
  compiled: boolean;
}

function suffixes(compiled: boolean): readonly string[] {
  return compiled ? ['.test.js', '.test.mjs'] : ['.test.ts', '.test.mts'];
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function skipped(folder: string): boolean {
  return EXCLUDED.has(folder) || folder.startsWith('.');
}

/** Every test file under `dir`, skipping excluded folders. */
function walk(dir: string, compiled: boolean, found: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skipped(entry.name)) walk(path, compiled, found);
    } else if (entry.isFile() && suffixes(compiled).some((suffix) => entry.name.endsWith(suffix))) {
      found.push(path);
    }
  }
}

/** Folders searched for `tests/` folders but holding none: skipped for speed (a collected STATIC_ROOT can be big). */
const NO_TESTS_INSIDE = new Set(['migrations', 'static', 'staticfiles', 'templates']);

/** Every `tests/` folder's test files under `dir`, at any depth: apps may nest (`apps/shop/tests/`). */
function searchApps(dir: string, compiled: boolean, found: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || skipped(entry.name) || NO_TESTS_INSIDE.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.name === 'tests') walk(path, compiled, found);
    else searchApps(path, compiled, found);
  }
}

/** The default test files: `test/**` at `root`, and every app's `tests/**` below it, sorted. */
export function discoverTestFiles({ root, compiled }: TestLayout): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || skipped(entry.name) || NO_TESTS_INSIDE.has(entry.name)) continue;
    const path = join(root, entry.name);
    if (entry.name === 'test' || entry.name === 'tests') walk(path, compiled, found);
    else searchApps(path, compiled, found);
  }
  return found.sort();
}

/**
 * The test files `labels` name: a file is taken as it is, a folder is
 * searched (the project folder itself by the default rules). A label is a
 * path from the current folder, or else from the project folder.
 */
export function filesFromLabels(labels: readonly string[], layout: TestLayout, cwd = process.cwd()): string[] {
  const files = new Set<string>();
  for (const label of labels) {
    const path = [resolve(cwd, label), resolve(layout.root, label)].find((candidate) => statSync(candidate, { throwIfNoEntry: false }));
    if (path === undefined) {
      const from = resolve(cwd) === resolve(layout.root) ? cwd : `${cwd} and from ${layout.root}`;
      throw new CommandError(`no test file or folder '${label}' (looked from ${from})`, 2);
    }
    if (!isDirectory(path)) files.add(path);
    else if (path === resolve(layout.root)) for (const file of discoverTestFiles(layout)) files.add(file);
    else {
      const found: string[] = [];
      walk(path, layout.compiled, found);
      for (const file of found) files.add(file);
    }
  }
  return [...files].sort();
}

/** Where the tests are: beside the settings module's package.json, or in the compiled tree. */
export function testLayout(moduleName = process.env[SETTINGS_MODULE_VARIABLE]): TestLayout {
  const settingsFile = moduleName ? findModuleFile(moduleName) : undefined;
  const compiled = settingsFile ? /\.m?js$/.test(settingsFile) : !/\.m?ts$/.test(process.argv[1] ?? '');
  const root = compiled ? getModuleRoot() : projectDir(settingsFile ?? join(getModuleRoot(), 'manage'));
  return { root, compiled };
}

function describeSearch({ root, compiled }: TestLayout): string {
  const ext = compiled ? 'js' : 'ts';
  return `test/**/*.test.${ext} and **/tests/**/*.test.${ext} under ${root}`;
}

/** Runs node's test runner on `files` with this process's node flags; resolves to its exit code. */
export function runNodeTests(files: readonly string[], runnerFlags: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--test', ...runnerFlags, ...files], { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    };
    child.once('error', (error) => {
      done();
      reject(new CommandError(`cannot start node's test runner: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      done();
      resolvePromise(code ?? (signal ? 128 + constants.signals[signal] : 1));
    });
  });
}

/**
 * Asks, as Django does, before dropping a test database an earlier run left
 * behind: yes on `--noinput`, an error when there is no terminal to ask.
 */
async function replaceExisting(alias: string, name: string, noinput: boolean): Promise<boolean> {
  process.stderr.write(`The test database '${name}' for alias '${alias}' already exists: an earlier run left it.\n`);
  if (!noinput) {
    if (!canAsk()) {
      throw new CommandError(`stdin is not a terminal to confirm deleting the test database '${name}': pass --noinput to delete it, or --keepdb to reuse it.`);
    }
    // On stderr: stdout carries the test runner's report.
    const answer = await ask(`Type 'yes' if you would like to try deleting the test database '${name}', or 'no' to cancel: `, process.stderr);
    if (answer !== 'yes') return false;
  }
  process.stderr.write(`Destroying old test database for alias '${alias}'...\n`);
  return true;
}

/** Makes the test databases, saying so as Django does. */
async function setUpTestDatabases(keep: boolean, noinput: boolean): Promise<TestDatabase[]> {
  const settings = await configure();
  try {
    const databases = await createTestDatabases(settings, { keep, replaceExisting: (alias, name) => replaceExisting(alias, name, noinput) });
    for (const database of databases) {
      const action = database.sameAs ? `Using the test database of alias '${database.sameAs}'` : `${keep ? 'Using existing' : 'Creating'} test database`;
      process.stderr.write(`${action} for alias '${database.alias}' (${database.name})...\n`);
    }
    return databases;
  } finally {
    await closeConnections();
  }
}

/** Runs `manage migrate` on each test database, in a child process that reads them from `env`; its output is shown only when it fails. */
async function migrateTestDatabases(databases: readonly TestDatabase[], env: NodeJS.ProcessEnv): Promise<void> {
  for (const { alias, sameAs } of databases) {
    if (sameAs) continue; // migrated as its alias
    const argv = [...process.execArgv, process.argv[1] ?? 'manage', 'migrate', '--noinput', '--database', alias];
    const result = spawnSync(process.execPath, argv, { env, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new CommandError(`migrating the test database for alias '${alias}' failed:\n${result.stdout}${result.stderr}`);
    }
  }
}

/** A path as the user would type it: relative to the current folder when inside it. */
function shown(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : path;
}

const command: Command = {
  help: "Runs the project's tests — test/**/*.test.ts and each app's tests/**/*.test.ts, or the files and folders given — with node's test runner.",
  args: '[PATHS...]',
  options: {
    'name-pattern': { type: 'string', short: 'k', multiple: true, metavar: 'PATTERN', help: 'run only tests whose name matches this regular expression; repeatable' },
    reporter: { type: 'string', metavar: 'NAME', help: "node's test reporter: spec, tap or dot (default: spec on a terminal, tap otherwise)" },
    keepdb: { type: 'boolean', help: 'keep the test databases between runs (faster; migrations still run)' },
    ...NOINPUT_OPTIONS,
  },
  async handle(args) {
    const layout = testLayout();
    const files = args.positionals.length > 0 ? filesFromLabels(args.positionals, layout) : discoverTestFiles(layout);
    if (files.length === 0) {
      const where = args.positionals.length > 0 ? `in ${args.positionals.join(', ')}` : `(looked for ${describeSearch(layout)})`;
      throw new CommandError(`no test files found ${where}`, 1);
    }
    const reporter = stringOption(args, 'reporter');
    const flags = [
      ...stringList(args, 'name-pattern').map((pattern) => `--test-name-pattern=${pattern}`),
      ...(reporter === undefined ? [] : [`--test-reporter=${reporter}`]),
    ];
    // On stderr, so that stdout carries only the runner's report (TAP when piped).
    process.stderr.write(`Found ${files.length} test file${files.length === 1 ? '' : 's'}.\n`);
    const keep = flag(args, 'keepdb');
    const databases = await setUpTestDatabases(keep, noInput(args));
    try {
      const env = { ...process.env, [TEST_RUN_VARIABLE]: '1', [TEST_DATABASES_VARIABLE]: JSON.stringify(Object.fromEntries(databases.map((database) => [database.alias, database.url]))) };
      await migrateTestDatabases(databases, env);
      return await runNodeTests(
        files.map((file) => shown(file)),
        flags,
        env,
      );
    } finally {
      for (const database of databases) {
        if (!keep && !database.sameAs) process.stderr.write(`Destroying test database for alias '${database.alias}'...\n`);
        await database.destroy();
      }
      await closeConnections();
    }
  },
};

export default command;
