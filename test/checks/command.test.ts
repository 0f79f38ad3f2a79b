/**
 * `manage check` on settings fixtures loaded with configure(): the checks
 * without --deploy, the deployment checks, exit codes, --fail-level,
 * --tag, --list-tags, silencing, and settings that cannot load.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetForTests, SETTINGS_MODULE_VARIABLE } from '../../src/runtime/conf/settings.js';
import { parseCommandLine } from '../../src/runtime/management/args.js';
import { CommandError } from '../../src/runtime/management/base.js';
import check from '../../src/runtime/management/commands/check.js';
import { checkInstalledApps, checkMigrationsFolders, checkUrlConf, runSystemChecks } from '../../src/runtime/checks/index.js';
import { DEFAULTS } from '../../src/runtime/conf/defaults.js';
import type { Settings } from '../../src/runtime/conf/types.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/checks/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, `${name}.ts`);

interface Run {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs `manage check ...argv` with the settings fixture `name`. */
async function manageCheck(name: string, ...argv: string[]): Promise<Run> {
  resetForTests();
  vi.stubEnv(SETTINGS_MODULE_VARIABLE, fixture(name));
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await check.handle(parseCommandLine('check', check.options, argv));
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

/** The IDs in a report, in order. */
const ids = (output: string) => [...output.matchAll(/^\S+: \(([\w.]+)\)/gm)].map((match) => match[1]);

const ALL_DEPLOY_BUT_DATABASE = [
  'security.W004',
  'security.W006',
  'security.W008',
  'security.W009',
  'security.W012',
  'security.W016',
  'security.W018',
  'security.W019',
  'security.W020',
];

beforeEach(() => resetForTests());
afterEach(() => {
  vi.unstubAllEnvs();
  resetForTests();
});

describe('manage check', () => {
  it('reports no issues on good settings, on stdout, exit 0', async () => {
    expect(await manageCheck('good')).toEqual({ code: 0, stdout: 'System check identified no issues (0 silenced).\n', stderr: '' });
    expect(await manageCheck('good', '--deploy')).toEqual({ code: 0, stdout: 'System check identified no issues (0 silenced).\n', stderr: '' });
  });

  it('without --deploy runs only the project checks: a missing app is an error (exit 1), no migrations folder a warning', async () => {
    const run = await manageCheck('insecure');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(ids(run.stderr)).toEqual(['apps.E001', 'migrations.W001']);
    expect(run.stderr).toMatch(/^SystemCheckError: System check identified some issues:\n\nERRORS:\nmissing: \(apps\.E001\) INSTALLED_APPS lists 'missing', but there is no folder .*missing\.\n\tHINT: Create the app with '\S+ (run )?manage -- startapp missing', or remove 'missing' from INSTALLED_APPS\.\n\nWARNINGS:\nblog: \(migrations\.W001\) The app 'blog' has no migrations folder\.\n\tHINT: .*\n\nSystem check identified 2 issues \(0 silenced\)\.\n$/);
  });

  it('with --deploy adds every deployment check that applies, as warnings', async () => {
    const run = await manageCheck('insecure', '--deploy', '--tag', 'security');
    expect(run.code).toBe(0);
    expect(ids(run.stderr)).toEqual(ALL_DEPLOY_BUT_DATABASE);
    expect(run.stderr).toMatch(/^System check identified some issues:\n\nWARNINGS:\n\?: \(security\.W004\) /);
    expect(run.stderr).toContain('\n?: (security.W018) You should not have DEBUG set to true in deployment.\n\tHINT: ');
    expect(run.stderr).toMatch(/\n\nSystem check identified 9 issues \(0 silenced\)\.\n$/);
  });

  it('reports SQLite in production as database.W001, under the database tag', async () => {
    const run = await manageCheck('sqlite', '--deploy');
    expect(run.code).toBe(0);
    expect(ids(run.stderr)).toEqual(['database.W001']);
    expect(ids((await manageCheck('sqlite', '--deploy', '--tag', 'security')).stderr)).toEqual([]);
    expect(ids((await manageCheck('sqlite', '--deploy', '-t', 'database')).stderr)).toEqual(['database.W001']);
  });

  it('--fail-level sets which level exits 1', async () => {
    expect((await manageCheck('insecure', '--deploy', '--tag', 'security')).code).toBe(0);
    expect((await manageCheck('insecure', '--deploy', '--tag', 'security', '--fail-level', 'WARNING')).code).toBe(1);
    expect((await manageCheck('insecure', '--deploy', '--tag', 'security', '--fail-level', 'warning')).code).toBe(1);
    const warned = await manageCheck('insecure', '--deploy', '--tag', 'security', '--fail-level', 'WARNING');
    expect(warned.stderr).toMatch(/^SystemCheckError: System check identified some issues:/);
    expect((await manageCheck('insecure', '--fail-level', 'CRITICAL')).code).toBe(0);
    expect((await manageCheck('insecure', '--fail-level', 'ERROR')).code).toBe(1);
    expect((await manageCheck('sqlite', '--deploy', '--fail-level', 'INFO')).code).toBe(1);
    expect((await manageCheck('good', '--deploy', '--fail-level', 'DEBUG')).code).toBe(0);
  });

  it('rejects an unknown fail level as a usage error', async () => {
    const failure = await manageCheck('good', '--fail-level', 'LOUD').catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(CommandError);
    expect(failure).toMatchObject({ exitCode: 2, message: "check: argument --fail-level: invalid choice: 'LOUD' (choose from 'CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG')" });
  });

  it('leaves out and counts the IDs in SILENCED_SYSTEM_CHECKS', async () => {
    const run = await manageCheck('insecure-silenced', '--deploy');
    // apps.E001 is silenced, so the run passes.
    expect(run.code).toBe(0);
    // Sorted as Django sorts the formatted lines: `?: …` before `blog: …`.
    expect(ids(run.stderr)).toEqual([...ALL_DEPLOY_BUT_DATABASE.filter((id) => id !== 'security.W004' && id !== 'security.W018'), 'migrations.W001']);
    expect(run.stderr).toMatch(/\nSystem check identified 8 issues \(3 silenced\)\.\n$/);
  });

  it('--tag runs only the checks with one of the tags', async () => {
    expect(ids((await manageCheck('insecure', '--tag', 'apps')).stderr)).toEqual(['apps.E001']);
    expect(ids((await manageCheck('insecure', '--tag', 'migrations', '--tag', 'urls')).stderr)).toEqual(['migrations.W001']);
    expect(ids((await manageCheck('insecure', '--deploy', '--tag', 'apps', '--tag', 'security')).stderr)).toEqual(['apps.E001', ...ALL_DEPLOY_BUT_DATABASE]);
  });

  it('an unknown tag is a CommandError, Django-worded; a deployment tag without --deploy says to add it', async () => {
    await expect(manageCheck('good', '--tag', 'nope')).rejects.toThrow(new CommandError('There is no system check with the "nope" tag.'));
    await expect(manageCheck('good', '--tag', 'security')).rejects.toThrow('There is no system check with the "security" tag. (its checks are deployment checks: add --deploy)');
  });

  it('--list-tags lists the tags, sorted; the deployment ones with --deploy', async () => {
    expect(await manageCheck('good', '--list-tags')).toEqual({ code: 0, stdout: 'apps\nmigrations\nmodels\nurls\n', stderr: '' });
    expect((await manageCheck('good', '--list-tags', '--deploy')).stdout).toBe('apps\ncache\ndatabase\nmail\nmetrics\nmigrations\nmodels\nsecurity\nurls\n');
  });

  it('turns settings that cannot load into settings.E001 errors, without a stack', async () => {
    const run = await manageCheck('broken', '--deploy');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'SystemCheckError: System check identified some issues:\n\nERRORS:\n' +
        '?: (settings.E001) DEBUG must be true or false, got "yes" — e.g. DEBUG = env.bool(\'DEBUG\', false)\n' +
        '?: (settings.E001) SILENCED_SYSTEM_CHECKS entry "not an id" is not a system check ID — use the ID in parentheses in manage check\'s output, e.g. \'security.W004\'\n' +
        '\nSystem check identified 2 issues (0 silenced).\n',
    );
  });

  it('reports a URL conf whose urlpatterns is not all routes as urls.E004', async () => {
    const run = await manageCheck('bad-urls');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("?: (urls.E004) Your URL pattern at index 1 of '");
    expect(run.stderr).toContain('\tHINT: Ensure that urlpatterns is a list of path() routes');
  });

  it('runSystemChecks returns every message and the silenced IDs', async () => {
    resetForTests();
    const result = await runSystemChecks({ settingsModule: fixture('insecure-silenced'), deploy: true, tags: ['apps'] });
    expect(result).toEqual({ messages: [expect.objectContaining({ id: 'apps.E001', level: 'ERROR', obj: 'missing' })], silenced: ['security.W004', 'security.W018', 'apps.E001'] });
  });
});

describe('project checks, called with a settings object', () => {
  const base: Settings = { ...DEFAULTS, ROOT_URLCONF: 'site.urls', WSGI_APPLICATION: 'site.wsgi:application', BASE_DIR: join(FIXTURES, 'project') };

  it('urls.E001 when ROOT_URLCONF cannot be found or fails to import', async () => {
    const [missing] = await checkUrlConf({ ...base, ROOT_URLCONF: join(FIXTURES, 'project', 'no-such-urls') });
    expect(missing).toMatchObject({ id: 'urls.E001', level: 'ERROR' });
    expect(missing?.text).toMatch(/could not be loaded: cannot find module/);
    const [thrown] = await checkUrlConf({ ...base, ROOT_URLCONF: join(FIXTURES, 'throws.ts') });
    expect(thrown?.text).toMatch(/could not be loaded: Error: the views failed to import$/);
  });

  it('urls.E004 when the module has no urlpatterns list; nothing on a good one', async () => {
    const [message] = await checkUrlConf({ ...base, ROOT_URLCONF: join(FIXTURES, 'paths.ts') });
    expect(message).toMatchObject({ id: 'urls.E004', text: expect.stringContaining('does not export urlpatterns as a list') });
    expect(await checkUrlConf({ ...base, ROOT_URLCONF: join(FIXTURES, 'project', 'urls.ts') })).toEqual([]);
  });

  it('apps.E001 and migrations.W001 per app', () => {
    const settings = { ...base, INSTALLED_APPS: ['shop', 'blog', 'gone'] };
    expect(checkInstalledApps(settings).map((m) => [m.id, m.obj])).toEqual([['apps.E001', 'gone']]);
    expect(checkMigrationsFolders(settings).map((m) => [m.id, m.obj])).toEqual([['migrations.W001', 'blog']]);
  });
});
