/**
 * `manage startapp NAME [DIRECTORY]`, after Django's: creates an app folder
 * (models, views, urls, templates, static, migrations, tests) from the app template
 * that ships with this package, and says how to wire it into the project.
 * The user's own files are never edited.
 *
 * Template rules: a `.tmpl` file has its `{{app}}`, `{{project}}` and
 * `{{wsgi}}` placeholders replaced (nothing else, so handlebars expressions
 * in page templates survive) and the suffix dropped; other files are copied
 * as they are. In paths, `__app__` becomes the app's name and a leading `_`
 * a dot (`_gitkeep` → `.gitkeep`), since dotfiles do not survive packing.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findModuleFile, getModuleRoot } from '../../conf/modules.js';
import { projectDir } from '../../conf/project.js';
import { SETTINGS_MODULE_VARIABLE } from '../../conf/settings.js';
import { CommandError, type Command } from '../base.js';
import { packageTemplateDir, substitute } from '../package-templates.js';

const APP_NAME = /^[a-z][a-z0-9_]*$/;

/** Words an app name cannot be: it is also used as an identifier in code. */
const RESERVED_WORDS = new Set([
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in',
  'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static',
  'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  'arguments', 'eval', 'undefined',
]);

/** Folders a project or tsgate already gives a meaning to. */
const PROJECT_FOLDERS = new Set([
  'build', 'deploy', 'dist', 'migrations', 'node_modules', 'static', 'staticfiles', 'templates', 'test', 'tests', 'tsgate', 'vendor',
]);

/** Node's own modules, without the `node:` prefix (`http`, `fs`…), and those that exist only with it. */
const BUILTIN_MODULES = new Set([...builtinModules.map((name) => name.replace(/^node:/, '').split('/')[0] ?? name), 'sea', 'sqlite', 'test']);

/** A name close to `name` that would be valid, for the error message. */
function suggestion(name: string): string | undefined {
  let fixed = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (/^[0-9]/.test(fixed)) fixed = `app_${fixed}`;
  return fixed !== '' && fixed !== name && APP_NAME.test(fixed) ? fixed : undefined;
}

/** Why `name` cannot name an app, or undefined when it can. */
export function appNameProblem(name: string, projectName?: string): string | undefined {
  if (!APP_NAME.test(name)) {
    const better = suggestion(name);
    return (
      `'${name}' is not a valid app name: use a lowercase identifier — a letter, then lowercase letters, digits or underscores` +
      (better ? `, e.g. '${better}'` : ', e.g. blog or news_feed')
    );
  }
  if (RESERVED_WORDS.has(name)) return `'${name}' is a reserved word in JavaScript: choose another app name`;
  if (BUILTIN_MODULES.has(name)) return `'${name}' conflicts with Node's built-in module node:${name}: choose another app name`;
  if (PROJECT_FOLDERS.has(name)) return `'${name}' is the name of a folder projects already use: choose another app name`;
  if (name === projectName) return `'${name}' is the project's own name: choose another app name`;
  return undefined;
}

export interface ProjectLocation {
  /** The folder holding the project's package.json. */
  root: string;
  /** The project package's name, e.g. `mysite` for `mysite.settings`. */
  name: string;
  /** The project package's folder, where `settings.ts`, `urls.ts` and `wsgi.ts` are. */
  packageDir: string;
}

/** The project around the settings module named by TSGATE_SETTINGS_MODULE. */
export function locateProject(moduleName = process.env[SETTINGS_MODULE_VARIABLE]): ProjectLocation {
  if (!moduleName) {
    throw new CommandError(`${SETTINGS_MODULE_VARIABLE} is not set, so the project is unknown: run startapp through manage.ts, or pass --settings mysite.settings`);
  }
  const settingsFile = findModuleFile(moduleName);
  const dotted = !moduleName.includes('/') && !moduleName.startsWith('.');
  const root = projectDir(settingsFile ?? join(getModuleRoot(), 'manage'));
  const name = dotted && moduleName.includes('.') ? (moduleName.split('.')[0] ?? '') : settingsFile ? basename(dirname(settingsFile)) : '';
  if (name === '') throw new CommandError(`cannot tell the project's name from the settings module '${moduleName}': expected e.g. mysite.settings`);
  return { root, name, packageDir: join(root, name) };
}

/** A relative ES module specifier from folder `from` to file `to`, with forward slashes. */
function specifier(from: string, to: string): string {
  const path = relative(from, to).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

function outputPath(templatePath: string, app: string): string {
  return templatePath
    .split(sep)
    .map((part) => part.replaceAll('__app__', app).replace(/^_(?!_)/, '.').replace(/\.tmpl$/, ''))
    .join(sep);
}

/** Renders `templateDir` into `outDir`; returns the written paths, relative to `outDir`. */
export async function renderAppTemplate(templateDir: string, outDir: string, values: Readonly<Record<string, string>> & { app: string }): Promise<string[]> {
  const entries = await readdir(templateDir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => relative(templateDir, join(entry.parentPath, entry.name)));
  const written: string[] = [];
  for (const file of files.sort()) {
    const target = outputPath(file, values.app);
    const destination = join(outDir, target);
    await mkdir(dirname(destination), { recursive: true });
    if (file.endsWith('.tmpl')) await writeFile(destination, substitute(await readFile(join(templateDir, file), 'utf8'), values));
    else await copyFile(join(templateDir, file), destination);
    written.push(target);
  }
  return written.sort();
}

/** What `target` is now: nothing, an empty folder (which the app may fill), or something in the way. */
function targetState(target: string): 'missing' | 'empty' | 'taken' {
  const stats = statSync(target, { throwIfNoEntry: false });
  if (!stats) return 'missing';
  return stats.isDirectory() && readdirSync(target).length === 0 ? 'empty' : 'taken';
}

/** Moves the finished app from `staging` to `target` in one rename, so no half-made app is ever visible. */
async function moveIntoPlace(staging: string, target: string): Promise<void> {
  if (targetState(target) === 'empty') await rmdir(target);
  try {
    await rename(staging, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (['EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR'].includes(code)) {
      throw new CommandError(`${target} appeared while the app was being created: nothing was written; remove it or choose another name`, 2);
    }
    throw error;
  }
}

/**
 * The INSTALLED_APPS entry for an app in `target`: its path from the project
 * folder, dotted (`blog`, `apps.shop`), or undefined when no entry can name it.
 */
export function installedAppsEntry(target: string, projectRoot: string): string | undefined {
  const path = relative(projectRoot, target);
  if (path === '' || path.startsWith('..') || isAbsolute(path)) return undefined;
  const parts = path.split(sep);
  return parts.every((part) => /^[A-Za-z_][\w]*$/.test(part)) ? parts.join('.') : undefined;
}

function nextSteps(app: string, target: string, project: ProjectLocation): string {
  const shown = (path: string) => relative(process.cwd(), path) || '.';
  const urlsImport = specifier(project.packageDir, join(target, 'urls.js'));
  const entry = installedAppsEntry(target, project.root);
  return [
    `Created the ${app} app in ${shown(target)}${sep}`,
    '',
    'Next steps:',
    entry === undefined
      ? `  1. Move it into the project folder (${project.root}): INSTALLED_APPS names apps by their path from there.`
      : `  1. Add '${entry}' to INSTALLED_APPS in ${shown(join(project.packageDir, 'settings.ts'))}:\n       export const INSTALLED_APPS = [..., '${entry}'];`,
    `  2. Route its URLs in ${shown(join(project.packageDir, 'urls.ts'))}:`,
    `       import { include, path } from 'tsgate/http';`,
    `       import { urlpatterns as ${app}Urls } from '${urlsImport}';`,
    `       // in urlpatterns:`,
    `       path('${app}/', include(${app}Urls, { namespace: '${app}' })),`,
    `  3. Make its tables from ${shown(join(target, 'models.ts'))}: npm run manage -- makemigrations ${app}, then npm run manage -- migrate`,
    `  4. Run the tests: npm test (${shown(join(target, 'tests', `${app}.test.ts`))} GETs the page named '${app}:index')`,
    '',
  ].join('\n');
}

const command: Command = {
  help: "Creates an app NAME — views, urls, templates, static, migrations and tests — in DIRECTORY (default: NAME at the project root), from tsgate's app template.",
  args: 'NAME [DIRECTORY]',
  options: {},
  async handle(args) {
    const [name, directory, ...extra] = args.positionals;
    if (name === undefined) throw new CommandError('give the app a name, e.g. startapp blog', 2);
    if (extra.length > 0) throw new CommandError(`startapp takes NAME and an optional DIRECTORY, got also: ${extra.join(' ')}`, 2);
    const problem = appNameProblem(name);
    if (problem) throw new CommandError(problem, 2);
    const project = locateProject();
    const clash = appNameProblem(name, project.name);
    if (clash) throw new CommandError(clash, 2);

    const target = directory === undefined ? join(project.root, name) : isAbsolute(directory) ? directory : resolve(directory);
    const state = targetState(target);
    if (state === 'taken') {
      throw new CommandError(
        directory === undefined
          ? `'${name}' already exists at ${target}: choose another app name, or move that folder away`
          : `${target} already exists and is not an empty folder: give a new or empty folder`,
        2,
      );
    }
    const parent = dirname(target);
    if (!existsSync(parent)) throw new CommandError(`the folder ${parent} does not exist: create it first`, 2);

    const templateDir = packageTemplateDir('app');
    const values = {
      app: name,
      project: project.name,
      wsgi: specifier(join(target, 'tests'), join(project.packageDir, 'wsgi.js')),
    };
    // Built beside the target, so the final rename stays on one file system.
    const staging = await mkdtemp(join(parent, `.${basename(target)}.startapp-`));
    try {
      await renderAppTemplate(templateDir, staging, values);
      await moveIntoPlace(staging, target);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    process.stdout.write(nextSteps(name, target, project));
    return 0;
  },
};

export default command;
