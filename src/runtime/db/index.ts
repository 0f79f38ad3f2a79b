/**
 * `tsgate/db`: the project's database, as Kysely. `db` is the `default`
 * connection; `connection('replica')` any other alias in DATABASES.
 *
 * Declare your tables as models (`model()`, `field.*`) and add them to
 * `Database`, so queries are typed and makemigrations writes the migrations:
 *
 *     export const Visit = model('pages_visit', { id: field.id(), count: field.integer({ default: 0 }) });
 *     declare module 'tsgate/db' {
 *       interface Database extends Tables<[typeof Visit]> {}
 *     }
 *
 * (A table described by hand, `interface Database { pages_visit: {...} }`, types queries too.)
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
// operations.js, not the folder's index: a models module loads no schema-changing code (makemigrations' start-up).
export { op, type Operation } from './migrations/operations/operations.js';
