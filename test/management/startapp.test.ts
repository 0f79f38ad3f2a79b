/**
 * `manage startapp`, run in-process against a minimal project folder: name
 * checks, what it writes, and that a refusal leaves the folder as it was.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getModuleRoot, setModuleRoot } from '../../src/runtime/conf/modules.js';
import { CommandError, type ParsedArgs } from '../../src/runtime/management/base.js';
import { COMMANDS } from '../../src/runtime/management/commands/index.js';
import startapp, { appNameProblem, installedAppsEntry, locateProject, renderAppTemplate } from '../../src/runtime/management/commands/startapp.js';
import { packageTemplateDir, substitute } from '../../src/runtime/management/package-templates.js';
import { tempDir } from '../helpers/process.js';

/** Every file under `dir` with its content, for before/after comparisons. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        files[`${relative(dir, full)}/`] = '';
        visit(full);
      } else files[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  visit(dir);
  return files;
}

function args(...positionals: string[]): ParsedArgs {
  return { positionals, values: {} };
}

async function refusal(run: () => Promise<unknown>): Promise<CommandError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CommandError) return error;
    throw error;
  }
  throw new Error('expected a CommandError');
}

describe('app names', () => {
  it('takes lowercase identifiers', () => {
    for (const name of ['blog', 'news_feed', 'shop2', 'a']) expect(appNameProblem(name)).toBeUndefined();
  });

  it('refuses what is not a lowercase identifier, suggesting one', () => {
    expect(appNameProblem('my-blog')).toMatch(/'my-blog' is not a valid app name: use a lowercase identifier.*e\.g\. 'my_blog'/);
    expect(appNameProblem('Blog')).toMatch(/e\.g\. 'blog'/);
    expect(appNameProblem('1blog')).toMatch(/e\.g\. 'app_1blog'/);
    expect(appNameProblem('')).toMatch(/'' is not a valid app name.*e\.g\. blog or news_feed/);
    expect(appNameProblem('../etc')).toMatch(/not a valid app name/);
    expect(appNameProblem('_private')).toMatch(/not a valid app name/);
  });

  it('refuses reserved words, Node built-in modules, project folders and the project name', () => {
    expect(appNameProblem('class')).toBe("'class' is a reserved word in JavaScript: choose another app name");
    expect(appNameProblem('http')).toBe("'http' conflicts with Node's built-in module node:http: choose another app name");
    expect(appNameProblem('crypto')).toMatch(/built-in module node:crypto/);
    for (const name of ['test', 'tests', 'static', 'templates', 'node_modules', 'dist', 'vendor', 'tsgate']) expect(appNameProblem(name)).toBeDefined();
    expect(appNameProblem('mysite', 'mysite')).toBe("'mysite' is the project's own name: choose another app name");
  });
});

describe('the app template', () => {
  it('substitutes only the known placeholders, so handlebars in page templates survives', () => {
    expect(substitute("{{app}}/{{project}} {{title}} {{static '{{app}}.css'}} {{ app }}", { app: 'blog', project: 'mysite' })).toBe(
      "blog/mysite {{title}} {{static 'blog.css'}} {{ app }}",
    );
  });

  it('renders every file, names from __app__, dotfiles from a leading underscore', async () => {
    const out = tempDir('tsgate-appt-');
    const written = await renderAppTemplate(packageTemplateDir('app'), out, { app: 'blog', project: 'mysite', wsgi: '../../mysite/wsgi.js' });
    expect(written).toEqual(
      ['migrations/.gitkeep', 'models.ts', 'static/blog/blog.css', 'templates/blog/index.html', 'tests/blog.test.ts', 'urls.ts', 'views.ts'].map((path) => path.split('/').join(sep)),
    );
    for (const file of written) expect(readFileSync(join(out, file), 'utf8')).not.toMatch(/\{\{(app|project|wsgi)\}\}/);
    expect(readFileSync(join(out, 'urls.ts'), 'utf8')).toContain("path('', index, { name: 'index', methods: ['GET'] })");
    expect(readFileSync(join(out, 'templates', 'blog', 'index.html'), 'utf8')).toContain("{{static 'blog/blog.css'}}");
    expect(readFileSync(join(out, 'tests', 'blog.test.ts'), 'utf8')).toContain("import { application } from '../../mysite/wsgi.js';");
    expect(readFileSync(join(out, 'tests', 'blog.test.ts'), 'utf8')).toContain("reverse('blog:index')");
    rmSync(out, { recursive: true, force: true });
  });

  it('names the INSTALLED_APPS entry by the path from the project folder', () => {
    expect(installedAppsEntry('/p/blog', '/p')).toBe('blog');
    expect(installedAppsEntry('/p/apps/shop', '/p')).toBe('apps.shop');
    expect(installedAppsEntry('/elsewhere/shop', '/p')).toBeUndefined();
    expect(installedAppsEntry('/p/my-apps/shop', '/p')).toBeUndefined();
  });
});

describe('manage startapp', () => {
  let project = '';
  let savedRoot = '';
  let savedSettings: string | undefined;
  let output = '';

  beforeEach(() => {
    project = tempDir('tsgate-startapp-unit-');
    writeFileSync(join(project, 'package.json'), '{"name":"mysite","type":"module"}\n');
    mkdirSync(join(project, 'mysite'));
    writeFileSync(join(project, 'mysite', 'settings.ts'), 'export const DEBUG = true;\n');
    savedRoot = getModuleRoot();
    savedSettings = process.env.TSGATE_SETTINGS_MODULE;
    setModuleRoot(project);
    process.env.TSGATE_SETTINGS_MODULE = 'mysite.settings';
    output = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += String(chunk);
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    setModuleRoot(savedRoot);
    if (savedSettings === undefined) delete process.env.TSGATE_SETTINGS_MODULE;
    else process.env.TSGATE_SETTINGS_MODULE = savedSettings;
    rmSync(project, { recursive: true, force: true });
  });

  it('is registered, with its arguments in the help', async () => {
    expect(COMMANDS.startapp).toBeDefined();
    expect((await COMMANDS.startapp?.load())?.args).toBe('NAME [DIRECTORY]');
  });

  it('finds the project and its name from the settings module', () => {
    expect(locateProject()).toEqual({ root: project, name: 'mysite', packageDir: join(project, 'mysite') });
  });

  it('creates the app at the project root and prints the next steps', async () => {
    expect(await startapp.handle(args('blog'))).toBe(0);
    expect(statSync(join(project, 'blog', 'views.ts')).isFile()).toBe(true);
    expect(statSync(join(project, 'blog', 'migrations', '.gitkeep')).isFile()).toBe(true);
    expect(output).toContain("Add 'blog' to INSTALLED_APPS");
    expect(output).toContain("import { urlpatterns as blogUrls } from '../blog/urls.js';");
    expect(output).toContain("path('blog/', include(blogUrls, { namespace: 'blog' })),");
    // Nothing left over from the staging folder.
    expect(readdirSync(project).sort()).toEqual(['blog', 'mysite', 'package.json']);
  });

  it('refuses a bad name with exit code 2 and writes nothing', async () => {
    const before = snapshot(project);
    for (const name of ['My-Blog', 'http', 'mysite', 'static']) {
      const error = await refusal(() => startapp.handle(args(name)));
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(`'${name}'`);
    }
    expect(snapshot(project)).toEqual(before);
  });

  it('refuses a missing name or extra arguments as usage errors', async () => {
    expect((await refusal(() => startapp.handle(args()))).exitCode).toBe(2);
    expect((await refusal(() => startapp.handle(args('blog', 'x', 'y')))).exitCode).toBe(2);
  });

  it('refuses an existing folder and changes nothing in it', async () => {
    mkdirSync(join(project, 'blog'));
    writeFileSync(join(project, 'blog', 'notes.txt'), 'mine\n');
    const before = snapshot(project);
    const error = await refusal(() => startapp.handle(args('blog')));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`'blog' already exists at ${join(project, 'blog')}: choose another app name, or move that folder away`);
    expect(snapshot(project)).toEqual(before);
  });

  it('fills an empty DIRECTORY, with imports and the INSTALLED_APPS entry from its place', async () => {
    mkdirSync(join(project, 'apps', 'shop'), { recursive: true });
    expect(await startapp.handle(args('shop', join(project, 'apps', 'shop')))).toBe(0);
    expect(readFileSync(join(project, 'apps', 'shop', 'tests', 'shop.test.ts'), 'utf8')).toContain("from '../../../mysite/wsgi.js'");
    expect(output).toContain("Add 'apps.shop' to INSTALLED_APPS");
    expect(output).toContain("from '../apps/shop/urls.js'");
  });

  it('refuses a DIRECTORY whose parent does not exist', async () => {
    const error = await refusal(() => startapp.handle(args('shop', join(project, 'no', 'such', 'shop'))));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/does not exist: create it first/);
    expect(readdirSync(project).sort()).toEqual(['mysite', 'package.json']);
  });
});
