/**
 * tsgate.cache's table as a model: `tsgate_cache`, the rows of db:// caches
 * and of rate limits counted in the database, made by the hand-written
 * migrations/0001_initial.ts (its state: 0001_initial.state.ts). The
 * backend (database.ts) queries it in SQL of its own per database; the
 * model is what makemigrations knows of it. On MySQL/MariaDB the table is
 * a little more than the model says: the key compares byte for byte
 * (utf8mb4_bin) and the value is a mediumtext.
 */
import { field, model, type Table } from '../db/models/index.js';

export const CacheEntry = model('tsgate_cache', {
  cache_key: field.varchar(255, { primaryKey: true }),
  value: field.text(),
  /** Milliseconds since the epoch (year 9999 for "never"), indexed for the cull of expired rows. */
  expires: field.bigint({ index: true }),
});

export type CacheTable = Table<typeof CacheEntry>;
