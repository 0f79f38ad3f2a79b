/**
 * `manage migrate [APP [MIGRATION|zero]]`, after Django's: brings the
 * database to the target, holding a database-wide lock for the whole run so
 * that concurrent runs (two containers starting) apply each migration once.
 */
import { describeOperation } from '../../db/migrations/operations/index.js';
import { ensureMigrationsTable, makePlan, recordApplied, runPlan, squashedAndApplied, withMigrationLock, withSquashed, type PlanStep, type Target } from '../../db/migrations/index.js';
import type { MigrationGraph } from '../../db/migrations/graph.js';
import { CommandError, flag, type Command, type ParsedArgs } from '../base.js';
import { DATABASE_OPTION, readApplied, refuseConflicts, requireInstalledApp, withMigrations } from '../database.js';

function parseTarget(graph: MigrationGraph, args: ParsedArgs): Target {
  const [app, name, extra] = args.positionals;
  if (extra !== undefined) throw new CommandError('migrate takes at most an app and a migration: manage migrate [APP [MIGRATION|zero]]', 2);
  if (app === undefined) return { kind: 'all' };
  requireInstalledApp(graph.apps, app);
  if (name === undefined) {
    if (graph.ofApp(app).length === 0) throw new CommandError(`The app '${app}' has no migrations.`);
    return { kind: 'latest', app };
  }
  return name === 'zero' ? { kind: 'zero', app } : { kind: 'at', migration: graph.resolve(app, name) };
}

function describeTarget(target: Target, graph: MigrationGraph): string {
  const apps = [...new Set(graph.order.map((key) => key.split('.').slice(0, -1).join('.')))].join(', ');
  if (target.kind === 'all') return `  Apply all migrations: ${apps || '(none)'}`;
  if (target.kind === 'latest') return `  Apply all migrations: ${target.app}`;
  if (target.kind === 'zero') return `  Unapply all migrations: ${target.app}`;
  return `  Target specific migration: ${target.migration.name}, from ${target.migration.app}`;
}

/** A step of the plan, and its operations in words (Django's `migrate --plan`). */
function stepLine(step: PlanStep): string {
  const operations = step.migration.module.operations ?? [];
  const words = (step.backwards ? [...operations].reverse() : operations).map((operation) => `\n    ${step.backwards ? 'Undo ' : ''}${describeOperation(operation)}`);
  return `${step.backwards ? 'Undo ' : ''}${step.migration.key}${words.join('')}`;
}

const command: Command = {
  help: 'Brings the database to the latest migrations (or to APP MIGRATION, or APP zero), under a lock so concurrent runs apply each migration once.',
  args: '[APP [MIGRATION|zero]]',
  options: {
    plan: { type: 'boolean', help: 'show what would be applied or unapplied, and change nothing' },
    check: { type: 'boolean', help: 'exit 1 if any migration is unapplied, and change nothing' },
    fake: { type: 'boolean', help: 'record the migrations as applied (or unapplied) without running them' },
    'fake-initial': { type: 'boolean', help: 'record initial migrations as applied when all the tables they create exist already' },
    noinput: { type: 'boolean', help: 'never ask (migrate asks nothing; accepted for scripts written for Django)' },
    ...DATABASE_OPTION,
  },
  async handle(args) {
    return withMigrations(args, async (context) => {
      const { graph, connection } = context;
      refuseConflicts(graph);
      const target = parseTarget(graph, args);
      if (flag(args, 'plan') || flag(args, 'check')) {
        const plan = makePlan(graph, withSquashed(graph, await readApplied(context)), target);
        if (flag(args, 'plan')) {
          process.stdout.write(`Planned operations:\n${plan.length > 0 ? plan.map((step) => `  ${stepLine(step)}\n`).join('') : '  No planned migration operations.\n'}`);
        }
        if (flag(args, 'check') && plan.some((step) => !step.backwards)) {
          process.stderr.write(`Unapplied migrations: ${plan.filter((step) => !step.backwards).map((step) => step.migration.key).join(', ')}\n`);
          return 1;
        }
        return 0;
      }
      process.stdout.write(`Operations to perform:\n${describeTarget(target, graph)}\nRunning migrations:\n`);
      const notice = { waiting: () => process.stderr.write(`Waiting for another migrate on ${connection.label} to finish…\n`) };
      await withMigrationLock(connection.db, connection.target.backend, notice, async (session) => {
        await session.atomic((db) => ensureMigrationsTable(db));
        // Read under the lock: a run that waited sees what the one before it applied.
        let applied = await readApplied({ ...context, db: session.db });
        const squashed = squashedAndApplied(graph, applied);
        if (squashed.length > 0) {
          // Their replaced migrations ran here: recorded as applied, as Django does.
          await session.atomic(async (db) => {
            for (const migration of squashed) await recordApplied(db, migration);
          });
          applied = await readApplied({ ...context, db: session.db });
        }
        const plan = makePlan(graph, applied, target);
        if (plan.length === 0) {
          process.stdout.write('  No migrations to apply.\n');
          return;
        }
        await runPlan(session, plan, {
          backend: connection.target.backend,
          fake: flag(args, 'fake'),
          fakeInitial: flag(args, 'fake-initial'),
          onStep: (step, outcome) => {
            if (outcome === undefined) process.stdout.write(`  ${step.backwards ? 'Unapplying' : 'Applying'} ${step.migration.key}...`);
            else process.stdout.write(` ${outcome}\n`);
          },
        });
      });
      return 0;
    });
  },
};

export default command;
