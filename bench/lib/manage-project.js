// @ts-check
/**
 * A project of three files, for benchmarks that time one manage command
 * without generating and installing a whole project: package.json, a
 * manage.mjs that runs the compiled runtime (build/tsgate/dist) and the
 * settings module the caller writes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, TSGATE_DIST } from './harness.js';

/**
 * @param {string} dir  an existing empty folder
 * @param {string} settings  the source of settings.mjs
 */
export function writeManageProject(dir, settings) {
  const runtime = pathToFileURL(join(TSGATE_DIST, 'management', 'index.js')).href;
  writeFileSync(join(dir, 'package.json'), '{"type": "module", "private": true}\n');
  writeFileSync(
    join(dir, 'manage.mjs'),
    `import { executeFromCommandLine } from ${JSON.stringify(runtime)};
process.env.TSGATE_SETTINGS_MODULE ??= 'settings';
await executeFromCommandLine(process.argv.slice(2), { root: new URL('.', import.meta.url) });
`,
  );
  writeFileSync(join(dir, 'settings.mjs'), settings);
}

/** make-static-tree.py, beside the repository (../shared/) or one level further up from a worktree. */
export const TREE_SCRIPT =
  [join(ROOT, '..', 'shared', 'make-static-tree.py'), join(ROOT, '..', '..', 'shared', 'make-static-tree.py')].find((file) => existsSync(file)) ??
  join(ROOT, '..', 'shared', 'make-static-tree.py');

/**
 * The deterministic static tree of `files` files in `dir/tree`, and in
 * `dir/tsgate` a project whose collectstatic collects it into
 * $BENCH_STATIC_ROOT (a new one per run, given by the caller).
 * @param {string} dir  an existing empty folder
 * @param {number} files
 * @param {string} [extraSettings]  more lines of settings.mjs
 * @returns {{ tree: string, project: string }}
 */
export function writeStaticTreeProject(dir, files, extraSettings = '') {
  if (!existsSync(TREE_SCRIPT)) throw new Error(`${TREE_SCRIPT} is missing`);
  const tree = join(dir, 'tree');
  const made = spawnSync('python3', [TREE_SCRIPT, tree, String(files)], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make-static-tree.py failed:\n${made.stderr}`);
  const project = join(dir, 'tsgate');
  mkdirSync(project);
  writeManageProject(
    project,
    `export const DEBUG = false;
export const SECRET_KEY = 'bench-static-tree-0123456789-abcdefghijklmnopqrstuvwxyz';
export const ALLOWED_HOSTS = ['localhost'];
export const INSTALLED_APPS = [];
export const ROOT_URLCONF = 'urls';
export const WSGI_APPLICATION = 'wsgi:application';
export const STATIC_URL = '/static/';
export const STATIC_ROOT = process.env.BENCH_STATIC_ROOT;
export const STATICFILES_DIRS = [${JSON.stringify(tree)}];
${extraSettings}`,
  );
  return { tree, project };
}
