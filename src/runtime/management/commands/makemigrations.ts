/**
 * `manage makemigrations [APP…]`, after Django's: compares each installed
 * app's models (models.ts) with the state its migrations leave, and writes
 * the operations between them as the app's next migration, with
 * dependencies on other apps' migrations its foreign keys need. It reads
 * no database. `--check` (for CI) says whether one is needed, `--dry-run`
 * shows it, `--empty` writes a migration to fill in by hand.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { configure } from '../../conf/settings.js';
import { installedApps, type AppConfig } from '../../apps/index.js';
import { declaredModels } from '../../db/migrations/autodetector/declared.js';
import { detectChanges } from '../../db/migrations/autodetector/detect.js';
import { migrationSource, suggestName } from '../../db/migrations/autodetector/writer.js';
import { describeOperation, type Operation } from '../../db/migrations/operations/operations.js';
import { sourceMigrationsFolder } from '../../db/migrations/loader.js';
import { DatabaseError } from '../../db/errors.js';
import { CommandError, flag, stringOption, type Command } from '../base.js';
import { loadGraph, refuseConflicts, requireInstalledApp } from '../database.js';
import { migrationQuestioner } from '../migration-questions.js';
import { canAsk, noInput, NOINPUT_OPTIONS } from '../prompt.js';
import { writeWhole } from '../write-whole.js';

const NAME = /^[a-z_][a-z0-9_]*$/;

function nextNumber(folder: string): number {
  const numbers = existsSync(folder) ? readdirSync(folder).flatMap((entry) => /^(\d{4})_\w+\.[cm]?[jt]s$/.exec(entry)?.[1] ?? []).map(Number) : [];
  return Math.max(0, ...numbers) + 1;
}

function appFolder(app: AppConfig): string {
  const folder = join(sourceMigrationsFolder(app), '..');
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new CommandError(`The app '${app.label}' has no folder ${folder}.`);
  return folder;
}

interface Planned {
  app: AppConfig;
  name: string;
  file: string;
  text: string;
  operations: readonly Operation[];
}

function report(planned: readonly Planned[], shown: (file: string) => string): string {
  return planned
    .map((migration) => `Migrations for '${migration.app.label}':\n  ${shown(migration.file)}\n${migration.operations.map((operation) => `    - ${describeOperation(operation)}\n`).join('') || '    - Empty migration: add operations\n'}`)
    .join('');
}

const command: Command = {
  help: "Writes each app's next migration from the changes to its models (models.ts); --check exits 1 when one is needed.",
  args: '[APP…]',
  options: {
    name: { type: 'string', short: 'n', metavar: 'NAME', help: "the migration's name, e.g. add_title (default: from the operations)" },
    empty: { type: 'boolean', help: 'write an empty migration to fill in by hand (up() and down()), for data changes' },
    'dry-run': { type: 'boolean', help: 'show the migrations it would write, and write nothing' },
    check: { type: 'boolean', help: 'exit 1 when the models have changes no migration has yet (for CI); writes nothing' },
    merge: { type: 'boolean', help: 'join the branches of an app whose migrations branched (two leaves, as 0003_a and 0003_b) with a merge migration' },
    ...NOINPUT_OPTIONS,
  },
  async handle(args) {
    const settings = await configure();
    const apps = installedApps(settings);
    for (const label of args.positionals) requireInstalledApp(apps.labels, label);
    const nameOption = stringOption(args, 'name');
    if (nameOption !== undefined && !NAME.test(nameOption)) throw new CommandError(`'${nameOption}' is not a valid migration name: use lowercase letters, digits and underscores, e.g. add_title`, 2);
    const shown = (file: string) => relative(process.cwd(), file) || file;

    if (flag(args, 'empty')) {
      if (args.positionals.length === 0) throw new CommandError(`--empty needs an app: manage makemigrations ${apps.labels[0] ?? 'pages'} --empty --name fill_slugs. Installed apps: ${apps.labels.join(', ') || 'none'}.`, 2);
      const { packageTemplateDir, substitute } = await import('../package-templates.js');
      const template = await readFile(join(packageTemplateDir('migration'), 'migration.ts.tmpl'), 'utf8');
      const planned = args.positionals.map((label) => {
        const app = apps.find(label) as AppConfig;
        appFolder(app);
        const number = nextNumber(sourceMigrationsFolder(app));
        const name = `${String(number).padStart(4, '0')}_${nameOption ?? (number === 1 ? 'initial' : suggestName([], false))}`;
        const text = substitute(template, { app: label, name, number: name.slice(0, 4) });
        return { app, name, file: join(sourceMigrationsFolder(app), `${name}.ts`), text, operations: [] };
      });
      if (!flag(args, 'dry-run')) for (const migration of planned) await writeWhole(migration.file, migration.text);
      process.stdout.write(planned.map((m) => `Migrations for '${m.app.label}':\n  ${shown(m.file)}\n    - Empty migration: fill in up() and down()\n`).join(''));
      return 0;
    }

    const graph = await loadGraph(settings);
    if (flag(args, 'merge')) {
      // Imported only for --merge, as --empty's template reader: the common run loads less.
      const { mergeMigrations } = await import('./makemigrations-merge.js');
      return mergeMigrations(graph, {
        labels: args.positionals,
        find: (label) => apps.find(label) as AppConfig,
        nextNumber: (app) => nextNumber(sourceMigrationsFolder(app)),
        ...(nameOption === undefined ? {} : { name: nameOption }),
        dryRun: flag(args, 'dry-run'),
        interactive: canAsk() && !noInput(args),
        shown,
      });
    }
    refuseConflicts(graph, args.positionals.length > 0 ? args.positionals : graph.apps);
    const declared = await declaredModels(apps.all);
    if (declared.problems.length > 0) {
      throw new CommandError(`The models have problems; nothing was written:\n${declared.problems.map((problem) => `  - ${problem}`).join('\n')}`);
    }
    let changes;
    try {
      changes = await detectChanges(graph.projectState(), declared.state, migrationQuestioner(canAsk() && !noInput(args) && !flag(args, 'check')));
    } catch (error) {
      if (error instanceof Error && error.name === 'StateError') throw new DatabaseError(`makemigrations cannot order the changes: ${error.message}`);
      throw error;
    }
    const wanted = args.positionals.length > 0 ? new Set(args.positionals) : undefined;
    const selected = [...changes].filter(([label]) => (wanted ? wanted.has(label) : true));
    if (selected.length === 0) {
      process.stdout.write(wanted ? `No changes detected in app${wanted.size > 1 ? 's' : ''} '${[...wanted].join("', '")}'\n` : 'No changes detected\n');
      return 0;
    }
    // Names first, so a dependency on another app's new migration can name it.
    const names = new Map<string, string>();
    for (const [label, { operations }] of selected) {
      const app = apps.find(label) as AppConfig;
      const number = nextNumber(sourceMigrationsFolder(app));
      names.set(label, `${String(number).padStart(4, '0')}_${nameOption ?? suggestName(operations, graph.ofApp(label).length === 0)}`);
    }
    const planned: Planned[] = selected.map(([label, { operations, dependsOn }]) => {
      const app = apps.find(label) as AppConfig;
      appFolder(app);
      // The app's own previous migration is named too (Django does): a later merge of branches then knows each one's parent.
      const parent = graph.leaves(label)[0]?.name;
      const dependencies = [...(parent ? [[label, parent] as [string, string]] : []), ...[...dependsOn].flatMap((other): [string, string][] => {
        const name = names.get(other) ?? graph.leaves(other)[0]?.name;
        return name ? [[other, name]] : [];
      })];
      const name = names.get(label) as string;
      return { app, name, operations, file: join(sourceMigrationsFolder(app), `${name}.ts`), text: migrationSource({ app: label, name, operations, dependencies }) };
    });
    if (flag(args, 'check')) {
      process.stdout.write(report(planned, shown));
      process.stderr.write(`The models have changes that no migration has yet: run ${'makemigrations'} and commit the migration${planned.length > 1 ? 's' : ''}.\n`);
      return 1;
    }
    if (flag(args, 'dry-run')) {
      process.stdout.write(report(planned, shown));
      for (const migration of planned) process.stdout.write(`\n// ${shown(migration.file)}\n${migration.text}`);
      return 0;
    }
    for (const migration of planned) await writeWhole(migration.file, migration.text);
    process.stdout.write(report(planned, shown));
    return 0;
  },
};

export default command;
