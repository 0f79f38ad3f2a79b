/** What the generator prints and exits with: --dry-run, --json, --offline, --quiet/--verbose, colour, --version, --help. */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, runGenerator, runSync, tempDir } from '../helpers/process.js';
import { closeAll, hasScript, plain, Terminal } from '../helpers/pty.js';

afterEach(closeAll);

const QUICK = ['--no-install', '--no-git'];
const IDENTITY = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };

/** A fake package manager on PATH that records its arguments and fails, as an offline install with an empty cache does. */
function fakePackageManager(name: string): { env: NodeJS.ProcessEnv; args: () => string } {
  const bin = tempDir('tsgate-fake-pm-');
  const log = join(bin, 'args.txt');
  writeFileSync(join(bin, name), `#!/bin/sh\necho "$@" > '${log}'\necho 'ENOTCACHED: request to registry failed: cache mode is only-if-cached' >&2\nexit 1\n`);
  chmodSync(join(bin, name), 0o755);
  return { env: { PATH: `${bin}:${process.env.PATH ?? ''}` }, args: () => readFileSync(log, 'utf8').trim() };
}

describe('--dry-run', () => {
  it('prints the tree it would write and writes nothing', () => {
    const cwd = tempDir();
    const result = runGenerator(['site', '--dry-run'], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('dry run: nothing written');
    expect(result.stdout).toMatch(/^site\/$/m);
    expect(result.stdout).toMatch(/├── site\/\n│   ├── settings\.ts/);
    expect(result.stdout).toContain('vendor/');
    expect(result.stdout).toContain('Would run: npm install');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('still refuses a non-empty folder without --force', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'site'));
    writeFileSync(join(cwd, 'site', 'notes.txt'), 'mine');
    const result = runGenerator(['site', '--dry-run'], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is not empty/);
  });
});

describe('--json', () => {
  it('prints exactly one JSON object on stdout: files, next steps, warnings, options', () => {
    const cwd = tempDir();
    const result = runGenerator(['site', '--json', '--database', 'postgres', ...QUICK], cwd);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown> & { files: string[]; nextSteps: string[]; warnings: string[]; options: Record<string, unknown> };
    expect(report).toMatchObject({ ok: true, command: 'create', dryRun: false, project: { name: 'site', dir: join(cwd, 'site') }, installed: false, git: 'skipped' });
    expect(report.options).toMatchObject({ database: 'postgres', example: true, auth: 'login', pm: 'npm', git: false, install: false });
    expect(report.files).toEqual(expect.arrayContaining(['.env', '.env.example', 'site/settings.ts', '.tsgate/template.lock.json']));
    expect(report.files.some((file) => /^vendor\/tsgate-.*\.tgz$/.test(file))).toBe(true);
    for (const file of report.files) expect(existsSync(join(cwd, 'site', file)), file).toBe(true);
    expect(report.nextSteps).toEqual(['cd site', 'npm install', expect.stringMatching(/^npm run manage -- createdb /), expect.stringMatching(/^npm run manage -- migrate/), expect.stringMatching(/^npm run manage -- createsuperuser/), expect.stringMatching(/^npm run dev/), 'npm run test', 'npm run manage -- help']);
    expect(report.warnings).toEqual([]);
  });

  it('with --dry-run: the same object, nothing written', () => {
    const cwd = tempDir();
    const result = runGenerator(['site', '--json', '--dry-run'], cwd);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { dryRun: boolean; files: string[] };
    expect(report.dryRun).toBe(true);
    expect(report.files).toContain('manage.ts');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each([
    [['Bad-Name'], 2],
    [['site', '--frobnicate'], 2],
  ])('answers a failure %j in JSON too, with its exit code', (args, code) => {
    const result = runGenerator([...args, '--json', ...QUICK], tempDir());
    expect(result.status).toBe(code);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, exitCode: code, error: expect.any(String) });
  });
});

describe('--offline', () => {
  it.each([
    ['npm', 'install --offline'],
    ['pnpm', 'install --offline'],
    ['yarn', 'install --offline'],
  ])('passes the cache-only flag to %s, and says what an offline install needs when it fails', (pm, args) => {
    const fake = fakePackageManager(pm);
    const cwd = tempDir();
    const result = runGenerator(['site', '--pm', pm, '--offline', '--no-git'], cwd, fake.env);
    expect(fake.args()).toBe(args);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`an offline install needs every package already in the ${pm} cache`));
    // The project itself is complete.
    expect(existsSync(join(cwd, 'site', 'manage.ts'))).toBe(true);
  });

  it('a package manager that is not there is named as such; the project is still complete', () => {
    const cwd = tempDir();
    const result = runGenerator(['site', '--pm', 'bun', '--no-git'], cwd, { PATH: dirname(process.execPath) });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/bun could not be started: install it, or choose another with --pm, then run 'bun install'/);
    expect(existsSync(join(cwd, 'site', 'manage.ts'))).toBe(true);
  });

  it('without --offline, a failed install says to run it again', () => {
    const fake = fakePackageManager('npm');
    const result = runGenerator(['site', '--no-git'], tempDir(), fake.env);
    expect(fake.args()).toBe('install');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/'npm install' failed: run it again/);
  });
});

describe('quiet, verbose, colour', () => {
  it('--quiet prints nothing on success; --verbose adds the details', () => {
    const quiet = runGenerator(['site', '--quiet', ...QUICK], tempDir());
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
    const verbose = runGenerator(['site', '--verbose', ...QUICK], tempDir());
    expect(verbose.stdout).toMatch(/template .*templates\/project; database sqlite \(better-sqlite3\); example app included/);
  });

  it('--quiet and --verbose together are bad usage', () => {
    expect(runGenerator(['site', '--quiet', '--verbose', ...QUICK], tempDir()).status).toBe(2);
  });

  it('prints no ANSI escapes when not on a terminal', () => {
    const result = runGenerator(['site', ...QUICK], tempDir());
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('\x1b');
  });

  it.skipIf(!hasScript)('colours on a terminal, and not with NO_COLOR', async () => {
    const coloured = new Terminal(['site', '--yes', ...QUICK], tempDir());
    expect(await coloured.exited).toBe(0);
    expect(coloured.output).toMatch(/\x1b\[32mDone\./);
    const plainTerm = new Terminal(['site', '--yes', ...QUICK], tempDir(), { NO_COLOR: '1' });
    expect(await plainTerm.exited).toBe(0);
    expect(plain(plainTerm.output)).toContain('Done.');
    expect(plainTerm.output).not.toContain('\x1b[');
  });
});

describe('--version and --help', () => {
  it('--version prints the generator version', () => {
    const result = runGenerator(['--version'], tempDir());
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('--help lists every option, examples and the exit codes', () => {
    const { stdout, status } = runGenerator(['--help'], tempDir());
    expect(status).toBe(0);
    for (const flag of ['--database', '--example', '--pm', '--install', '--git', '--yes', '--force', '--dry-run', '--offline', '--json', '--quiet', '--verbose', '--version', 'upgrade']) {
      expect(stdout, flag).toContain(flag);
    }
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(/Exit codes: 0 done, 1 failed.*\n?.*2 bad usage, 130 cancelled/);
  });
});

describe('the development secret', () => {
  it('is in .env only: no committed file holds it, the template lock included', () => {
    const cwd = tempDir();
    const result = runGenerator(['site', '--no-install'], cwd, IDENTITY);
    expect(result.status, result.stderr).toBe(0);
    const project = join(cwd, 'site');
    const key = /^SECRET_KEY=(.+)$/m.exec(readFileSync(join(project, '.env'), 'utf8'))?.[1] ?? '';
    expect(key).toMatch(/^dev-[\w-]{64}$/);
    const tracked = runSync('git', ['ls-files'], { cwd: project }).stdout.trim().split('\n');
    expect(tracked).toContain('.tsgate/template.lock.json');
    expect(tracked).toContain('.env.example');
    expect(tracked).not.toContain('.env');
    const holding = tracked.filter((file) => readFileSync(join(project, file)).includes(key));
    expect(holding).toEqual([]);
    expect(runSync('git', ['status', '--porcelain', '--ignored'], { cwd: project }).stdout.trim()).toBe('!! .env');
  });
});
