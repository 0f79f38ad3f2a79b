/**
 * Finds each installed app's migrations (`app/migrations/0001_initial.ts`
 * in development, `dist/app/migrations/0001_initial.js` once built) and
 * imports them. The checksum is taken from the TypeScript source when it is
 * there, so development and the built project record the same one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseError } from '../errors.js';
import type { Migration, MigrationFile } from './types.js';

/** `0001_initial.ts`; not `.d.ts` files or source maps. */
const MIGRATION_FILE = /^(\d{4})_(\w+)\.(?:[cm]?js|[cm]?ts)$/;
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

export interface MigrationRoots {
  /** Where modules are imported from: the project folder, or dist/. */
  moduleRoot: string;
  /** The project folder, where the TypeScript sources are. */
  baseDir: string;
}

export function migrationsFolder(app: string, root: string): string {
  return join(root, ...app.split('.'), 'migrations');
}

function checksumOf(file: string, roots: MigrationRoots): string {
  const stem = relative(roots.moduleRoot, file).replace(/\.[cm]?[jt]s$/, '');
  const source = SOURCE_EXTENSIONS.map((ext) => join(roots.baseDir, stem + ext)).find((candidate) => existsSync(candidate)) ?? file;
  return createHash('sha256').update(readFileSync(source)).digest('hex');
}

function checkModule(exports: Record<string, unknown>, where: string): Migration {
  if (typeof exports.up !== 'function') throw new DatabaseError(`${where} must export an async function up(db).`);
  if (exports.down !== undefined && typeof exports.down !== 'function') throw new DatabaseError(`${where}: down must be a function.`);
  const dependencies = exports.dependencies;
  const pair = (entry: unknown) => Array.isArray(entry) && entry.length === 2 && entry.every((part) => typeof part === 'string');
  if (dependencies !== undefined && !(Array.isArray(dependencies) && dependencies.every(pair))) {
    throw new DatabaseError(`${where}: dependencies must be a list of [app, migration] pairs, e.g. [['users', '0001_initial']].`);
  }
  if (exports.initial !== undefined && typeof exports.initial !== 'boolean') throw new DatabaseError(`${where}: initial must be true or false.`);
  return exports as unknown as Migration;
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
function migrationFiles(app: string, moduleRoot: string): Map<string, string> {
  const folder = migrationsFolder(app, moduleRoot);
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
export function migrationKeys(apps: readonly string[], moduleRoot: string): string[] {
  return apps.flatMap((app) => [...migrationFiles(app, moduleRoot).keys()].map((name) => `${app}.${name}`));
}

async function loadApp(app: string, roots: MigrationRoots): Promise<MigrationFile[]> {
  const byName = migrationFiles(app, roots.moduleRoot);
  const migrations: MigrationFile[] = [];
  for (const [name, file] of byName) {
    const number = Number(name.slice(0, 4));
    const clash = migrations.find((other) => other.number === number);
    if (clash) throw new DatabaseError(`The app '${app}' has two migrations numbered ${name.slice(0, 4)}: ${clash.name} and ${name}. Renumber one of them.`);
    const module = checkModule(await importMigration(file, `${app}.${name}`), `${app}.${name} (${file})`);
    migrations.push({ app, name, key: `${app}.${name}`, number, file, checksum: checksumOf(file, roots), module });
  }
  return migrations;
}

/** Every installed app's migrations, in INSTALLED_APPS order, then by number. */
export async function loadMigrations(apps: readonly string[], roots: MigrationRoots): Promise<MigrationFile[]> {
  const found: MigrationFile[] = [];
  for (const app of apps) found.push(...(await loadApp(app, roots)));
  return found;
}
