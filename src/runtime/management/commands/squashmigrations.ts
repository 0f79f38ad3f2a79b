/**
 * `manage squashmigrations APP [START] END`, after Django's: the app's
 * migrations from START (default: its first) to END as one migration, their
 * operations optimized (a field added after its model was created goes into
 * the createModel; an add then a remove cancels). The new file `replaces`
 * them: while their files are there, they run; once deleted, it stands in
 * for them, and a database that ran them records it as applied.
 */
import { join, relative } from 'node:path';
import { installedApps, type AppConfig } from '../../apps/index.js';
import { configure } from '../../conf/settings.js';
import { optimize } from '../../db/migrations/autodetector/optimizer.js';
import { migrationSource } from '../../db/migrations/autodetector/writer.js';
import { sourceMigrationsFolder, type MigrationFile } from '../../db/migrations/index.js';
import { CommandError, stringOption, type Command } from '../base.js';
import { loadGraph, requireInstalledApp } from '../database.js';
import { writeWhole } from '../write-whole.js';

const NAME = /^[a-z_][a-z0-9_]*$/;

const command: Command = {
  help: "Squashes an app's migrations START (default: the first) to END into one, its operations optimized; it replaces them once their files are deleted.",
  args: 'APP [START] END',
  options: {
    'squashed-name': { type: 'string', metavar: 'NAME', help: 'the name after the number (default: squashed_<END>)' },
    noinput: { type: 'boolean', help: 'never ask (squashmigrations asks nothing; accepted for scripts written for Django)' },
    'no-input': { type: 'boolean', help: 'same as --noinput' },
  },
  async handle(args) {
    const [label, first, second, extra] = args.positionals;
    if (label === undefined || first === undefined || extra !== undefined) throw new CommandError('squashmigrations takes an app, an optional start and an end: manage squashmigrations blog 0001 0004', 2);
    const name = stringOption(args, 'squashed-name');
    if (name !== undefined && !NAME.test(name)) throw new CommandError(`'${name}' is not a valid migration name: use lowercase letters, digits and underscores`, 2);
    const settings = await configure();
    const apps = installedApps(settings);
    requireInstalledApp(apps.labels, label);
    const graph = await loadGraph(settings);
    const own = graph.ofApp(label);
    const start = second === undefined ? own[0] : graph.resolve(label, first);
    const end = graph.resolve(label, second ?? first);
    if (!start || start.number > end.number) throw new CommandError(`Nothing to squash: ${start?.name ?? label} does not come before ${end.name}.`, 2);
    const squashed = own.filter((migration) => migration.number >= start.number && migration.number <= end.number);
    if (squashed.length < 2) throw new CommandError(`Nothing to squash: only ${squashed.map((m) => m.name).join('')} is between ${start.name} and ${end.name}.`, 2);
    const handWritten = squashed.filter((migration) => !migration.module.operations);
    if (handWritten.length > 0) {
      throw new CommandError(`${handWritten.map((m) => m.key).join(', ')} ${handWritten.length > 1 ? 'are' : 'is'} written by hand (up()/down()), which cannot be merged with operations: squash up to the one before, or rewrite it with op.runSql / op.runCode.`);
    }
    const replaced = squashed.map((migration: MigrationFile) => [label, migration.name] as const);
    const operations = squashed.flatMap((migration) => [...(migration.module.operations ?? [])]);
    const optimized = optimize(operations);
    // Other apps' migrations they needed, the latest of each app.
    const outside = new Map<string, string>();
    for (const migration of squashed) {
      for (const [app, dependency] of migration.module.dependencies ?? []) {
        if (app === label) continue;
        const resolved = graph.resolve(app, dependency);
        const known = outside.get(app);
        if (!known || graph.resolve(app, known).number < resolved.number) outside.set(app, resolved.name);
      }
    }
    const fullName = `${start.name.slice(0, 4)}_${name ?? `squashed_${end.name.slice(0, 4)}`}`;
    const app = apps.find(label) as AppConfig;
    const file = join(sourceMigrationsFolder(app), `${fullName}.ts`);
    await writeWhole(file, migrationSource({ app: label, name: fullName, operations: optimized, dependencies: [...outside], replaces: replaced }));
    process.stdout.write(
      `Squashed ${squashed.map((m) => m.name).join(', ')} into ${relative(process.cwd(), file) || file}: ${operations.length} operation(s) optimized to ${optimized.length}.\n` +
        `Deploy it, migrate every database, then delete the replaced files: until then they are what runs.\n`,
    );
    return 0;
  },
};

export default command;
