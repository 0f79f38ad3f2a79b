/**
 * A small project for the migration commands: settings, a manage script
 * over the built runtime (build/tsgate/dist), and apps whose migrations are
 * plain .js files with no imports. Commands run as separate processes, as
 * a user (or a container) runs them, on a private copy of the runtime.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, vi } from 'vitest';
import { REPO, tempDir } from '../helpers/process.js';
import { ensureBuilt } from '../management/built.js';
import { freePort, killServers, ServerProcess } from '../server/helpers.js';
import { freshDatabase, type Backend, type TestDatabase } from './services.js';

const MANAGE = (runtime: string) => `import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { executeFromCommandLine } from ${JSON.stringify(runtime)};
process.env.TSGATE_SETTINGS_MODULE ??= 'settings';
// For the concurrency tests: say "ready", then wait until every process is, so all start at once.
const barrier = process.env.TEST_BARRIER;
if (barrier) {
  writeFileSync(join(barrier, 'ready-' + process.pid), '');
  while (!existsSync(join(barrier, 'go'))) await new Promise((resolve) => setTimeout(resolve, 5));
}
await executeFromCommandLine(process.argv.slice(2), { root: new URL('.', import.meta.url) });
`;

const SETTINGS = (base: string, apps: readonly string[]) => `export const BASE_DIR = ${JSON.stringify(base)};
export const DEBUG = true;
export const INSTALLED_APPS = ${JSON.stringify(apps)};
export const ROOT_URLCONF = 'urls';
export const WSGI_APPLICATION = 'wsgi:application';
export const DATABASES = {
  default: { URL: process.env.DATABASE_URL, ...(process.env.CONNECT_TIMEOUT ? { CONNECT_TIMEOUT: Number(process.env.CONNECT_TIMEOUT) } : {}) },
  ...(process.env.OTHER_DATABASE_URL ? { other: { URL: process.env.OTHER_DATABASE_URL } } : {}),
};
`;

/** A migration that creates a table `name` with an id and the given varchar columns, and drops it going back. */
export function createTableMigration(name: string, columns: readonly string[] = [], head = ''): string {
  const added = columns.map((column) => `.addColumn('${column}', 'varchar(100)')`).join('');
  return `${head}export async function up(db) {
  await db.schema.createTable('${name}').addColumn('id', 'integer', (c) => c.primaryKey())${added}.execute();
}
export async function down(db) {
  await db.schema.dropTable('${name}').execute();
}
`;
}

/** A migration that adds a varchar column, and drops it going back. */
export function addColumnMigration(table: string, column: string, head = ''): string {
  return `${head}export async function up(db) {
  await db.schema.alterTable('${table}').addColumn('${column}', 'varchar(100)').execute();
}
export async function down(db) {
  await db.schema.alterTable('${table}').dropColumn('${column}').execute();
}
`;
}

/**
 * The usual two apps: notes 0001–0004 and tags 0001–0002, where
 * tags.0001_initial depends on notes.0002_title. notes.0001_initial creates
 * two tables (notes_note and notes_author), for --fake-initial.
 */
export const STANDARD_MIGRATIONS: Readonly<Record<string, string>> = {
  'notes/migrations/0001_initial.js': `export async function up(db) {
  await db.schema.createTable('notes_note').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'varchar(200)').execute();
  await db.schema.createTable('notes_author').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('name', 'varchar(100)').execute();
}
export async function down(db) {
  await db.schema.dropTable('notes_author').execute();
  await db.schema.dropTable('notes_note').execute();
}
`,
  'notes/migrations/0002_title.js': addColumnMigration('notes_note', 'title'),
  'notes/migrations/0003_archive.js': createTableMigration('notes_archive'),
  'notes/migrations/0004_label.js': createTableMigration('notes_label', ['text']),
  'tags/migrations/0001_initial.js': createTableMigration('tags_tag', ['name'], "export const dependencies = [['notes', '0002']];\n"),
  'tags/migrations/0002_color.js': addColumnMigration('tags_tag', 'color'),
};

/** Every table the standard migrations make, sorted. */
export const STANDARD_TABLES = ['notes_archive', 'notes_author', 'notes_label', 'notes_note', 'tags_tag'];

export const STANDARD_KEYS = [
  'notes.0001_initial',
  'notes.0002_title',
  'notes.0003_archive',
  'notes.0004_label',
  'tags.0001_initial',
  'tags.0002_color',
];

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, for failure messages. */
  output: string;
}

export interface ProjectOptions {
  /** INSTALLED_APPS; by default the apps the files are in. */
  apps?: readonly string[];
  /** Files by path relative to the project; STANDARD_MIGRATIONS when left out. */
  files?: Readonly<Record<string, string>>;
  /** Environment for every command: DATABASE_URL, OTHER_DATABASE_URL. */
  env?: Readonly<Record<string, string>>;
}

let runtime: string | undefined;
/** The folders this file made: the runtime copy and every project. */
const made: string[] = [];
/** The servers serveProject() started, killed after the file's tests. */
const serving: ServerProcess[] = [];

/** A temporary folder, removed with the file's projects. */
export function scratchDir(prefix = 'tsgate-db-scratch-'): string {
  const dir = tempDir(prefix);
  made.push(dir);
  return dir;
}

/** In a test file that runs commands: a longer test timeout, a copy of the runtime before its tests, and its folders removed after. */
export function useProjects(): void {
  // A test runs a handful of commands, each a process start: room for a loaded machine.
  vi.setConfig({ testTimeout: 120_000 });
  beforeAll(prepareRuntime, 300_000);
  afterAll(async () => {
    await killServers(serving.splice(0));
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Builds the runtime if a source is newer, then copies build/tsgate to a
 * folder of this test file's own (beside a node_modules link to the repo's),
 * so a rebuild during the run (another test file's, or an edit in the
 * working tree) never swaps the runtime under a running command.
 * See useProjects().
 */
function prepareRuntime(): void {
  const built = join(REPO, 'build', 'tsgate');
  const stamp = () => {
    const dist = statSync(join(built, 'dist'), { throwIfNoEntry: false });
    return existsSync(join(REPO, 'build', '.lock')) || !dist ? undefined : `${dist.ino}:${dist.mtimeMs}`;
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    ensureBuilt();
    const before = stamp();
    if (before !== undefined) {
      const copy = tempDir('tsgate-db-runtime-');
      made.push(copy);
      symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
      try {
        cpSync(built, join(copy, 'tsgate'), { recursive: true });
        if (stamp() === before && existsSync(join(copy, 'tsgate', 'dist', 'management', 'index.js'))) {
          runtime = pathToFileURL(join(copy, 'tsgate', 'dist', 'management', 'index.js')).href;
          return;
        }
      } catch {
        // Swapped while copying: try again.
      }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  throw new Error('build/tsgate kept changing: could not take a copy of the runtime');
}

/** The file URL of a module of this test file's runtime copy: `runtimeModule('db/readiness.js')`. */
export function runtimeModule(path: string): string {
  if (!runtime) throw new Error('call useProjects() at the top of the test file');
  return new URL(`../${path}`, runtime).href;
}

export class TestProject {
  readonly dir: string;
  env: Record<string, string>;

  constructor(options: ProjectOptions = {}) {
    this.dir = tempDir('tsgate-db-');
    made.push(this.dir);
    this.env = { ...options.env };
    // By default the apps whose files are given, in order.
    const apps = options.apps ?? [...new Set(Object.keys(options.files ?? STANDARD_MIGRATIONS).map((path) => path.split('/')[0] ?? ''))];
    this.write('package.json', '{"type": "module", "private": true}\n');
    if (!runtime) throw new Error('call useProjects() at the top of the test file');
    this.write('manage.mjs', MANAGE(runtime));
    this.write('settings.mjs', SETTINGS(this.dir, apps));
    for (const app of apps) mkdirSync(join(this.dir, app), { recursive: true });
    for (const [path, content] of Object.entries(options.files ?? STANDARD_MIGRATIONS)) this.write(path, content);
  }

  path(relative: string): string {
    return join(this.dir, ...relative.split('/'));
  }

  write(relative: string, content: string): void {
    const file = this.path(relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  read(relative: string): string {
    return readFileSync(this.path(relative), 'utf8');
  }

  remove(relative: string): void {
    rmSync(this.path(relative), { force: true, recursive: true });
  }

  /**
   * Starts `node manage.mjs ARGS` (in the project folder, or `cwd`) and
   * returns at once; `detached` puts it in its own process group, as a
   * server to be killed whole.
   */
  spawn(args: readonly string[], env: Readonly<Record<string, string>> = {}, options: { cwd?: string; detached?: boolean } = {}): ChildProcessByStdio<null, Readable, Readable> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, TSGATE_SETTINGS_MODULE: 'settings', ...this.env, ...env };
    delete childEnv.TSGATE_TEST_DATABASES;
    delete childEnv.NODE_OPTIONS;
    return spawn(process.execPath, [join(this.dir, 'manage.mjs'), ...args], {
      cwd: options.cwd ?? this.dir,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
  }

  /** Runs `node manage.mjs ARGS` (in the project folder, or `cwd`); resolves when it exits (killed after 60 s). */
  manage(args: readonly string[], env: Readonly<Record<string, string>> = {}, cwd = this.dir): Promise<CommandResult> {
    const child = this.spawn(args, env, { cwd });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      output += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
      output += data.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr, output: `exit ${status}\n${output}` });
      });
    });
  }
}

/** The `Applying x... OK` / `Unapplying x... FAKED` lines of a migrate run, as `[verb, key, outcome]`. */
export function steps(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}(Applying|Unapplying) (\S+)\.\.\. ?(\w+)?$/gm)].map((match) => `${match[1]} ${match[2]} ${match[3] ?? ''}`.trim());
}

/** A project on a fresh database of `backend`, its DATABASE_URL set. */
export async function newProject(backend: Backend, options: ProjectOptions = {}): Promise<{ project: TestProject; database: TestDatabase }> {
  const project = new TestProject(options);
  const database = await freshDatabase(backend, project.dir);
  project.env.DATABASE_URL = database.url;
  return { project, database };
}

/** sha256 of a project file, as tsgate_migrations records it. */
export function checksum(project: TestProject, relative: string): string {
  return createHash('sha256').update(readFileSync(project.path(relative))).digest('hex');
}

/**
 * The files `manage serve` needs beside settings.mjs: wsgi.mjs, and
 * settings_serve.mjs, production settings (DEBUG off: JSON logs, the plain
 * 500 page) over settings.mjs, with the `extra` lines after them.
 */
export function servingFiles(extra = ''): Record<string, string> {
  return {
    'wsgi.mjs': `import { getWsgiApplication } from ${JSON.stringify(runtimeModule('wsgi.js'))};
export const application = await getWsgiApplication({ root: new URL('.', import.meta.url) });
`,
    'settings_serve.mjs': `export * from './settings.mjs';
export const DEBUG = false;
export const SECRET_KEY = 'tsgate-test-serving-key-that-is-long-enough-0123456789';
export const ALLOWED_HOSTS = ['127.0.0.1'];
${extra}`,
  };
}

/**
 * Starts `manage serve --workers 2` of a project with servingFiles() on a
 * free port, and waits until both workers booted; useProjects() kills it
 * after the file's tests.
 */
export async function serveProject(project: TestProject, env: Readonly<Record<string, string>> = {}, extraArgs: readonly string[] = []): Promise<{ server: ServerProcess; port: number }> {
  const port = await freePort();
  const args = ['serve', '--workers', '2', '--bind', `127.0.0.1:${port}`, ...extraArgs];
  const server = new ServerProcess(project.spawn(args, { TSGATE_SETTINGS_MODULE: 'settings_serve', ...env }, { detached: true }));
  serving.push(server);
  await server.waitForLog(/Booting worker with pid: \d+/, 2, 60_000);
  return { server, port };
}
