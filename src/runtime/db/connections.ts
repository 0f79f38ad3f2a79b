/**
 * The open connections, one Kysely per alias in DATABASES, made on first
 * use from the loaded settings and kept for the life of the process (each
 * worker has its own). Errors from a first connection are turned into a
 * DatabaseError naming the setting and the host, never the password.
 */
import { queryObserver, type QueryEvent } from '../metrics/db.js';
import { recordSpan, tracing } from '../tracing/index.js';
import { Kysely, sql } from './kysely.js';
import { manageCommand } from '../conf/manage-command.js';
import { settings } from '../conf/settings.js';
import type { DatabaseSettings } from '../conf/types.js';
import { createDialect } from './dialects.js';
import { DatabaseError } from './errors.js';
import { describeTarget, parseDatabaseUrl, type DatabaseTarget } from './url.js';

const DEFAULT_POOL_SIZE = 10;
/** Error codes that mean the server was not reached at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** PostgreSQL's and MySQL's codes for a database the server does not have. */
const NO_SUCH_DATABASE = new Set(['3D000', 'ER_BAD_DB_ERROR']);
const DEFAULT_CONNECT_TIMEOUT = 10;

export interface Connection<DB> {
  alias: string;
  target: DatabaseTarget;
  /** `postgres://app@db:5432/site`: for messages; no password. */
  label: string;
  db: Kysely<DB>;
}

/**
 * Kysely's `log` option when the server serves metrics or exports traces:
 * every query timed, by alias, and a span per query under the view's.
 * Neither: no option, so Kysely does not time queries at all.
 */
function kyselyLog(alias: string, backend: string): { log?: (event: QueryEvent & { query?: { sql?: string } }) => void } {
  const observe = queryObserver(alias);
  const traced = tracing() !== undefined;
  if (!observe && !traced) return {};
  return {
    log: (event) => {
      observe?.(event);
      if (traced) {
        const statement = event.query?.sql ?? '';
        recordSpan(`db ${statement.split(' ', 1)[0]?.toUpperCase() ?? 'query'}`, { 'db.system.name': backend, 'db.namespace': alias, 'db.query.text': statement }, event.queryDurationMillis, event.level === 'error');
      }
    },
  };
}

const open = new Map<string, Connection<unknown>>();

function databaseSettings(alias: string): DatabaseSettings {
  const entry = settings.DATABASES[alias];
  if (!entry) {
    const known = Object.keys(settings.DATABASES).join(', ');
    throw new DatabaseError(`There is no database '${alias}' in DATABASES (it has: ${known}).`);
  }
  return entry;
}

/** The connection for `alias`, opened (lazily: no socket until the first query) on first use. */
export function getConnection<DB>(alias = 'default'): Connection<DB> {
  const existing = open.get(alias);
  if (existing) return existing as Connection<DB>;
  const connection = openConnection<DB>(alias);
  open.set(alias, connection as Connection<unknown>);
  return connection;
}

/**
 * A new connection with DATABASES[alias]'s options, to its own database or
 * to `target` (createdb: the server's maintenance database). Not kept: the
 * caller destroys its `db`.
 */
export function openConnection<DB>(alias: string, target?: DatabaseTarget): Connection<DB> {
  const entry = databaseSettings(alias);
  target ??= parseDatabaseUrl(entry.URL);
  const where = `DATABASES['${alias}']`;
  const dialect = createDialect(target, {
    where,
    alias,
    baseDir: settings.BASE_DIR ?? process.cwd(),
    poolSize: entry.POOL_SIZE ?? DEFAULT_POOL_SIZE,
    connectTimeout: entry.CONNECT_TIMEOUT ?? DEFAULT_CONNECT_TIMEOUT,
    driverOptions: entry.OPTIONS ?? {},
  });
  return { alias, target, label: describeTarget(target), db: new Kysely<DB>({ dialect, ...kyselyLog(alias, target.backend) }) };
}

/** A driver's error as a DatabaseError that says which database and where, with any password removed. */
export function connectionError(connection: Connection<unknown>, error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const password = connection.target.backend === 'sqlite' ? undefined : connection.target.password;
  const cause = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || error.name : String(error);
  const message = password ? cause.split(password).join('***') : cause;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new DatabaseError(`Cannot use DATABASES['${connection.alias}'] (${connection.label}): ${message}${hint(code, connection.alias)}`);
}

/** What to do about a driver error code, when there is something to say. */
function hint(code: string, alias: string): string {
  if (UNREACHABLE.has(code)) return ' — is the server running, and are the host and port in the URL (DATABASE_URL) right?';
  if (!NO_SUCH_DATABASE.has(code)) return '';
  return ` — create it with: ${manageCommand(alias === 'default' ? 'createdb' : `createdb --database ${alias}`)}`;
}

/** Runs `select 1`: resolves when the database answers, else throws a DatabaseError. */
export async function checkConnection(alias = 'default'): Promise<void> {
  const connection = getConnection(alias);
  try {
    await sql`select 1`.execute(connection.db);
  } catch (error) {
    throw connectionError(connection, error);
  }
}

/** Closes every pool, so a command can exit without waiting for idle connections. */
export async function closeConnections(): Promise<void> {
  const closing = [...open.values()].map((connection) => connection.db.destroy());
  open.clear();
  await Promise.allSettled(closing);
}
