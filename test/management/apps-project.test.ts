/**
 * `manage startapp` and `manage test` as a user runs them, through the built
 * runtime in a freshly generated project: create an app, wire it in as the
 * next steps say, and run the project's tests with `npm test`.
 */
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedProject } from '../helpers/installed-project.js';
import { runSync } from '../helpers/process.js';

let workdir = '';
let project = '';

function npm(args: string[]) {
  return runSync('npm', args, { cwd: project });
}

function manage(...args: string[]) {
  return npm(['run', '--silent', 'manage', '--', ...args]);
}

/** The numbers of node's TAP summary (`# tests 5`, `# pass 5`, …). */
function summary(output: string): Record<string, number> {
  return Object.fromEntries([...output.matchAll(/^# (tests|pass|fail|skipped|cancelled) (\d+)$/gm)].map((match) => [match[1], Number(match[2])]));
}

/** Every file of the project but its dependencies, with its content. */
function snapshot(): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        files[`${relative(project, path)}/`] = '';
        visit(path);
      } else files[relative(project, path)] = readFileSync(path, 'utf8');
    }
  };
  visit(project);
  return files;
}

function edit(file: string, change: (text: string) => string): void {
  const path = join(project, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`could not edit ${file}:\n${before}`);
  writeFileSync(path, after);
}

// `create-tsgate-project site --no-git`, installed: a copy of the one the end-to-end files share.
beforeAll(async () => {
  project = await installedProject();
  workdir = dirname(project);
}, 900_000);

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

describe('manage startapp in a generated project', () => {
  it('refuses a bad name with exit code 2 and a clear message, creating nothing', () => {
    const before = snapshot();
    const cases: [string, RegExp][] = [
      ['my-blog', /^CommandError: 'my-blog' is not a valid app name: use a lowercase identifier.*e\.g\. 'my_blog'$/m],
      ['http', /^CommandError: 'http' conflicts with Node's built-in module node:http/m],
      ['site', /^CommandError: 'site' is the project's own name/m],
    ];
    for (const [name, message] of cases) {
      const result = manage('startapp', name);
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(snapshot()).toEqual(before);
  }, 60_000);

  it('creates the app and prints the next steps', () => {
    const result = manage('startapp', 'blog');
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("Add 'blog' to INSTALLED_APPS in site/settings.ts");
    expect(result.stdout).toContain("import { urlpatterns as blogUrls } from '../blog/urls.js';");
    expect(result.stdout).toContain("path('blog/', include(blogUrls, { namespace: 'blog' })),");
    const files = Object.keys(snapshot())
      .filter((path) => path.startsWith('blog/') && !path.endsWith('/'))
      .sort();
    expect(files).toEqual([
      'blog/migrations/.gitkeep',
      'blog/models.ts',
      'blog/static/blog/blog.css',
      'blog/templates/blog/index.html',
      'blog/tests/blog.test.ts',
      'blog/urls.ts',
      'blog/views.ts',
    ]);
    for (const file of files) expect(readFileSync(join(project, file), 'utf8')).not.toMatch(/\{\{(app|project|wsgi)\}\}/);
    expect(readFileSync(join(project, 'blog/templates/blog/index.html'), 'utf8')).toContain("{{url 'blog:index'}}");
    expect(readFileSync(join(project, 'blog/tests/blog.test.ts'), 'utf8')).toContain("from '../../site/wsgi.js'");
    expect(readdirSync(project).filter((name) => name.includes('startapp'))).toEqual([]);
  }, 60_000);

  it('refuses an existing folder, changing nothing', () => {
    const before = snapshot();
    const result = manage('startapp', 'blog');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`CommandError: 'blog' already exists at ${join(project, 'blog')}`);
    expect(snapshot()).toEqual(before);
  }, 60_000);

  it("makes a test that names the missing step while the app's URLs are not included", () => {
    const result = manage('test', 'blog');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("'blog:index' is not in the project's URL table: add path('blog/', include(blogUrls, { namespace: 'blog' })) to site/urls.ts");
  }, 60_000);

  it("runs the project's tests and the app's with npm test once the app is wired in", () => {
    edit('site/settings.ts', (text) =>
      /export const INSTALLED_APPS\b[^=]*= \[/.test(text)
        ? text.replace(/(export const INSTALLED_APPS\b[^=]*= \[)/, "$1'blog', ")
        : `${text}\nexport const INSTALLED_APPS = ['blog'];\n`,
    );
    edit('site/urls.ts', (text) =>
      `import { include as includeBlog, path as pathBlog } from 'tsgate/http';\nimport { urlpatterns as blogUrls } from '../blog/urls.js';\n${text.replace(
        /(export const urlpatterns\b[^=]*= \[)/,
        "$1\n  pathBlog('blog/', includeBlog(blogUrls, { namespace: 'blog' })),",
      )}`,
    );
    const result = npm(['test']);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/^Found \d+ test files\.$/m);
    expect(result.stdout).toMatch(/^ok \d+ - the blog index page answers with HTML$/m);
    expect(result.stdout).toMatch(/^ok \d+ - a page the blog app does not have is a 404$/m);
    const counts = summary(result.stdout);
    expect(counts.fail, output).toBe(0);
    expect(counts.pass).toBe(counts.tests);
    expect(counts.pass).toBeGreaterThan(2); // the project's own tests ran too
    expect(result.status, output).toBe(0);

    const typecheck = npm(['run', 'typecheck']);
    expect(typecheck.status, typecheck.stdout + typecheck.stderr).toBe(0);
  }, 120_000);
});

describe('manage test in a generated project', () => {
  const failing = 'test/zz-failing.test.ts';
  const passing = 'test/zz-passing.test.ts';

  afterAll(() => {
    for (const file of [failing, passing]) rmSync(join(project, file), { force: true });
  });

  it('fails when a test file fails', () => {
    writeFileSync(
      join(project, failing),
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\n\ntest('one is two', () => {\n  assert.equal(1, 2);\n});\n",
    );
    const all = npm(['test']);
    expect(all.status).not.toBe(0);
    expect(all.stdout).toMatch(/^not ok \d+ - one is two$/m);

    const one = manage('test', failing);
    expect(one.status).not.toBe(0);
    expect(one.stderr).toContain('Found 1 test file.');
    expect(summary(one.stdout)).toMatchObject({ tests: 1, pass: 0, fail: 1 });
  }, 120_000);

  it('runs only the file given as a path', () => {
    writeFileSync(
      join(project, passing),
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\n\ntest('one is one', () => {\n  assert.equal(1, 1);\n});\n",
    );
    const result = manage('test', passing);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(summary(result.stdout)).toMatchObject({ tests: 1, pass: 1, fail: 0 });
    expect(result.stdout).toMatch(/^ok 1 - one is one$/m);
  }, 60_000);

  it('runs only the tests whose name matches -k', () => {
    const result = manage('test', 'blog', '-k', '404');
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(summary(result.stdout)).toMatchObject({ pass: 1, fail: 0, skipped: 1 });
  }, 60_000);

  it('exits 1 with a clear message when no test file is found, and 2 for a path that does not exist', () => {
    const none = manage('test', 'blog/migrations');
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('CommandError: no test files found in blog/migrations');
    const missing = manage('test', 'no/such/place');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("CommandError: no test file or folder 'no/such/place'");
    expect(statSync(join(project, 'blog', 'migrations')).isDirectory()).toBe(true);
  }, 60_000);
});
