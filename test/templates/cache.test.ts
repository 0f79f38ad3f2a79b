/**
 * Compiled templates are cached: without debug a template is compiled once
 * and later edits are not seen; with debug a template whose file changed
 * (modification time or size) is recompiled on its next render, partials
 * and layouts included, so runserver shows edits without a restart.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTemplateEngine, TemplateDoesNotExist, type TemplateEngine } from '../../src/runtime/templates/index.js';
import { squash, thrown } from './fixtures.js';

let root: string;
let projectDir: string;
let appDir: string;

/** Writes `text` to the template `name` under `dir`, and moves its mtime `ahead` seconds past the last one. */
function write(dir: string, name: string, text: string, ahead = 10): void {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  let previous: number | undefined;
  try {
    previous = statSync(file).mtimeMs;
  } catch {
    previous = undefined;
  }
  writeFileSync(file, text);
  if (previous !== undefined) {
    const when = new Date(previous + ahead * 1000);
    utimesSync(file, when, when);
  }
}

function engine(debug: boolean): TemplateEngine {
  return createTemplateEngine({ dirs: [projectDir, appDir], debug });
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tsgate-templates-'));
  projectDir = join(root, 'templates');
  appDir = join(root, 'blog', 'templates');
  write(projectDir, 'layouts/base.html', '<main>{{> @partial-block}}</main>{{> partials/foot.html}}');
  write(projectDir, 'partials/foot.html', '<footer>foot v1</footer>');
  write(projectDir, 'pages/page.html', '{{#> layouts/base.html}}page v1 {{x}}{{/layouts/base.html}}');
  write(appDir, 'pages/app.html', 'app v1');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('without debug', () => {
  it('compiles once: edits to the page, its layout and its partials after the first render are not seen', () => {
    const templates = engine(false);
    expect(templates.render('pages/page.html', { x: 1 })).toBe('<main>page v1 1</main><footer>foot v1</footer>');
    write(projectDir, 'pages/page.html', '{{#> layouts/base.html}}page v2 {{x}}{{/layouts/base.html}}');
    write(projectDir, 'layouts/base.html', '<div>{{> @partial-block}}</div>');
    write(projectDir, 'partials/foot.html', '<footer>foot v2</footer>');
    // The context is still applied: the cache holds compiled templates, not output.
    expect(templates.render('pages/page.html', { x: 2 })).toBe('<main>page v1 2</main><footer>foot v1</footer>');
  });

  it('compiles each file once for all pages: a second page gets the partial as first compiled', () => {
    const templates = engine(false);
    expect(templates.render('pages/page.html', { x: 1 })).toContain('foot v1');
    write(projectDir, 'partials/foot.html', '<footer>foot v2</footer>');
    write(projectDir, 'pages/other.html', 'other {{> partials/foot.html}}');
    expect(templates.render('pages/other.html', {})).toBe('other <footer>foot v1</footer>');
  });

  it('keeps the file it found first, even when an earlier folder gains the name', () => {
    const templates = engine(false);
    expect(templates.render('pages/app.html', {})).toBe('app v1');
    write(projectDir, 'pages/app.html', 'project now');
    expect(templates.render('pages/app.html', {})).toBe('app v1');
  });

  it('still renders from memory after the files are gone', () => {
    const templates = engine(false);
    templates.render('pages/page.html', { x: 1 });
    rmSync(projectDir, { recursive: true });
    expect(templates.render('pages/page.html', { x: 3 })).toBe('<main>page v1 3</main><footer>foot v1</footer>');
  });
});

describe('with debug', () => {
  it('recompiles a page whose file changed', () => {
    const templates = engine(true);
    expect(templates.render('pages/page.html', { x: 1 })).toBe('<main>page v1 1</main><footer>foot v1</footer>');
    write(projectDir, 'pages/page.html', '{{#> layouts/base.html}}page v2 {{x}}{{/layouts/base.html}}');
    expect(templates.render('pages/page.html', { x: 2 })).toBe('<main>page v2 2</main><footer>foot v1</footer>');
  });

  it('recompiles a layout and a partial whose files changed', () => {
    const templates = engine(true);
    templates.render('pages/page.html', { x: 1 });
    write(projectDir, 'layouts/base.html', '<div>{{> @partial-block}}</div>{{> partials/foot.html}}');
    write(projectDir, 'partials/foot.html', '<footer>foot v2</footer>');
    expect(templates.render('pages/page.html', { x: 1 })).toBe('<div>page v1 1</div><footer>foot v2</footer>');
  });

  it('follows a layout that starts using a new partial', () => {
    const templates = engine(true);
    templates.render('pages/page.html', { x: 1 });
    write(projectDir, 'partials/head.html', '<header>new</header>');
    write(projectDir, 'layouts/base.html', '{{> partials/head.html}}<main>{{> @partial-block}}</main>');
    expect(templates.render('pages/page.html', { x: 1 })).toBe('<header>new</header><main>page v1 1</main>');
  });

  it('sees a template added to an earlier folder, and one removed', () => {
    const templates = engine(true);
    expect(templates.render('pages/app.html', {})).toBe('app v1');
    write(projectDir, 'pages/app.html', 'project now');
    expect(templates.render('pages/app.html', {})).toBe('project now');
    rmSync(join(projectDir, 'pages/app.html'));
    rmSync(join(appDir, 'pages/app.html'));
    expect(thrown(() => templates.render('pages/app.html', {}))).toBeInstanceOf(TemplateDoesNotExist);
  });

  it('goes by the file\'s modification time and size: a same-size edit that keeps the old mtime is not recompiled', () => {
    const templates = engine(true);
    const file = join(projectDir, 'partials/foot.html');
    // A whole second, so that setting it again restores it exactly.
    const stamp = 1_700_000_000;
    utimesSync(file, stamp, stamp);
    expect(squash(templates.render('pages/page.html', { x: 1 }))).toContain('foot v1');
    writeFileSync(file, '<footer>foot v9</footer>');
    utimesSync(file, stamp, stamp);
    expect(squash(templates.render('pages/page.html', { x: 1 }))).toContain('foot v1');
    // Now the clock moves: the edit shows.
    write(projectDir, 'partials/foot.html', '<footer>foot v9</footer>');
    expect(squash(templates.render('pages/page.html', { x: 1 }))).toContain('foot v9');
  });
});
