// @ts-check
/**
 * A generated tsgate project for benchmarks that need a realistic app:
 * `create-tsgate-project <dir>/site --no-git` (which runs npm install from
 * the registry), then `npm run build` in it.
 *
 * The built project is cached under os.tmpdir()/tsgate-bench-project/site
 * and reused while its vendor/ tarball has the same content hash as the
 * current build/tsgate-<version>.tgz and the generator (templates/project,
 * dist/create) is unchanged; otherwise it is generated afresh beside the
 * cache and swapped in.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from './harness.js';

export const PROJECT_NAME = 'site';
const CACHE_ROOT = join(tmpdir(), 'tsgate-bench-project');
const STAMP = 'bench-stamp.json';

/**
 * @typedef {object} GeneratedProject
 * @property {string} dir       the project folder
 * @property {string} name      its name, the first part of its dotted modules (`site.wsgi:application`)
 * @property {boolean} reused  true when the cache was valid
 * @property {string} tarball  the runtime tarball it vendors
 * @property {string} tarballSha256
 * @property {number} seconds  time spent generating and building (0 when reused)
 */

/** @param {string | Buffer} data */
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * One hash over every file below the given folders (relative path + content).
 * @param {string[]} dirs
 */
function treeSha256(dirs) {
  const hash = createHash('sha256');
  /** @param {string} dir */
  const walk = (dir) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(`${relative(ROOT, path)}\0`).update(readFileSync(path)).update('\0');
    }
  };
  for (const dir of dirs) if (existsSync(dir)) walk(dir);
  return hash.digest('hex');
}

/** The runtime tarball the generator vendors: build/tsgate-<version of build/tsgate>.tgz. */
function runtimeTarball() {
  const manifest = join(ROOT, 'build', 'tsgate', 'package.json');
  const { version } = /** @type {{ version: string }} */ (JSON.parse(readFileSync(manifest, 'utf8')));
  const name = `tsgate-${version}.tgz`;
  const file = join(ROOT, 'build', name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  return { name, file };
}

/**
 * The environment for npm and the generator: ours, less what `npm run bench`
 * added about this repository (its package, its script, its local prefix),
 * so that nested npm commands see only the generated project.
 */
function childEnv() {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    if (lower.startsWith('npm_package_') || lower.startsWith('npm_lifecycle_')) continue;
    if (['npm_config_local_prefix', 'npm_config_user_agent', 'npm_command', 'init_cwd'].includes(lower)) continue;
    env[key] = value;
  }
  return env;
}

/**
 * Runs a command to completion; rejects with its output if it fails.
 * @param {string} file
 * @param {string[]} args
 * @param {string} cwd
 * @returns {Promise<string>}
 */
function runCommand(file, args, cwd) {
  return new Promise((resolve, reject) => {
    // 15 minutes: npm install compiles better-sqlite3 from source, which takes over 5 on a busy 2-core machine.
    execFile(file, args, { cwd, env: childEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 900_000 }, (error, stdout, stderr) => {
      const how = error && (error.code !== undefined && error.code !== null ? `exit code ${error.code}` : `signal ${error.signal}`);
      if (error) reject(new Error(`${[file, ...args].join(' ')} (in ${cwd}) failed with ${how}:\n${stdout}${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

/**
 * @param {string} dir
 * @param {{ name: string, sha256: string }} tarball
 * @param {string} generatorSha256
 */
function cacheIsValid(dir, tarball, generatorSha256) {
  try {
    const stamp = JSON.parse(readFileSync(join(dir, STAMP), 'utf8'));
    if (stamp.generatorSha256 !== generatorSha256) return false;
    // The generator vendors the runtime as `tsgate-<version>-<first 12 hex of its sha256>.tgz` (src/create/paths.ts).
    const vendored = join(dir, 'vendor', tarball.name.replace(/\.tgz$/, `-${tarball.sha256.slice(0, 12)}.tgz`));
    return (
      sha256(readFileSync(vendored)) === tarball.sha256 &&
      existsSync(join(dir, 'dist', 'manage.js')) &&
      existsSync(join(dir, 'node_modules', 'tsgate', 'package.json'))
    );
  } catch {
    return false;
  }
}

/**
 * The built generated project, from the cache or made now.
 * @param {(line: string) => void} [log]
 * @returns {Promise<GeneratedProject>}
 */
export async function generatedProject(log = () => {}) {
  const runtime = runtimeTarball();
  const tarball = { name: runtime.name, sha256: sha256(readFileSync(runtime.file)) };
  const generatorSha256 = treeSha256([join(ROOT, 'templates', 'project'), join(ROOT, 'dist', 'create')]);
  const dir = join(CACHE_ROOT, PROJECT_NAME);
  const result = { dir, name: PROJECT_NAME, tarball: runtime.name, tarballSha256: tarball.sha256 };
  if (cacheIsValid(dir, tarball, generatorSha256)) return { ...result, reused: true, seconds: 0 };

  const started = performance.now();
  mkdirSync(CACHE_ROOT, { recursive: true });
  const fresh = mkdtempSync(join(CACHE_ROOT, 'new-'));
  try {
    const target = join(fresh, PROJECT_NAME);
    log(`generating ${PROJECT_NAME} (npm install)… `);
    await runCommand(process.execPath, [join(ROOT, 'cli', 'create-tsgate-project.js'), target, '--no-git'], fresh);
    log('npm run build… ');
    await runCommand('npm', ['run', 'build'], target);
    // The welcome page counts its views in the pages_visit table (SQLite, db.sqlite3 in the project).
    log('migrate… ');
    await runCommand(process.execPath, ['dist/manage.js', 'migrate', '--noinput'], target);
    writeFileSync(
      join(target, STAMP),
      `${JSON.stringify({ tarball: runtime.name, tarballSha256: tarball.sha256, generatorSha256, created: new Date().toISOString() }, null, 2)}\n`,
    );
    // Swap in: the old project, if any, moves aside first so the cache path never holds a half-made project.
    if (existsSync(dir)) {
      const old = `${fresh}-old`;
      renameSync(dir, old);
      rmSync(old, { recursive: true, force: true });
    }
    renameSync(target, dir);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  return { ...result, reused: false, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

/**
 * `generatedProject()` with its progress on stderr, on one line:
 * `  generated project: cached <dir>` or `… made in N s: <dir>`. If it
 * fails, the line is left open for the caller to finish.
 *
 * @returns {Promise<GeneratedProject>}
 */
export async function generatedProjectWithProgress() {
  process.stderr.write('  generated project: ');
  const project = await generatedProject((text) => process.stderr.write(text));
  process.stderr.write(project.reused ? `cached ${project.dir}\n` : `made in ${project.seconds} s: ${project.dir}\n`);
  return project;
}

/**
 * @typedef {object} ProjectRecord  what a result records of the generated project
 * @property {string} dir
 * @property {boolean} reused
 * @property {number} seconds
 * @property {string} tarball
 * @property {string} tarballSha256
 */

/**
 * @param {GeneratedProject} project
 * @returns {ProjectRecord}
 */
export function projectRecord({ dir, reused, seconds, tarball, tarballSha256 }) {
  return { dir, reused, seconds, tarball, tarballSha256 };
}

/**
 * `reused from the cache at <dir> (vendors <tarball>, sha256 <12 hex>…)` or
 * `made in N s at …`, for the markdown.
 *
 * @param {ProjectRecord} project
 */
export function projectLine(project) {
  return `${project.reused ? 'reused from the cache' : `made in ${project.seconds} s`} at ${project.dir} (vendors ${project.tarball}, sha256 ${project.tarballSha256.slice(0, 12)}…)`;
}

/**
 * The generated project served as in production: `node dist/manage.js serve
 * <name>.wsgi:application --workers N --bind 127.0.0.1:PORT` in its folder,
 * with `env` (NODE_ENV, SECRET_KEY, ALLOWED_HOSTS, …); ready once the
 * primary has logged every worker's boot.
 *
 * @param {{ dir: string, name: string }} project
 * @param {number} workers
 * @param {Record<string, string>} env
 * @returns {{ app: string, command: string, start: Parameters<typeof import('./harness.js').startServer>[0] }}
 */
export function projectServer(project, workers, env) {
  const app = `${project.name}.wsgi:application`;
  return {
    app,
    command: `node dist/manage.js serve ${app} --workers ${workers} --bind 127.0.0.1:PORT`,
    start: {
      script: join(project.dir, 'dist', 'manage.js'),
      workers,
      cwd: project.dir,
      args: (port) => ['serve', app, '--workers', String(workers), '--bind', `127.0.0.1:${port}`],
      env,
      // The primary logs this once per worker that has its app loaded and listens.
      isReady: (output) => (output.match(/Booting worker with pid: \d+/g) ?? []).length >= workers,
    },
  };
}
