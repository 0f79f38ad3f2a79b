/** The database a project starts with: it shapes .env.example, docker-compose.yml, the driver dependency and the README. */

export type DatabaseName = 'sqlite' | 'postgres' | 'mysql';

export const DATABASES: readonly DatabaseName[] = ['sqlite', 'postgres', 'mysql'];

export interface Database {
  name: DatabaseName;
  label: string;
  /**
   * The driver package and its range; better-sqlite3 stays on 12, since 13
   * crashes on Node 20. `installScript`: it compiles a native
   * module when installed, which the package manager must be allowed to run.
   */
  driver: { name: string; version: string; installScript?: true };
  /**
   * `.env`'s DATABASE_URL for development: a server on this machine as it
   * comes installed (PostgreSQL's `postgres` superuser, MySQL's `root`),
   * with a database named after the project, which `manage createdb` makes.
   */
  localUrl(project: string): string;
  /** Whether the database must be created on its server before `migrate` (SQLite makes its file). */
  onServer: boolean;
}

const ALL: Record<DatabaseName, Database> = {
  sqlite: {
    name: 'sqlite',
    label: 'SQLite (a file, nothing to run)',
    driver: { name: 'better-sqlite3', version: '^12.4.1', installScript: true },
    localUrl: () => 'sqlite:///db.sqlite3',
    onServer: false,
  },
  postgres: {
    name: 'postgres',
    label: 'PostgreSQL',
    driver: { name: 'pg', version: '^8.16.3' },
    localUrl: (project) => `postgres://postgres@127.0.0.1:5432/${project}`,
    onServer: true,
  },
  mysql: {
    name: 'mysql',
    label: 'MySQL / MariaDB',
    driver: { name: 'mysql2', version: '^3.15.3' },
    localUrl: (project) => `mysql://root@127.0.0.1:3306/${project}`,
    onServer: true,
  },
};

export function database(name: DatabaseName): Database {
  return ALL[name];
}

/**
 * What templates see: `database` (the name), `db.sqlite` / `db.postgres` /
 * `db.mysql` for `{{#if}}` (handlebars has no equality helper), `driver`,
 * and `databaseUrl`, the development URL.
 */
export function databaseContext(name: DatabaseName, project: string): Record<string, unknown> {
  const { driver, localUrl } = ALL[name];
  return { database: name, db: { sqlite: name === 'sqlite', postgres: name === 'postgres', mysql: name === 'mysql' }, driver, databaseUrl: localUrl(project) };
}
