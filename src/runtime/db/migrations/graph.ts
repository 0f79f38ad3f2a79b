/**
 * The migration graph: each migration depends on its app's previous one and
 * on the `dependencies` it names. One topological order, fixed by
 * INSTALLED_APPS order and migration numbers, is the order of every plan.
 *
 * Two branches of a project can each add a migration with the same number
 * (`0003_tags` and `0003_rating`): the app then has two leaves, which
 * migrate and makemigrations refuse until `makemigrations --merge` writes a
 * migration depending on both (Django's merge migration). A migration's
 * parents in its own app are every migration with the highest number below
 * its own, unless it names one of them in `dependencies` (makemigrations
 * writes the parent it was made after): then that one.
 */
import { DatabaseError } from '../errors.js';
import type { MigrationDb } from './migration-db.js';
import { applyToState } from './operations/operations.js';
import { ProjectState, StateError } from './operations/state.js';
import type { MigrationFile } from './types.js';

/** The migrations of the app with the highest number below `migration`'s (two when branches were merged, as 0003_a and 0003_b). */
function implicitParents(migrations: readonly MigrationFile[], migration: MigrationFile): MigrationFile[] {
  const earlier = migrations.filter((other) => other.app === migration.app && other.number < migration.number);
  const highest = Math.max(-1, ...earlier.map((other) => other.number));
  return earlier.filter((other) => other.number === highest);
}

export class MigrationGraph {
  readonly nodes = new Map<string, MigrationFile>();
  private readonly parents = new Map<string, string[]>();
  private readonly children = new Map<string, string[]>();
  /** Every key, dependencies first. */
  readonly order: string[];

  constructor(
    migrations: readonly MigrationFile[],
    readonly apps: readonly string[],
  ) {
    for (const migration of migrations) this.nodes.set(migration.key, migration.module.operations ? this.bind(migration) : migration);
    for (const migration of migrations) {
      const named = (migration.module.dependencies ?? []).map(([app, name]) => this.resolve(app, name, `a dependency of ${migration.key}`));
      // A parent it names among those implied (0003_c naming 0002_a of 0002_a and 0002_b) is its only one; naming an older one adds to them.
      const implied = implicitParents(migrations, migration);
      const previous = named.some((other) => implied.some((candidate) => candidate.key === other.key)) ? [] : implied;
      const parents = [...new Set([...previous.map((other) => other.key), ...named.map((other) => other.key)])];
      this.parents.set(migration.key, parents);
      for (const parent of parents) this.children.set(parent, [...(this.children.get(parent) ?? []), migration.key]);
    }
    this.order = this.sort();
  }

  /**
   * A migration of operations, its up() and down() run them from the state
   * its dependencies leave. The schema code is imported when one runs:
   * makemigrations, showmigrations and the like never load it.
   */
  private bind(migration: MigrationFile): MigrationFile {
    const operations = migration.module.operations ?? [];
    const run = async (db: MigrationDb, direction: 'forwards' | 'backwards') =>
      (await import('./operations/apply.js')).runOperations(db, migration.app, this.stateBefore(migration.key), operations, direction);
    const module = {
      ...migration.module,
      up: async (db: MigrationDb) => run(db, 'forwards'),
      down: async (db: MigrationDb) => run(db, 'backwards'),
    };
    return { ...migration, module };
  }

  /** The state the migrations in `keys` leave, applied in graph order (a hand-written up() migration adds its `state`, if any). */
  stateOf(keys: Iterable<string>): ProjectState {
    const wanted = new Set(keys);
    const state = new ProjectState();
    for (const key of this.order) {
      const migration = this.nodes.get(key);
      if (!wanted.has(key) || !migration) continue;
      for (const operation of migration.module.operations ?? migration.module.state ?? []) {
        try {
          applyToState(state, migration.app, operation);
        } catch (error) {
          if (error instanceof StateError) throw new DatabaseError(`${key} (${migration.file}): ${error.message}`);
          throw error;
        }
      }
    }
    return state;
  }

  /** The state just before `key` runs: what its dependencies leave. */
  stateBefore(key: string): ProjectState {
    return this.stateOf(this.ancestors(key).filter((candidate) => candidate !== key));
  }

  /** The state every migration on disk leaves. */
  projectState(): ProjectState {
    return this.stateOf(this.order);
  }

  private sort(): string[] {
    const order: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (key: string, path: string[]): void => {
      if (state.get(key) === 'done') return;
      if (state.get(key) === 'visiting') {
        const cycle = [...path.slice(path.indexOf(key)), key];
        throw new DatabaseError(`The migrations depend on each other in a circle: ${cycle.join(' → ')}. Remove one of these dependencies.`);
      }
      state.set(key, 'visiting');
      for (const parent of this.parents.get(key) ?? []) visit(parent, [...path, key]);
      state.set(key, 'done');
      order.push(key);
    };
    for (const key of this.nodes.keys()) visit(key, []);
    return order;
  }

  /** The migration of `app` named `name`, or by a unique prefix such as `0003`. */
  resolve(app: string, name: string, context = 'the migration asked for'): MigrationFile {
    const exact = this.nodes.get(`${app}.${name}`);
    if (exact) return exact;
    if (!this.apps.includes(app)) throw new DatabaseError(`No installed app '${app}' (${context}). INSTALLED_APPS: ${this.apps.join(', ') || 'none'}.`);
    // A dependency on a migration that was squashed: the squashed one stands in for it.
    const squashed = [...this.nodes.values()].find((migration) => migration.module.replaces?.some(([replacedApp, replaced]) => replacedApp === app && replaced === name));
    if (squashed) return squashed;
    const matches = [...this.nodes.values()].filter((migration) => migration.app === app && migration.name.startsWith(name));
    if (matches.length === 1 && matches[0]) return matches[0];
    if (matches.length > 1) throw new DatabaseError(`More than one migration in '${app}' starts with '${name}' (${matches.map((m) => m.name).join(', ')}): give more of the name.`);
    throw new DatabaseError(`Cannot find a migration matching '${name}' in the app '${app}' (${context}).`);
  }

  /** The app's migrations, in order. */
  ofApp(app: string): MigrationFile[] {
    return this.order.map((key) => this.nodes.get(key) as MigrationFile).filter((migration) => migration.app === app);
  }

  /** The app's migrations that no later migration of the app follows: one, unless branches await a merge. */
  leaves(app: string): MigrationFile[] {
    const own = this.ofApp(app);
    return own.filter((migration) => !(this.children.get(migration.key) ?? []).some((child) => this.nodes.get(child)?.app === app));
  }

  /** Apps with more than one leaf, and those leaves: what `makemigrations --merge` joins. */
  conflicts(): Map<string, MigrationFile[]> {
    const found = new Map<string, MigrationFile[]>();
    for (const app of this.apps) {
      const leaves = this.leaves(app);
      if (leaves.length > 1) found.set(app, leaves);
    }
    return found;
  }

  /** The migrations of `key`'s app on its branch since the last migration it shares with `others` (for the merge's check). */
  branchSince(key: string, others: readonly string[]): MigrationFile[] {
    const shared = new Set(others.flatMap((other) => this.ancestors(other)));
    const app = this.nodes.get(key)?.app;
    return this.ancestors(key)
      .filter((candidate) => !shared.has(candidate))
      .map((candidate) => this.nodes.get(candidate) as MigrationFile)
      .filter((migration) => migration.app === app);
  }

  private closure(start: string, next: Map<string, string[]>): Set<string> {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length > 0) {
      const key = stack.pop() as string;
      if (!seen.has(key)) {
        seen.add(key);
        stack.push(...(next.get(key) ?? []));
      }
    }
    return seen;
  }

  /** `key` and everything it needs, dependencies first. */
  ancestors(key: string): string[] {
    const wanted = this.closure(key, this.parents);
    return this.order.filter((candidate) => wanted.has(candidate));
  }

  /** `key` and everything that needs it, the last dependant first. */
  descendants(key: string): string[] {
    const wanted = this.closure(key, this.children);
    return this.order.filter((candidate) => wanted.has(candidate)).reverse();
  }
}
