import type { Kysely } from '../kysely.js';
import type { Operation } from './operations/operations.js';

/**
 * What a migration is given: the database as it is when the migration runs,
 * which the project's current `Database` interface does not describe, so its
 * tables are untyped (Kysely's own migrations take `Kysely<any>` likewise).
 */
export type MigrationDb = Kysely<any>;

/**
 * A migration module: `app/migrations/0002_add_title.ts`. Either it lists
 * `operations` (what makemigrations writes; up and down are made from
 * them), or it exports `up` (and `down`) written by hand.
 */
export interface Migration {
  up(db: MigrationDb): Promise<void>;
  /** Undoes `up`; without it the migration cannot be unapplied. */
  down?(db: MigrationDb): Promise<void>;
  /** Other apps' migrations that must run first: `[['users', '0001_initial']]`. The app's previous migration is implied. */
  dependencies?: readonly (readonly [app: string, name: string])[];
  /** The declarative operations, in order; the project state is rebuilt from these. */
  operations?: readonly Operation[];
  /** Creates tables that `migrate --fake-initial` may find already there; true for 0001 unless set. */
  initial?: boolean;
}

/** A migration found on disk. */
export interface MigrationFile {
  app: string;
  /** `0001_initial` */
  name: string;
  /** `pages.0001_initial` */
  key: string;
  number: number;
  file: string;
  /** sha256 of the source file, recorded when applied. */
  checksum: string;
  module: Migration;
}

/** A row of the applied-migrations table. */
export interface AppliedMigration {
  app: string;
  name: string;
  checksum: string;
  applied: string;
}
