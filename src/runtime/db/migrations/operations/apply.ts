/**
 * Runs a migration's operations: each one moves the state on, and its
 * schema change runs between the state before and after it. Going
 * backwards, the states of every step are made first, then the operations
 * are undone last to first.
 */
import { MysqlAdapter, PostgresAdapter } from '../../kysely.js';
import type { Backend } from '../../url.js';
import type { MigrationDb } from '../types.js';
import { applyToState, type Operation } from './operations.js';
import { databaseBackwards, databaseForwards } from './schema.js';
import type { ProjectState } from './state.js';

/** The backend a Kysely instance talks to (the recording one of sqlmigrate too). */
export function backendOf(db: MigrationDb): Backend {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  return 'sqlite';
}

/** Replays operations onto a copy of `state`; returns the state after each one (the first is `state`'s copy). */
export function statesAlong(state: ProjectState, app: string, operations: readonly Operation[]): ProjectState[] {
  const states = [state.clone()];
  for (const operation of operations) {
    const next = (states.at(-1) as ProjectState).clone();
    applyToState(next, app, operation);
    states.push(next);
  }
  return states;
}

export async function runOperations(db: MigrationDb, app: string, before: ProjectState, operations: readonly Operation[], direction: 'forwards' | 'backwards'): Promise<void> {
  const backend = backendOf(db);
  const states = statesAlong(before, app, operations);
  if (direction === 'forwards') {
    for (const [index, operation] of operations.entries()) {
      await databaseForwards({ db, backend, from: states[index] as ProjectState, to: states[index + 1] as ProjectState }, operation);
    }
    return;
  }
  for (let index = operations.length - 1; index >= 0; index--) {
    await databaseBackwards({ db, backend, from: states[index + 1] as ProjectState, to: states[index] as ProjectState }, operations[index] as Operation);
  }
}
