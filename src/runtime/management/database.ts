/**
 * What the migration commands share: the settings loaded, the migration
 * graph read from the installed apps, and the `--database` connection,
 * closed again when the command is done so the process can exit.
 */
import { installedApps } from '../apps/index.js';
import { manageCommand } from '../conf/manage-command.js';
import { configure } from '../conf/settings.js';
import type { Settings } from '../conf/types.js';
import { checkConnection, closeConnections, connectionError, getConnection, type Connection } from '../db/connections.js';
import { DatabaseError } from '../db/errors.js';
// The modules themselves, not db/migrations/index.js: makemigrations loads no executor, lock or SQL capture.
import { MigrationGraph } from '../db/migrations/graph.js';
import { loadMigrations } from '../db/migrations/loader.js';
import { appliedMigrations, changedSinceApplied } from '../db/migrations/recorder.js';
import type { AppliedMigration, MigrationDb } from '../db/migrations/types.js';
import { CommandError, stringOption, type OptionSpec, type ParsedArgs } from './base.js';

export const DATABASE_OPTION: Record<string, OptionSpec> = {
  database: { type: 'string', metavar: 'ALIAS', help: "the database in DATABASES to use (default: 'default')" },
};

export interface MigrationContext {
  settings: Readonly<Settings>;
  graph: MigrationGraph;
  connection: Connection<unknown>;
  db: MigrationDb;
}

/** Throws a CommandError unless `app` is the label of an installed app (`labels`). */
export function requireInstalledApp(labels: readonly string[], app: string): void {
  if (!labels.includes(app)) throw new CommandError(`No installed app with the label '${app}'. Installed apps: ${labels.join(', ') || 'none'}.`);
}

/**
 * Django's refusal when an app's migrations branched (two leaves, as
 * 0003_tags and 0003_rating from two git branches): nothing runs on a
 * history that is not one line until a merge migration joins them.
 */
export function refuseConflicts(graph: MigrationGraph, apps: readonly string[] = graph.apps): void {
  const conflicts = [...graph.conflicts()].filter(([app]) => apps.includes(app));
  if (conflicts.length === 0) return;
  const listed = conflicts.map(([app, leaves]) => `${leaves.map((leaf) => leaf.name).join(', ')} in ${app}`).join('; ');
  throw new CommandError(
    `Conflicting migrations detected; multiple leaf nodes in the migration graph: (${listed}).\nTo fix them run '${manageCommand('makemigrations --merge')}', which writes a migration that depends on both.`,
  );
}

/** Every installed app's migrations, as a graph. */
export async function loadGraph(settings: Readonly<Settings>): Promise<MigrationGraph> {
  const apps = installedApps(settings);
  return new MigrationGraph(await loadMigrations(apps.all), apps.labels);
}

/** Loads settings and migrations, opens the connection, runs `work`, and closes every connection. */
export async function withMigrations<T>(args: ParsedArgs, work: (context: MigrationContext) => Promise<T>): Promise<T> {
  const settings = await configure();
  const graph = await loadGraph(settings);
  // An unknown alias is a DatabaseError naming the ones there are.
  const connection = getConnection(stringOption(args, 'database') ?? 'default');
  try {
    await checkConnection(connection.alias);
    return await work({ settings, graph, connection, db: connection.db as MigrationDb });
  } catch (error) {
    // A driver's error names the server but not which setting; a DatabaseError already says both.
    if (error instanceof DatabaseError || error instanceof CommandError) throw error;
    if (error instanceof Error && 'code' in error) throw connectionError(connection, error);
    throw error;
  } finally {
    await closeConnections();
  }
}

/** The applied migrations, with a warning on stderr for each one whose file changed since. */
export async function readApplied(context: MigrationContext): Promise<Map<string, AppliedMigration>> {
  const applied = await appliedMigrations(context.db, context.connection.target.backend);
  for (const migration of changedSinceApplied(context.graph, applied)) {
    process.stderr.write(
      `Warning: ${migration.key} has changed since it was applied (${migration.file}). Applied migrations are not run again: put the edit back, or write a new migration for the change.\n`,
    );
  }
  return applied;
}

/**
 * Django's runserver notice: says how many migrations are unapplied, and
 * how to apply them. Never fails the start: a database problem is shown
 * as a notice too.
 */
export async function unappliedNotice(settings: Readonly<Settings>): Promise<string> {
  try {
    const graph = await loadGraph(settings);
    const connection = getConnection('default');
    const applied = await appliedMigrations(connection.db as MigrationDb, connection.target.backend);
    const unapplied = graph.order.filter((key) => !applied.has(key));
    if (unapplied.length === 0) return '';
    // Sorted, as Django's runserver names them.
    const apps = [...new Set(unapplied.map((key) => graph.nodes.get(key)?.app))].sort().join(', ');
    return `\nYou have ${unapplied.length} unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): ${apps}.\nRun '${manageCommand('migrate')}' to apply them.\n\n`;
  } catch (error) {
    return `\nCould not check the migrations: ${error instanceof Error ? error.message : String(error)}\n\n`;
  }
}
