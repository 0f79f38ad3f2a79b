/**
 * The welcome page of a new project tells its user where to go next, is
 * styled down to its form, and /favicon.ico leads to an icon in static/
 * (with --no-example too). Served end to end in postgres-e2e.test.ts and by
 * the generated project's own tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGenerator, tempDir } from '../helpers/process.js';

function generate(args: string[] = []): string {
  const cwd = tempDir();
  const result = runGenerator(['site', '--no-install', '--no-git', ...args], cwd);
  expect(result.status, result.stderr).toBe(0);
  return join(cwd, 'site');
}

const read = (project: string, path: string) => readFileSync(join(project, path), 'utf8');

describe('the welcome page', () => {
  it('points at the settings file, startapp and the deployment chapter, and its form button is styled', () => {
    const project = generate();
    const page = read(project, 'pages/templates/pages/welcome.html');
    expect(page).toContain('<code>{{project}}/settings.ts</code>');
    expect(page).toContain('npm run manage -- startapp blog');
    expect(page).toContain('Deployment chapter');
    expect(read(project, 'README.md')).toContain('\n## Deployment\n');
    expect(read(project, 'pages/static/pages/site.css')).toMatch(/^button \{[^}]*background: #1f4fd1;/m);
    expect(read(project, 'test/welcome.test.ts')).toContain('says where to go next');
  });

  it.each([[[]], [['--no-example']]])('%j: /favicon.ico is routed to static/favicon.svg, which the layout links', (args) => {
    const project = generate(args);
    expect(read(project, 'static/favicon.svg')).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(read(project, 'site/urls.ts')).toMatch(/path\('favicon\.ico', favicon\)/);
    expect(read(project, 'templates/layouts/base.html')).toContain(`<link rel="icon" href="{{static 'favicon.svg'}}" type="image/svg+xml">`);
    expect(read(project, 'test/project.test.ts')).toContain("client.get('/favicon.ico')");
    expect(existsSync(join(project, 'static', '.gitkeep'))).toBe(false);
  });
});
