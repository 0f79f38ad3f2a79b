import type { Kysely } from '../kysely.js';

/**
 * What a migration is given: the database as it is when the migration runs,
 * which the project's current `Database` interface does not describe, so its
 * tables are untyped (Kysely's own migrations take `Kysely<any>` likewise).
 */
export type MigrationDb = Kysely<any>;
