/**
 * `DATABASE_URL` → what a driver needs, as dj-database-url does for
 * Django settings. One parser for the settings checks (conf/checks.ts) and
 * for connecting (db/), so a URL that passes `configure()` connects the
 * same way; it lives here, below db/, so that conf never imports db.
 * Messages never carry the password.
 */

export type Backend = 'sqlite' | 'postgres' | 'mysql';

export interface SqliteTarget {
  backend: 'sqlite';
  /** A path relative to the project folder, an absolute path, or `:memory:`. */
  filename: string;
}

export interface ServerTarget {
  backend: 'postgres' | 'mysql';
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** Driver TLS options: false for none, or whether the certificate must verify. */
  ssl: false | { rejectUnauthorized: boolean };
}

export type DatabaseTarget = SqliteTarget | ServerTarget;

/** A malformed or unsupported database URL; the message names no password. */
export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

const SCHEMES: Record<string, Backend> = {
  sqlite: 'sqlite',
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
};

const DEFAULT_PORTS: Record<ServerTarget['backend'], number> = { postgres: 5432, mysql: 3306 };

/** MySQL's ssl-mode values (after VERIFY_CA → verify-ca) as the libpq ones. */
const MYSQL_SSL_MODES: Record<string, string> = { disabled: 'disable', preferred: 'prefer', required: 'require', 'verify-identity': 'verify-full' };

/** libpq's sslmode values, mapped onto node's TLS options. */
const SSL_MODES: Record<string, ServerTarget['ssl']> = {
  disable: false,
  allow: false,
  prefer: false,
  require: { rejectUnauthorized: false },
  'verify-ca': { rejectUnauthorized: true },
  'verify-full': { rejectUnauthorized: true },
};

/** A percent-decoded part of the URL; a stray `%` is a clear error, not a URIError. */
function decodePart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DatabaseUrlError('it has a % that is not followed by two hex digits: write a literal % as %25 (in the password too)');
  }
}

export function schemeOf(text: string): string {
  return /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase() ?? '';
}

/**
 * `sqlite:///db.sqlite3` (relative), `sqlite:////abs/path.db` (absolute) and
 * `sqlite://:memory:`. Parsed by hand: `:memory:` is not a valid URL host.
 */
function parseSqlite(text: string): SqliteTarget {
  const rest = text.slice(text.indexOf(':') + 1);
  if (!rest.startsWith('//')) throw new DatabaseUrlError('a SQLite URL starts with sqlite:// — e.g. sqlite:///db.sqlite3');
  const path = decodePart(rest.slice(2).split('?')[0] ?? '');
  if (path === ':memory:' || path === '/:memory:') return { backend: 'sqlite', filename: ':memory:' };
  if (!path.startsWith('/') || path === '/') {
    throw new DatabaseUrlError('a SQLite URL names a file: sqlite:///db.sqlite3 (in the project folder), sqlite:////abs/path.db, or sqlite://:memory:');
  }
  return { backend: 'sqlite', filename: path.slice(1) };
}

function parseServer(text: string, backend: ServerTarget['backend']): ServerTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DatabaseUrlError('it is not a valid URL');
  }
  const database = decodePart(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) throw new DatabaseUrlError(`it names no database: add it as the path, e.g. ${schemeOf(text)}://user:password@host/name`);
  const socketHost = url.searchParams.get('host');
  const host = socketHost ?? decodePart(url.hostname).replace(/^\[|\]$/g, '');
  if (!host) throw new DatabaseUrlError(`it names no host, e.g. ${schemeOf(text)}://user:password@localhost/${database}`);
  const sslmode = url.searchParams.get('sslmode') ?? url.searchParams.get('ssl-mode')?.toLowerCase().replace('_', '-') ?? (url.searchParams.get('ssl') === 'true' ? 'verify-full' : 'disable');
  const ssl = SSL_MODES[MYSQL_SSL_MODES[sslmode] ?? sslmode];
  if (ssl === undefined) throw new DatabaseUrlError(`sslmode=${sslmode} is not one of ${Object.keys(SSL_MODES).join(', ')}`);
  return {
    backend,
    host,
    port: url.port ? Number(url.port) : DEFAULT_PORTS[backend],
    user: decodePart(url.username) || (backend === 'postgres' ? 'postgres' : 'root'),
    password: url.password ? decodePart(url.password) : undefined,
    database,
    ssl,
  };
}

/** Parses a database URL; throws DatabaseUrlError saying what is wrong, without echoing the URL. */
export function parseDatabaseUrl(text: string): DatabaseTarget {
  const scheme = schemeOf(text);
  const backend = SCHEMES[scheme];
  if (!scheme) throw new DatabaseUrlError('it is not a URL: it needs a scheme such as sqlite://, postgres:// or mysql://');
  if (!backend) throw new DatabaseUrlError(`the scheme ${JSON.stringify(scheme)} is not one tsgate connects to (sqlite, postgres, postgresql, mysql, mariadb)`);
  return backend === 'sqlite' ? parseSqlite(text) : parseServer(text, backend);
}
