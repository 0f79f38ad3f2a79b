/**
 * cache.0001_initial: the table of db:// caches and of rate limits counted
 * in the database. One row per key; `expires` is milliseconds since the
 * epoch (year 9999 for "never"), indexed for the cull of expired rows.
 * On MySQL/MariaDB the key compares byte for byte (utf8mb4_bin): the
 * server's default collation would take 'A' and 'a' for one key), and a
 * value may be a whole page (mediumtext: 16 MB, where text stops at 64 kB).
 */
import { MysqlAdapter, sql } from '../../db/kysely.js';
import type { MigrationDb } from '../../db/migrations/types.js';

export async function up(db: MigrationDb): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter;
  await db.schema
    .createTable('tsgate_cache')
    .addColumn('cache_key', 'varchar(255)', (column) => (mysql ? column.modifyFront(sql`character set utf8mb4 collate utf8mb4_bin`) : column).primaryKey())
    .addColumn('value', mysql ? sql`mediumtext` : 'text', (column) => column.notNull())
    .addColumn('expires', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('tsgate_cache_expires').on('tsgate_cache').column('expires').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('tsgate_cache').execute();
}
