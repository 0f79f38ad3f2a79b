/**
 * auth.0001_initial: users, database sessions, login failures (throttling)
 * and per-user permissions. The column types are the portable ones that
 * tables.ts describes. Written by hand until `model()` lands; once applied,
 * never edited (a later change is 0002).
 */
import { PostgresAdapter, type ColumnDefinitionBuilder } from '../../db/kysely.js';
import type { MigrationDb } from '../../db/migrations/types.js';

/** An auto-incremented integer primary key: `serial` on PostgreSQL, AUTOINCREMENT elsewhere. */
function autoId(db: MigrationDb): [type: 'serial' | 'integer', build: (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder] {
  return db.getExecutor().adapter instanceof PostgresAdapter ? ['serial', (column) => column.primaryKey()] : ['integer', (column) => column.primaryKey().autoIncrement()];
}

export async function up(db: MigrationDb): Promise<void> {
  const [idType, id] = autoId(db);
  await db.schema
    .createTable('auth_user')
    .addColumn('id', idType, id)
    .addColumn('email', 'varchar(254)', (column) => column.notNull().unique())
    .addColumn('password', 'varchar(256)', (column) => column.notNull().defaultTo(''))
    .addColumn('is_active', 'boolean', (column) => column.notNull().defaultTo(true))
    .addColumn('is_staff', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('is_superuser', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('last_login', 'varchar(32)')
    .addColumn('date_joined', 'varchar(32)', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('auth_session')
    .addColumn('session_key', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('session_data', 'text', (column) => column.notNull())
    .addColumn('expire_at', 'bigint', (column) => column.notNull())
    .addColumn('user_id', 'integer', (column) => column.references('auth_user.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('auth_session_expire_at').on('auth_session').column('expire_at').execute();
  await db.schema.createIndex('auth_session_user_id').on('auth_session').column('user_id').execute();
  await db.schema
    .createTable('auth_login_failure')
    .addColumn('id', idType, id)
    .addColumn('scope', 'varchar(300)', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('auth_login_failure_scope_at').on('auth_login_failure').columns(['scope', 'at']).execute();
  await db.schema
    .createTable('auth_user_permission')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (column) => column.notNull().references('auth_user.id').onDelete('cascade'))
    .addColumn('permission', 'varchar(255)', (column) => column.notNull())
    .addUniqueConstraint('auth_user_permission_unique', ['user_id', 'permission'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('auth_user_permission').execute();
  await db.schema.dropTable('auth_login_failure').execute();
  await db.schema.dropTable('auth_session').execute();
  await db.schema.dropTable('auth_user').execute();
}
