/**
 * Finds each installed app's migrations (`app/migrations/0001_initial.ts`
 * in development, `dist/app/migrations/0001_initial.js` once built) and
 * imports them. The checksum is taken from the TypeScript source when it is
 * there, so development and the built project record the same one.
 * Migrations are keyed by the app's label: `pages.0001_initial`, `auth.0001_initial`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppConfig } from '../../apps/index.js';
import { DatabaseError } from '../errors.js';
import type { Migration, MigrationFile } from './types.js';

/** `0001_initial.ts`; not `.d.ts` files or source maps. */
const MIGRATION_FILE = /^(\d{4})_(\w+)\.(?:[cm]?js|[cm]?ts)$/;
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** The folder an app's migrations are imported from (`dist/pages/migrations` once built). */
export function migrationsFolder(app: AppConfig): string {
  return join(app.path, 'migrations');
}

/** The folder makemigrations writes an app's migrations into: beside its sources. */
export function sourceMigrationsFolder(app: AppConfig): string {
  return join(app.sourcePath, 'migrations');
}

function checksumOf(file: string, app: AppConfig): string {
  const stem = relative(app.path, file).replace(/\.[cm]?[jt]s$/, '');
  const source = SOURCE_EXTENSIONS.map((ext) => join(app.sourcePath, stem + ext)).find((candidate) => existsSync(candidate)) ?? file;
  return createHash('sha256').update(readFileSync(source)).digest('hex');
}

function isOperationList(value: unknown): boolean {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'object' && entry !== null && typeof (entry as { type?: unknown }).type === 'string');
}

/**
 * `0001_initial.state.ts` beside a hand-written `0001_initial.ts`: the
 * operations its tables correspond to, kept apart so the migration's file,
 * and so the checksum databases recorded when they applied it, stay as they were.
 */
function stateFile(file: string): string | undefined {
  const stem = file.replace(/\.[cm]?[jt]s$/, '');
  return ['.ts', '.mts', '.js', '.mjs'].map((ext) => `${stem}.state${ext}`).find((candidate) => existsSync(candidate));
}

async function withStateFile(exports: Record<string, unknown>, file: string, key: string): Promise<Record<string, unknown>> {
  const beside = stateFile(file);
  if (!beside) return exports;
  if (exports.state !== undefined || exports.operations !== undefined) {
    throw new DatabaseError(`${key} (${file}) has ${exports.operations !== undefined ? 'operations' : 'state'} and also ${beside}: keep one of them.`);
  }
  const state = (await importMigration(beside, `${key} (its state)`)).operations;
  if (!isOperationList(state)) throw new DatabaseError(`${beside}: export operations, a list of op.* operations (the tables ${key} makes).`);
  return { ...exports, state };
}

function checkModule(exports: Record<string, unknown>, where: string): Migration {
  if (exports.operations !== undefined) {
    if (!isOperationList(exports.operations)) {
      throw new DatabaseError(`${where}: operations must be a list of op.* operations, e.g. [op.addField('blog_note', 'rating', field.integer({ null: true }))].`);
    }
    if (exports.up !== undefined) throw new DatabaseError(`${where} exports both operations and up(): keep one of them.`);
  } else if (typeof exports.up !== 'function') {
    throw new DatabaseError(`${where} must export operations (a list of op.* operations) or an async function up(db).`);
  }
  if (exports.down !== undefined && typeof exports.down !== 'function') throw new DatabaseError(`${where}: down must be a function.`);
  const dependencies = exports.dependencies;
  const pair = (entry: unknown) => Array.isArray(entry) && entry.length === 2 && entry.every((part) => typeof part === 'string');
  if (dependencies !== undefined && !(Array.isArray(dependencies) && dependencies.every(pair))) {
    throw new DatabaseError(`${where}: dependencies must be a list of [app, migration] pairs, e.g. [['users', '0001_initial']].`);
  }
  if (exports.initial !== undefined && typeof exports.initial !== 'boolean') throw new DatabaseError(`${where}: initial must be true or false.`);
  if (exports.replaces !== undefined && !(Array.isArray(exports.replaces) && exports.replaces.every(pair))) {
    throw new DatabaseError(`${where}: replaces must be a list of [app, migration] pairs, e.g. [['blog', '0001_initial'], ['blog', '0002_note_rating']].`);
  }
  if (exports.state !== undefined) {
    if (exports.operations !== undefined) throw new DatabaseError(`${where} exports both operations and state: state is for a migration written with up(); keep operations.`);
    if (!isOperationList(exports.state)) throw new DatabaseError(`${where}: state must be a list of op.* operations, e.g. [op.createModel('blog_note', { id: field.id() })].`);
  }
  if (exports.operations === undefined) return exports as unknown as Migration;
  // up() and down() are made from the operations once the graph knows the state before them (graph.ts).
  const unbound = async () => {
    throw new DatabaseError(`${where}: its operations run only through the migration graph.`);
  };
  return { ...exports, up: unbound, down: unbound } as unknown as Migration;
}

/** Imports a migration file; one that cannot load is named, with the cause, and no stack. */
async function importMigration(file: string, key: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new DatabaseError(`Cannot load the migration ${key} (${file}): ${cause}`, { cause: error });
  }
}

/** An app's migration files by name (`0001_initial` → its path), in order; read from the folder, not imported. */
function migrationFiles(app: AppConfig): Map<string, string> {
  const folder = migrationsFolder(app);
  const byName = new Map<string, string>();
  if (!existsSync(folder)) return byName;
  for (const entry of readdirSync(folder).sort()) {
    const match = MIGRATION_FILE.exec(entry);
    if (match && !entry.endsWith('.d.ts') && !entry.endsWith('.d.mts')) {
      const name = entry.replace(/\.[cm]?[jt]s$/, '');
      if (!byName.has(name)) byName.set(name, join(folder, entry));
    }
  }
  return byName;
}

/** Every installed app's migration keys (`pages.0001_initial`), from file names alone: nothing is imported. */
export function migrationKeys(apps: readonly AppConfig[]): string[] {
  return apps.flatMap((app) => [...migrationFiles(app).keys()].map((name) => `${app.label}.${name}`));
}

async function loadApp(app: AppConfig): Promise<MigrationFile[]> {
  const byName = migrationFiles(app);
  const label = app.label;
  const loaded: MigrationFile[] = [];
  for (const [name, file] of byName) {
    const module = checkModule(await withStateFile(await importMigration(file, `${label}.${name}`), file, `${label}.${name}`), `${label}.${name} (${file})`);
    loaded.push({ app: label, name, key: `${label}.${name}`, number: Number(name.slice(0, 4)), file, checksum: checksumOf(file, app), module });
  }
  // A squashed migration stands in for the ones it replaces once their files are deleted; while they are there, they run.
  // Two with one number (0003_a, 0003_b: two branches) are allowed: the graph finds the two leaves and asks for a merge.
  return loaded.filter((migration) => !(migration.module.replaces ?? []).some(([replacedApp, name]) => replacedApp === label && byName.has(name)));
}

/** Every installed app's migrations, in INSTALLED_APPS order, then by number. */
export async function loadMigrations(apps: readonly AppConfig[]): Promise<MigrationFile[]> {
  const found: MigrationFile[] = [];
  for (const app of apps) found.push(...(await loadApp(app)));
  return found;
}
