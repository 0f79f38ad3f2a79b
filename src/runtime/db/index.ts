/**
 * `tsgate/db`: the project's database, as Kysely. `db` is the `default`
 * connection; `connection('replica')` any other alias in DATABASES.
 *
 * Describe your tables by adding to `Database`, so queries are typed:
 *
 *     declare module 'tsgate/db' {
 *       interface Database { pages_visit: { id: number; count: number } }
 *     }
 */
import type { Kysely } from './kysely.js';
import { getConnection } from './connections.js';

/** The project's tables; each app adds its own by declaration merging (see above). */
export interface Database {}

/** The connection for `alias` in DATABASES. */
export function connection(alias = 'default'): Kysely<Database> {
  return getConnection<Database>(alias).db;
}

/**
 * The `default` database. A stand-in until first used, so a module can
 * import it before the settings are loaded; every property is the real
 * Kysely's, bound to it.
 */
export const db: Kysely<Database> = new Proxy({} as Kysely<Database>, {
  get(_, property) {
    const real = connection();
    const value: unknown = Reflect.get(real, property, real);
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
  },
});

export { sql, type Kysely } from './kysely.js';
export { checkConnection, closeConnections } from './connections.js';
export { DatabaseError } from './errors.js';
export { redactUrl, parseDatabaseUrl, type Backend, type DatabaseTarget } from './url.js';
export type { Migration, MigrationDb } from './migrations/types.js';
export { field, model, type Field, type FieldSpec, type Model, type ModelOptions, type Table, type Tables } from './models/index.js';
export { op, type Operation } from './migrations/operations/index.js';
