/**
 * Readiness, for `/readyz`: the `default` database answers, and every
 * migration the project has on disk is recorded as applied there. So a new
 * release takes no traffic until `migrate` (the compose service, the
 * release phase, the Kubernetes Job) has made its tables; until then the
 * old release keeps serving. Once everything is applied that is remembered:
 * a running process's migration files do not change. A pipeline that
 * migrates only after the rollout (waiting for it first) sets
 * READYZ_WAITS_FOR_MIGRATIONS = false.
 */
import { existsSync } from 'node:fs';
import { recordReadiness } from '../metrics/db.js';
import { installedApps } from '../apps/index.js';
import { manageCommand } from '../conf/manage-command.js';
import { settings } from '../conf/settings.js';
import { checkConnection, getConnection, type Connection } from './connections.js';
import { sqlitePath } from './dialects.js';
import { migrationKeys } from './migrations/loader.js';
import { appliedMigrations } from './migrations/recorder.js';
import type { MigrationDb } from './migrations/types.js';

export interface NotReady {
  /** Safe to send to anyone who asks: `database unavailable`, `migrations not applied`. */
  reason: string;
  /** For the log: the database and what is wrong, never the password. */
  detail: string;
}

const migrated = new Set<string>();

async function unreachable(connection: Connection<unknown>): Promise<NotReady | undefined> {
  const { target, label } = connection;
  // A SQLite file that is not there yet is reported, not created: before `migrate` the app is not ready.
  if (target.backend === 'sqlite' && target.filename !== ':memory:' && !existsSync(sqlitePath(target, settings.BASE_DIR ?? process.cwd()))) {
    return { reason: 'database unavailable', detail: `${label}: the database file does not exist yet (run '${manageCommand('migrate')}')` };
  }
  try {
    await checkConnection(connection.alias);
    return undefined;
  } catch (error) {
    return { reason: 'database unavailable', detail: error instanceof Error ? error.message : String(error) };
  }
}

async function unapplied(connection: Connection<unknown>): Promise<NotReady | undefined> {
  const applied = await appliedMigrations(connection.db as MigrationDb, connection.target.backend);
  const pending = migrationKeys(installedApps(settings).all).filter((key) => !applied.has(key));
  if (pending.length === 0) return undefined;
  const listed = pending.length > 3 ? `${pending.slice(0, 3).join(', ')}, …` : pending.join(', ');
  return { reason: 'migrations not applied', detail: `${connection.label}: ${pending.length} unapplied migration(s): ${listed} (run '${manageCommand('migrate')}')` };
}

/** Why `alias` cannot serve requests yet, or undefined when it can; a check slower than `timeoutMs` counts as no answer. */
export async function readinessProblem(alias = 'default', timeoutMs = 2000): Promise<NotReady | undefined> {
  const connection = getConnection(alias);
  const check = async () => {
    const waits = settings.READYZ_WAITS_FOR_MIGRATIONS && !migrated.has(alias);
    const problem = (await unreachable(connection)) ?? (waits ? await unapplied(connection) : undefined);
    if (problem === undefined) migrated.add(alias);
    return problem;
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<NotReady>((resolve) => {
    timer = setTimeout(() => resolve({ reason: 'database unavailable', detail: `${connection.label}: no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const problem = await Promise.race([
      check().catch((error: unknown) => ({ reason: 'database unavailable', detail: error instanceof Error ? error.message : String(error) })),
      timeout,
    ]);
    recordReadiness(problem === undefined);
    return problem;
  } finally {
    clearTimeout(timer);
  }
}
