/**
 * package.json is built as an object and written with JSON.stringify, not
 * pieced together by a template: for every package manager and database it
 * is valid JSON in npm's own layout, so `npm install pkg` rewrites no line
 * of it but the one it adds, and `upgrade` merges it line by line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES } from '../../src/create/database.js';
import { PACKAGE_MANAGERS } from '../../src/create/package-manager.js';
import { PROJECT_TEMPLATE } from '../../src/create/paths.js';
import { renderProject } from '../../src/create/project.js';
import { runGenerator, tempDir } from '../helpers/process.js';

const combinations = PACKAGE_MANAGERS.flatMap((pm) => DATABASES.map((database) => [pm, database] as const));

describe('package.json', () => {
  it.each(combinations)('--pm %s --database %s: valid JSON, exactly as JSON.stringify writes it', async (pm, database) => {
    const files = await renderProject(PROJECT_TEMPLATE, 'site', { database, example: true, pm }, 'tsgate-0.1.0.tgz', 'x');
    const text = String(files.find((file) => file.path === 'package.json')?.content);
    const pkg = JSON.parse(text) as { name: string; dependencies: Record<string, string>; scripts: Record<string, string> };
    expect(text).toBe(`${JSON.stringify(pkg, null, 2)}\n`);
    expect(pkg.name).toBe('site');
    expect(pkg.dependencies.tsgate).toBe('file:vendor/tsgate-0.1.0.tgz');
    expect(Object.keys(pkg.dependencies)).toEqual(Object.keys(pkg.dependencies).sort());
    expect(pkg.scripts.manage).toBe('tsx manage.ts');
  });

  it('is no template of the project: there is nothing to render by hand', () => {
    expect(() => readFileSync(join(PROJECT_TEMPLATE, 'package.json.hbs'))).toThrow(/ENOENT/);
  });

  it('upgrade carries a package.json a user added to through unchanged, lock and all', () => {
    const cwd = tempDir();
    expect(runGenerator(['site', '--pm', 'pnpm', '--no-install', '--no-git'], cwd).status).toBe(0);
    const project = join(cwd, 'site');
    const path = join(project, 'package.json');
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { dependencies: Record<string, string> };
    pkg.dependencies.zod = '^4.0.0';
    writeFileSync(path, `${JSON.stringify(pkg, null, 2)}\n`);
    const upgraded = runGenerator(['upgrade'], project);
    expect(upgraded.status, upgraded.stdout + upgraded.stderr).toBe(0);
    expect(upgraded.stdout).not.toMatch(/^(conflict|merged|updated)/m);
    expect(readFileSync(path, 'utf8')).toBe(`${JSON.stringify(pkg, null, 2)}\n`);
  });
});
