/**
 * What cache.0001_initial (written by hand) made, as an operation, for the
 * project state only: never run. A file of its own so that 0001_initial.ts,
 * and the checksum databases recorded when they applied it, stay as they
 * were. The MySQL-only details (utf8mb4_bin key, mediumtext value) are the
 * migration's, not the state's.
 */
import { op } from '../../db/migrations/operations/operations.js';
import { field } from '../../db/models/index.js';

export const operations = [
  op.createModel('tsgate_cache', {
    cache_key: field.varchar(255, { primaryKey: true }),
    value: field.text(),
    expires: field.bigint({ index: true }),
  }),
];
