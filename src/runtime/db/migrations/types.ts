import type { Operation } from './operations/operations.js';

import type { MigrationDb } from './migration-db.js';

export type { MigrationDb } from './migration-db.js';

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
  /**
   * A hand-written migration's tables as operations, for the project state
   * only (Django's SeparateDatabaseAndState): `up`/`down` change the
   * database, these tell makemigrations what they made, so other apps'
   * foreign keys to those tables resolve. Never run. A migration already
   * applied somewhere keeps its file (and checksum) as it is and puts them
   * in `NNNN_name.state.ts` beside it instead.
   */
  state?: readonly Operation[];
  /** The migrations this one was squashed from (squashmigrations): it runs in their place once their files are gone. */
  replaces?: readonly (readonly [app: string, name: string])[];
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
