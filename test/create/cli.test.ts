/** The generator as users run it: exit codes, messages, and what is (not) left on disk. */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spawned, runGenerator, runSync, tempDir, CLI } from '../helpers/process.js';

const QUICK = ['--no-install', '--no-git'];

describe('create-tsgate-project', () => {
  it('creates a project with the runtime vendored and depended on by file:', () => {
    const cwd = tempDir();
    const result = runGenerator(['shop', ...QUICK], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^shop\/$/m);
    expect(result.stdout).toMatch(/├── shop\/\n│   ├── settings\.ts/);
    expect(result.stdout).toMatch(/cd shop/);
    const project = join(cwd, 'shop');
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    expect(pkg.name).toBe('shop');
    expect(pkg.dependencies.tsgate).toMatch(/^file:vendor\/tsgate-\d+\.\d+\.\d+-[0-9a-f]{12}\.tgz$/);
    expect(existsSync(join(project, pkg.dependencies.tsgate!.slice('file:'.length)))).toBe(true);
    expect(readFileSync(join(project, 'shop', 'wsgi.ts'), 'utf8')).toContain("process.env.TSGATE_SETTINGS_MODULE ??= 'shop.settings'");
    expect(readFileSync(join(project, 'Dockerfile'), 'utf8')).toContain('"serve", "shop.wsgi:application", "--bind", "0.0.0.0:8000"');
    expect(existsSync(join(project, 'node_modules'))).toBe(false);
    expect(existsSync(join(project, '.git'))).toBe(false);
  });

  it('writes a fresh development SECRET_KEY into the git-ignored .env and nowhere else', () => {
    const cwd = tempDir();
    expect(runGenerator(['one', ...QUICK], cwd).status).toBe(0);
    expect(runGenerator(['two', ...QUICK], cwd).status).toBe(0);
    const key = (name: string) => /^SECRET_KEY=(.+)$/m.exec(readFileSync(join(cwd, name, '.env'), 'utf8'))?.[1];
    expect(key('one')).toMatch(/^dev-[\w-]{64}$/);
    expect(key('one')).not.toBe(key('two'));
    expect(readFileSync(join(cwd, 'one', '.gitignore'), 'utf8')).toMatch(/^\.env$/m);
    expect(readFileSync(join(cwd, 'one', '.env.example'), 'utf8')).not.toContain(key('one'));
  });

  it('generates into the current folder with ".", naming the project after it', () => {
    const cwd = join(tempDir(), 'blog');
    mkdirSync(cwd);
    const result = runGenerator(['.', ...QUICK], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(cwd, 'blog', 'settings.ts'))).toBe(true);
    expect(readdirSync(join(cwd, '..'))).toEqual(['blog']);
  });

  it('"." validates the folder name like any other, and refuses a non-empty folder without --force', () => {
    const bad = join(tempDir(), 'My-Site');
    mkdirSync(bad);
    const named = runGenerator(['.', ...QUICK], bad);
    expect(named.status).toBe(2);
    expect(named.stderr).toMatch(/'My-Site' is not a valid project name.*'my_site'/);
    expect(readdirSync(bad)).toEqual([]);

    const full = join(tempDir(), 'blog');
    mkdirSync(full);
    writeFileSync(join(full, 'notes.txt'), 'mine');
    const refused = runGenerator(['.', ...QUICK], full);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/blog is not empty: .*--force/);
    expect(readdirSync(full)).toEqual(['notes.txt']);
  });

  it('takes the default name without asking when stdin is not a terminal', () => {
    const cwd = tempDir();
    const result = runGenerator(QUICK, cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(cwd)).toEqual(['mysite']);
  });

  it.each([['My-Site'], ['tsgate'], ['test'], ['node_modules'], ['2fast']])('refuses the name %s with exit code 2 and writes nothing', (name) => {
    const cwd = tempDir();
    const result = runGenerator([name, ...QUICK], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`'${name}' is (not a valid project name|reserved)`));
    expect(result.stderr).toContain('--help');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('refuses a non-empty folder without --force, touching nothing', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'site'));
    writeFileSync(join(cwd, 'site', 'notes.txt'), 'mine');
    const result = runGenerator(['site', ...QUICK], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is not empty.*--force/);
    expect(readdirSync(join(cwd, 'site'))).toEqual(['notes.txt']);
    expect(readdirSync(cwd)).toEqual(['site']);
  });

  it('writes into a non-empty folder with --force, keeping unrelated files', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'site'));
    writeFileSync(join(cwd, 'site', 'notes.txt'), 'mine');
    const result = runGenerator(['site', '--force', ...QUICK], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'site', 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(cwd, 'site', 'manage.ts'))).toBe(true);
    expect(readdirSync(cwd)).toEqual(['site']);
  });

  it('keeps the repository of a folder it is forced into', () => {
    const cwd = join(tempDir(), 'site');
    mkdirSync(cwd);
    const identity = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
    writeFileSync(join(cwd, 'notes.txt'), 'mine');
    for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'user history']]) {
      expect(runSync('git', args, { cwd, env: identity }).status).toBe(0);
    }
    const result = runGenerator(['.', '--force', '--no-install'], cwd, identity);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`warning: skipped git init: ${realpathSync(cwd)} is a git repository already`);
    expect(runSync('git', ['log', '--format=%s'], { cwd }).stdout).toContain('user history');
    expect(existsSync(join(cwd, 'manage.ts'))).toBe(true);
  });

  it('reports an unwritable target clearly and leaves nothing', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'afile'), '');
    const result = runGenerator(['afile/site', ...QUICK], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/create-tsgate-project: cannot (use|write to) .*afile.*a file is in the way/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(cwd)).toEqual(['afile']);
  });

  it.skipIf(process.getuid?.() === 0)('reports a read-only parent folder (not testable as root)', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'ro'), { mode: 0o555 });
    const result = runGenerator(['ro/site', ...QUICK], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/permission denied/);
  });

  it('answers --help with usage and examples, and an unknown option with exit code 2', () => {
    const help = runGenerator(['--help'], tempDir());
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: create-tsgate-project <name|path>');
    expect(help.stdout).toContain('--no-install');
    const cwd = tempDir();
    const bad = runGenerator(['site', '--frobnicate'], cwd);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/frobnicate/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('leaves nothing behind when interrupted with Ctrl-C during the install', async () => {
    const cwd = tempDir();
    // A registry that never answers keeps the install busy until the interrupt.
    const generator = new Spawned(process.execPath, [CLI, 'site', '--no-git'], {
      cwd,
      env: { npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0', npm_config_fetch_timeout: '60000' },
    });
    await generator.waitFor(/Installing dependencies/);
    expect(readdirSync(cwd).some((name) => name.startsWith('.site.tsgate-'))).toBe(true);
    generator.child.kill('SIGINT');
    const { code } = await generator.exited;
    expect(code).toBe(130);
    expect(generator.output).toMatch(/Interrupted: nothing was left behind/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
