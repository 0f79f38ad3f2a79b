/** --database and --no-example: what they change in a generated project. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderFiles } from '../../src/create/render.js';
import { isExampleFile, renderProject, templateContext } from '../../src/create/project.js';
import { PROJECT_TEMPLATE } from '../../src/create/paths.js';
import type { DatabaseName } from '../../src/create/database.js';
import type { PackageManagerName } from '../../src/create/package-manager.js';
import { runGenerator, tempDir } from '../helpers/process.js';

const QUICK = ['--no-install', '--no-git'];

interface Service {
  image?: string;
  command?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  environment: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

function generate(args: string[]): string {
  const cwd = tempDir();
  const result = runGenerator(['site', ...QUICK, ...args], cwd);
  expect(result.status, result.stderr).toBe(0);
  return join(cwd, 'site');
}

const read = (project: string, path: string) => readFileSync(join(project, path), 'utf8');

function compose(project: string): { services: Record<string, Service>; volumes: Record<string, unknown> } {
  return parse(read(project, 'docker-compose.yml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
}

describe('--database', () => {
  it.each([
    ['sqlite', 'better-sqlite3', '^12.4.1', /^DATABASE_URL=sqlite:\/\/\/db\.sqlite3$/m],
    ['postgres', 'pg', '^8.16.3', /^DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:5432\/site$/m],
    ['mysql', 'mysql2', '^3.15.3', /^DATABASE_URL=mysql:\/\/root@127\.0\.0\.1:3306\/site$/m],
  ])('%s: the driver dependency, the .env.example URL and the README', (database, driver, range, url) => {
    const project = generate(['--database', database]);
    const pkg = JSON.parse(read(project, 'package.json')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).sort()).toEqual([driver, 'tsgate', 'valibot'].sort());
    expect(pkg.dependencies[driver]).toBe(range);
    expect(read(project, '.env.example')).toMatch(url);
    expect(read(project, '.env.example').match(/^DATABASE_URL=/gm)).toHaveLength(1);
    expect(read(project, 'README.md')).toContain(`through \`${driver}\``);
    expect(read(project, 'README.md')).not.toMatch(/\{\{[#/]?(if|unless|else)|\{\{(db|driver|name)/);
  });

  it.each([
    ['postgres', 'postgres://postgres@127.0.0.1:5432/site'],
    ['mysql', 'mysql://root@127.0.0.1:3306/site'],
  ])('%s: .env points DATABASE_URL at a local server, and the next steps create the database before migrating', (database, url) => {
    const cwd = tempDir();
    const result = runGenerator(['site', ...QUICK, '--database', database], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(read(join(cwd, 'site'), '.env')).toMatch(new RegExp(`^DATABASE_URL=${url.replaceAll('.', '\\.')}$`, 'm'));
    expect(result.stdout).toContain(`.env's DATABASE_URL is ${url}`);
    const steps = result.stdout.split('\n').filter((line) => line.startsWith('│')).map((line) => line.slice(2).trim());
    const createdb = steps.findIndex((line) => line.startsWith('npm run manage -- createdb '));
    expect(createdb, steps.join('\n')).toBeGreaterThan(0);
    expect(steps[createdb + 1]).toMatch(/^npm run manage -- migrate /);
    expect(read(join(cwd, 'site'), 'README.md')).toContain('npm run manage -- createdb');
  });

  it('sqlite: no database to create, none in .env (the default file is used)', () => {
    const cwd = tempDir();
    const result = runGenerator(['site', ...QUICK], cwd);
    expect(result.stdout).not.toContain('createdb');
    expect(read(join(cwd, 'site'), '.env')).not.toContain('DATABASE_URL');
  });

  it('never asks for better-sqlite3 13, which crashes on Node 20', () => {
    const project = generate([]);
    expect((JSON.parse(read(project, 'package.json')) as { dependencies: Record<string, string> }).dependencies['better-sqlite3']).toMatch(/^\^12\./);
  });

  it.each([
    ['postgres', /^postgres:16/, 'pg_isready', /^postgres:\/\/site:[^@]+@db:5432\/site$/],
    ['mysql', /^mariadb:11/, 'healthcheck.sh', /^mysql:\/\/site:[^@]+@db:3306\/site$/],
  ])('%s: compose runs the database with a volume and a health check, migrate once, then web', (database, image, probe, url) => {
    const { services, volumes } = compose(generate(['--database', database]));
    expect(Object.keys(services).sort()).toEqual(['db', 'migrate', 'web', 'worker']);
    const { db, migrate, web, worker } = services as Record<'db' | 'migrate' | 'web' | 'worker', Service>;
    expect(worker.environment).toEqual(web.environment);
    expect(worker.depends_on?.db?.condition).toBe('service_healthy');
    expect(db.image).toMatch(image);
    expect(db.healthcheck?.test.join(' ')).toContain(probe);
    const volume = db.volumes?.[0]?.split(':')[0] ?? '';
    expect(Object.keys(volumes)).toEqual([volume]);
    expect(web.environment.DATABASE_URL).toMatch(url);
    expect(migrate.environment).toEqual(web.environment);
    expect(migrate.command).toEqual(['node', 'dist/manage.js', 'migrate', '--noinput']);
    expect(migrate.depends_on?.db?.condition).toBe('service_healthy');
    expect(web.depends_on?.db?.condition).toBe('service_healthy');
    expect(web.depends_on?.migrate?.condition).toBe('service_completed_successfully');
  });

  it('sqlite: compose has no database service; migrate and web share the file in a volume', () => {
    const { services, volumes } = compose(generate(['--database', 'sqlite']));
    expect(Object.keys(services).sort()).toEqual(['migrate', 'web', 'worker']);
    const { migrate, web, worker } = services as Record<'migrate' | 'web' | 'worker', Service>;
    expect(worker.volumes).toEqual(['data:/app/data']);
    expect(web.environment.DATABASE_URL).toBe('sqlite:////app/data/db.sqlite3');
    expect(migrate.volumes).toEqual(['data:/app/data']);
    expect(web.volumes).toEqual(['data:/app/data']);
    expect(Object.keys(volumes)).toEqual(['data']);
    expect(migrate.command).toEqual(['node', 'dist/manage.js', 'migrate', '--noinput']);
    expect(web.depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
  });

  it('refuses an unknown database with exit code 2, naming the choices', () => {
    const cwd = tempDir();
    const result = runGenerator(['site', '--database', 'oracle', ...QUICK], cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/oracle/);
    expect(result.stderr).toMatch(/sqlite.*postgres.*mysql/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('--no-example', () => {
  it('leaves out the pages app and its tests, and the README row', () => {
    const project = generate(['--no-example']);
    expect(existsSync(join(project, 'pages'))).toBe(false);
    expect(existsSync(join(project, 'test', 'welcome.test.ts'))).toBe(false);
    expect(existsSync(join(project, 'site', 'settings.ts'))).toBe(true);
    expect(read(project, 'README.md')).not.toContain('| `pages/` |');
    const lock = JSON.parse(read(project, '.tsgate/template.lock.json')) as { choices: { example: boolean }; files: Record<string, unknown> };
    expect(lock.choices.example).toBe(false);
    expect(Object.keys(lock.files).filter((path) => path.startsWith('pages/'))).toEqual([]);
  });

  it('keeps them by default', () => {
    const project = generate([]);
    expect(existsSync(join(project, 'pages', 'urls.ts'))).toBe(true);
    expect(read(project, 'README.md')).toContain('| `pages/` |');
  });

  it('passes `example` to the templates, so settings and urls can leave the app out', async () => {
    const context = (example: boolean) => templateContext('site', { database: 'sqlite', example, pm: 'npm' }, 'tsgate-0.1.0.tgz', 'x');
    expect(context(false)).toMatchObject({ example: false, database: 'sqlite', db: { sqlite: true, postgres: false, mysql: false } });
    const files = await renderFiles(PROJECT_TEMPLATE, context(false), isExampleFile);
    expect(files.filter((file) => file.path.startsWith('pages/'))).toEqual([]);
  });
});

describe('install scripts the package manager must allow', () => {
  /** package.json as rendered for a package manager and a database. */
  async function packageJson(pm: PackageManagerName, database: DatabaseName): Promise<Record<string, unknown>> {
    const files = await renderProject(PROJECT_TEMPLATE, 'site', { database, example: true, pm }, 'tsgate-0.1.0.tgz', 'x');
    const file = files.find((candidate) => candidate.path === 'package.json');
    return JSON.parse(String(file?.content)) as Record<string, unknown>;
  }

  it.each([
    ['npm', 'allowScripts', { 'better-sqlite3': true, esbuild: true }, { esbuild: true }],
    ['pnpm', 'pnpm', { onlyBuiltDependencies: ['better-sqlite3', 'esbuild'] }, { onlyBuiltDependencies: ['esbuild'] }],
    ['bun', 'trustedDependencies', ['better-sqlite3', 'esbuild'], ['esbuild']],
  ] as const)('%s: package.json lists the SQLite driver (native) and esbuild in %s', async (pm, field, withSqlite, withPostgres) => {
    const sqlite = await packageJson(pm, 'sqlite');
    expect(sqlite[field]).toEqual(withSqlite);
    expect((await packageJson(pm, 'postgres'))[field]).toEqual(withPostgres);
    // Only the chosen package manager's field.
    const others = ['allowScripts', 'pnpm', 'trustedDependencies'].filter((name) => name !== field);
    expect(others.filter((name) => name in sqlite)).toEqual([]);
  });

  it('yarn runs dependencies’ install scripts by itself: no field; the project pins Yarn 1, whose flags its files use', async () => {
    const pkg = await packageJson('yarn', 'sqlite');
    expect(['allowScripts', 'pnpm', 'trustedDependencies'].filter((name) => name in pkg)).toEqual([]);
    expect(pkg.packageManager).toBe('yarn@1.22.22');
    for (const pm of ['npm', 'pnpm', 'bun'] as const) expect(await packageJson(pm, 'sqlite')).not.toHaveProperty('packageManager');
  });
});
