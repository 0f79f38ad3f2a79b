/**
 * Plans and runs migrations, after Django's MigrationExecutor: a target is
 * a migration to be at (or an app's "zero"); the plan applies what the
 * target needs, or unapplies what comes after it, dependants first.
 */
import { DatabaseError } from '../errors.js';
import type { Backend } from '../url.js';
import { captureQueries, createdTables } from './capture.js';
import type { MigrationGraph } from './graph.js';
import { recordApplied, recordUnapplied } from './recorder.js';
import { hasTransactionalDdl, type MigrationSession } from './session.js';
import type { AppliedMigration, MigrationFile } from './types.js';

export interface PlanStep {
  migration: MigrationFile;
  backwards: boolean;
}

/** `migrate` (every app), `migrate app` (its latest), `migrate app 0003`, `migrate app zero`. */
export type Target = { kind: 'all' } | { kind: 'latest'; app: string } | { kind: 'at'; migration: MigrationFile } | { kind: 'zero'; app: string };

export function makePlan(graph: MigrationGraph, applied: ReadonlyMap<string, AppliedMigration>, target: Target): PlanStep[] {
  const forwards = (keys: readonly string[]) =>
    keys.filter((key) => !applied.has(key)).map((key) => ({ migration: graph.nodes.get(key) as MigrationFile, backwards: false }));
  const backwards = (keys: readonly string[]) =>
    keys.filter((key) => applied.has(key)).map((key) => ({ migration: graph.nodes.get(key) as MigrationFile, backwards: true }));
  if (target.kind === 'all') return forwards(graph.order);
  if (target.kind === 'latest') {
    const last = graph.ofApp(target.app).at(-1);
    return last ? forwards(graph.ancestors(last.key)) : [];
  }
  if (target.kind === 'zero') {
    const first = graph.ofApp(target.app)[0];
    return first ? backwards(graph.descendants(first.key)) : [];
  }
  const key = target.migration.key;
  if (!applied.has(key)) return forwards(graph.ancestors(key));
  // At the target already: undo what comes after it in its app, and everything that needs those.
  const later = graph.ofApp(target.migration.app).filter((migration) => migration.number > target.migration.number)[0];
  return later ? backwards(graph.descendants(later.key)) : [];
}

export interface RunOptions {
  backend: Backend;
  fake: boolean;
  fakeInitial: boolean;
  /** Called before each step, then with its outcome: 'OK', 'FAKED' or 'FAILED'. */
  onStep?: (step: PlanStep, outcome?: 'OK' | 'FAKED' | 'FAILED') => void;
}

function isInitial(migration: MigrationFile): boolean {
  return migration.module.initial ?? migration.number === 1;
}

/** For --fake-initial: true when every table the migration creates is there already. */
async function tablesAlreadyThere(session: MigrationSession, step: PlanStep, backend: Backend): Promise<boolean> {
  const wanted = createdTables(await captureQueries(backend, (db) => step.migration.module.up(db)));
  if (wanted.length === 0) return false;
  const existing = new Set((await session.db.introspection.getTables()).map((table) => table.name));
  const missing = wanted.filter((table) => !existing.has(table));
  if (missing.length === 0) return true;
  if (missing.length < wanted.length) {
    throw new DatabaseError(
      `--fake-initial: ${step.migration.key} creates ${wanted.join(', ')}, but only some exist (missing: ${missing.join(', ')}). Create or drop the tables so they match, then migrate again.`,
    );
  }
  return false;
}

function failure(step: PlanStep, backend: Backend, error: unknown): DatabaseError {
  const direction = step.backwards ? 'Unapplying' : 'Applying';
  const cause = error instanceof Error ? error.message : String(error);
  const state = hasTransactionalDdl(backend)
    ? `Its changes were rolled back and it is not recorded as ${step.backwards ? 'unapplied' : 'applied'}; fix it and run migrate again.`
    : `It is not recorded as ${step.backwards ? 'unapplied' : 'applied'}, but MySQL/MariaDB commits each schema change at once: statements that ran before the error stay. Check the tables it touches (manage sqlmigrate ${step.migration.app} ${step.migration.name}${step.backwards ? ' --backwards' : ''} shows its SQL) and undo them by hand before running migrate again.`;
  return new DatabaseError(`${direction} ${step.migration.key} failed: ${cause}\n${state}`, { cause: error });
}

/** Runs each step in its own atomic unit, recording it in the same unit; stops at the first failure. */
export async function runPlan(session: MigrationSession, plan: readonly PlanStep[], options: RunOptions): Promise<void> {
  for (const step of plan) {
    options.onStep?.(step);
    const fake = options.fake || (!step.backwards && options.fakeInitial && isInitial(step.migration) && (await tablesAlreadyThere(session, step, options.backend)));
    const { migration } = step;
    if (step.backwards && !fake && !migration.module.down) {
      options.onStep?.(step, 'FAILED');
      throw new DatabaseError(`${migration.key} cannot be unapplied: it exports no down(db). Add one, or use --fake to only forget that it ran.`);
    }
    try {
      await session.atomic(async (db) => {
        if (!fake) await (step.backwards ? migration.module.down?.(db) : migration.module.up(db));
        await (step.backwards ? recordUnapplied(db, migration) : recordApplied(db, migration));
      });
    } catch (error) {
      options.onStep?.(step, 'FAILED');
      throw failure(step, options.backend, error);
    }
    options.onStep?.(step, fake ? 'FAKED' : 'OK');
  }
}

/**
 * Squashed migrations whose replaced migrations are all applied: they count
 * as applied (migrate records them). One whose replaced migrations are only
 * partly applied cannot run: the old files are needed to finish them first.
 */
export function squashedAndApplied(graph: MigrationGraph, applied: ReadonlyMap<string, AppliedMigration>): MigrationFile[] {
  return [...graph.nodes.values()].filter((migration) => {
    const replaced = (migration.module.replaces ?? []).map(([app, name]) => `${app}.${name}`);
    if (replaced.length === 0 || applied.has(migration.key)) return false;
    const done = replaced.filter((key) => applied.has(key));
    if (done.length > 0 && done.length < replaced.length) {
      throw new DatabaseError(
        `${migration.key} replaces ${replaced.join(', ')}, of which only ${done.join(', ')} are applied here. Put the replaced migration files back, migrate, then delete them again.`,
      );
    }
    return done.length === replaced.length;
  });
}

/** The applied map, with the squashed migrations that count as applied added. */
export function withSquashed(graph: MigrationGraph, applied: ReadonlyMap<string, AppliedMigration>): Map<string, AppliedMigration> {
  const all = new Map(applied);
  for (const migration of squashedAndApplied(graph, applied)) all.set(migration.key, { app: migration.app, name: migration.name, checksum: migration.checksum, applied: '' });
  return all;
}
