import type { Command } from '../base.js';

interface Entry {
  summary: string;
  load: () => Promise<Command>;
}

/** Every command, loaded only when run, so `manage help` stays fast. */
export const COMMANDS: Record<string, Entry> = {
  changepassword: { summary: "Changes a user's password (asked twice on the terminal, never echoed).", load: async () => (await import('./changepassword.js')).default },
  check: { summary: 'Runs the system checks (--deploy: production settings).', load: async () => (await import('./check.js')).default },
  clearsessions: { summary: 'Deletes expired sessions from the database (SESSION_ENGINE db).', load: async () => (await import('./clearsessions.js')).default },
  collectstatic: { summary: 'Collects the static files into STATIC_ROOT (hashed names, manifest, gzip/brotli).', load: async () => (await import('./collectstatic.js')).default },
  createcachetable: { summary: 'Creates the tsgate_cache table of db:// caches (the tsgate.cache migration) on each database they use.', load: async () => (await import('./createcachetable.js')).default },
  createdb: { summary: 'Creates the database DATABASE_URL names, unless it exists (then run migrate).', load: async () => (await import('./createdb.js')).default },
  createsuperuser: { summary: 'Creates a superuser: asks on a terminal, or --noinput with TSGATE_SUPERUSER_EMAIL/_PASSWORD.', load: async () => (await import('./createsuperuser.js')).default },
  dbshell: { summary: "Runs the database's own client (psql, mariadb, sqlite3), connected as DATABASES says.", load: async () => (await import('./dbshell.js')).default },
  findstatic: { summary: 'Shows which file the static finders give for a path (-v 2: the ones it hides).', load: async () => (await import('./findstatic.js')).default },
  makemigrations: { summary: "Writes each app's next migration from its models' changes (--check for CI, --empty to write one by hand).", load: async () => (await import('./makemigrations.js')).default },
  migrate: { summary: 'Applies (or unapplies) migrations, under a lock so concurrent runs are safe.', load: async () => (await import('./migrate.js')).default },
  runserver: { summary: 'Starts the development server, reloading on change.', load: async () => (await import('./runserver.js')).default },
  serve: { summary: 'Starts the production server (prefork workers).', load: async () => (await import('./serve.js')).default },
  shell: { summary: "A node REPL with the settings, db and each app's models loaded; -c CODE runs one statement.", load: async () => (await import('./shell.js')).default },
  showmigrations: { summary: 'Lists the migrations and whether each is applied.', load: async () => (await import('./showmigrations.js')).default },
  sqlmigrate: { summary: 'Prints the SQL of a migration without running it.', load: async () => (await import('./sqlmigrate.js')).default },
  startapp: { summary: 'Creates an app: views, urls, templates, static, migrations and tests.', load: async () => (await import('./startapp.js')).default },
  tasks: { summary: "Background tasks: list, enqueue NAME '<json>', show ID, --failed, retry ID.", load: async () => (await import('./tasks.js')).default },
  test: { summary: "Runs the project's tests with node's test runner.", load: async () => (await import('./test.js')).default },
  worker: { summary: 'Runs background tasks from TASKS_URL (db:// or redis://); TERM finishes the running ones.', load: async () => (await import('./worker.js')).default },
};
