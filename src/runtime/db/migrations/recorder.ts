/**
 * The table of applied migrations, `tsgate_migrations`: Django's
 * django_migrations plus the checksum of the file as it was applied.
 */
import { sql } from '../kysely.js';
import type { Backend } from '../url.js';
import type { AppliedMigration, MigrationDb, MigrationFile } from './types.js';

export const MIGRATIONS_TABLE = 'tsgate_migrations';

export async function ensureMigrationsTable(db: MigrationDb): Promise<void> {
  await db.schema
    .createTable(MIGRATIONS_TABLE)
    .ifNotExists()
    .addColumn('app', 'varchar(255)', (column) => column.notNull())
    .addColumn('name', 'varchar(255)', (column) => column.notNull())
    .addColumn('checksum', 'varchar(64)', (column) => column.notNull())
    .addColumn('applied', 'varchar(32)', (column) => column.notNull())
    .addPrimaryKeyConstraint(`${MIGRATIONS_TABLE}_pkey`, ['app', 'name'])
    .execute();
}

/**
 * Whether the table is there: one catalog lookup, not an introspection of
 * every table (readiness asks this on each probe until migrate has run).
 * PostgreSQL resolves the name through search_path, as creating it did.
 */
export async function hasMigrationsTable(db: MigrationDb, backend: Backend): Promise<boolean> {
  const lookup =
    backend === 'sqlite'
      ? sql`select 1 from sqlite_master where type = 'table' and name = ${MIGRATIONS_TABLE}`
      : backend === 'postgres'
        ? sql`select 1 where to_regclass(${MIGRATIONS_TABLE}) is not null`
        : sql`select 1 from information_schema.tables where table_schema = database() and table_name = ${MIGRATIONS_TABLE}`;
  return (await lookup.execute(db)).rows.length > 0;
}

/** The applied migrations by key (`pages.0001_initial`); none when the table is not there yet. */
export async function appliedMigrations(db: MigrationDb, backend: Backend): Promise<Map<string, AppliedMigration>> {
  if (!(await hasMigrationsTable(db, backend))) return new Map();
  const rows = (await db.selectFrom(MIGRATIONS_TABLE).select(['app', 'name', 'checksum', 'applied']).orderBy('app').orderBy('name').execute()) as AppliedMigration[];
  return new Map(rows.map((row) => [`${row.app}.${row.name}`, row]));
}

export async function recordApplied(db: MigrationDb, migration: MigrationFile): Promise<void> {
  await db
    .insertInto(MIGRATIONS_TABLE)
    .values({ app: migration.app, name: migration.name, checksum: migration.checksum, applied: new Date().toISOString() })
    .execute();
}

export async function recordUnapplied(db: MigrationDb, migration: MigrationFile): Promise<void> {
  await db.deleteFrom(MIGRATIONS_TABLE).where('app', '=', migration.app).where('name', '=', migration.name).execute();
  // Undoing a squashed migration undoes the ones it replaces: their rows would otherwise count it as applied again.
  for (const [app, name] of migration.module.replaces ?? []) await db.deleteFrom(MIGRATIONS_TABLE).where('app', '=', app).where('name', '=', name).execute();
}

/** Applied migrations whose file has changed since, by key. */
export function changedSinceApplied(graph: { nodes: ReadonlyMap<string, MigrationFile> }, applied: ReadonlyMap<string, AppliedMigration>): MigrationFile[] {
  return [...applied.keys()].flatMap((key) => {
    const migration = graph.nodes.get(key);
    return migration && migration.checksum !== applied.get(key)?.checksum ? [migration] : [];
  });
}
