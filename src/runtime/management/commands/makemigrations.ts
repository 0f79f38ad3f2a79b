/**
 * `manage makemigrations APP [--name NAME]`: writes the app's next numbered
 * migration with empty up() and down() to fill in. tsgate has no models to
 * compare, so unlike Django's it detects nothing: you write the change.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { configure } from '../../conf/settings.js';
import { installedApps } from '../../apps/index.js';
import { sourceMigrationsFolder } from '../../db/migrations/index.js';
import { CommandError, stringOption, type Command } from '../base.js';
import { requireInstalledApp } from '../database.js';
import { packageTemplateDir, substitute } from '../package-templates.js';

const NAME = /^[a-z_][a-z0-9_]*$/;

function nextNumber(folder: string): number {
  const numbers = existsSync(folder) ? readdirSync(folder).flatMap((entry) => /^(\d{4})_\w+\.[cm]?[jt]s$/.exec(entry)?.[1] ?? []).map(Number) : [];
  return Math.max(0, ...numbers) + 1;
}

function defaultName(number: number): string {
  if (number === 1) return 'initial';
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '_');
  return `auto_${stamp}`;
}

const command: Command = {
  help: "Writes an app's next migration (0002_NAME.ts) with empty up() and down() to fill in.",
  args: 'APP',
  options: {
    name: { type: 'string', short: 'n', metavar: 'NAME', help: "the migration's name, e.g. add_title (default: initial, then auto_<date>)" },
  },
  async handle(args) {
    const settings = await configure();
    const [app, extra] = args.positionals;
    if (app === undefined) {
      throw new CommandError(
        `makemigrations needs an app: tsgate has no models to compare, so you write each migration — e.g. manage makemigrations ${settings.INSTALLED_APPS[0] ?? 'pages'} --name add_title. Installed apps: ${settings.INSTALLED_APPS.join(', ') || 'none'}.`,
        2,
      );
    }
    if (extra !== undefined) throw new CommandError('makemigrations takes one app', 2);
    const apps = installedApps(settings);
    requireInstalledApp(apps.labels, app);
    const folder = sourceMigrationsFolder(apps.find(app) as NonNullable<ReturnType<typeof apps.find>>);
    const appFolder = join(folder, '..');
    if (!statSync(appFolder, { throwIfNoEntry: false })?.isDirectory()) throw new CommandError(`The app '${app}' has no folder ${appFolder}.`);
    const number = nextNumber(folder);
    const name = stringOption(args, 'name') ?? defaultName(number);
    if (!NAME.test(name)) throw new CommandError(`'${name}' is not a valid migration name: use lowercase letters, digits and underscores, e.g. add_title`, 2);
    const fullName = `${String(number).padStart(4, '0')}_${name}`;
    const file = join(folder, `${fullName}.ts`);
    const template = await readFile(join(packageTemplateDir('migration'), 'migration.ts.tmpl'), 'utf8');
    await mkdir(folder, { recursive: true });
    // 'wx': never overwrite a migration, even one made a moment ago by another run.
    await writeFile(file, substitute(template, { app, name: fullName, number: String(number).padStart(4, '0') }), { flag: 'wx' });
    process.stdout.write(`Migrations for '${app}':\n  ${relative(process.cwd(), file) || file}\n    - Empty migration: fill in up() and down()\n`);
    return 0;
  },
};

export default command;
