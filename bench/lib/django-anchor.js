// @ts-check
/**
 * The Django anchor (bench/anchors/django, README there): Debian's Django
 * 3.2, gunicorn and whitenoise, installed with apt-get when missing (the
 * benchmarks only, never the tests), a copy of the project in a temporary
 * folder, and gunicorn -w 2 serving it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, freePort, get, sleep } from './harness.js';

export const PYTHON = '/usr/bin/python3';
const PACKAGES = ['python3-django', 'gunicorn', 'python3-whitenoise', 'python3-brotli', 'wrk'];

/** Django 3.2's version once the Debian packages are there; installs them when an import or wrk is missing. */
export function ensureAnchorPackages() {
  const check = () => spawnSync(PYTHON, ['-c', 'import django, gunicorn, whitenoise, brotli; print(django.get_version())'], { encoding: 'utf8' });
  let found = check();
  const wrk = spawnSync('wrk', ['--version']).error === undefined;
  if (found.status !== 0 || !wrk) {
    process.stderr.write(`  installing ${PACKAGES.join(' ')} (apt-get)… `);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', ...PACKAGES], { encoding: 'utf8', env });
    if (install.status !== 0) throw new Error(`apt-get install failed:\n${install.stderr}`);
    process.stderr.write('done\n');
    found = check();
    if (found.status !== 0) throw new Error(`Django, gunicorn, whitenoise or brotli still missing:\n${found.stderr}`);
  }
  return found.stdout.trim();
}

/**
 * A copy of the anchor project in `dir` with its SQLite tables, collecting
 * `staticDirs` into `dir`/staticfiles.
 * @param {string} dir
 * @param {string[]} staticDirs
 */
export function prepareAnchor(dir, staticDirs) {
  cpSync(join(BENCH_DIR, 'anchors', 'django'), dir, { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const env = anchorEnv(dir, staticDirs);
  // WAL, the welcome page's counter table and Django's session table (prepare_db.py says why).
  const made = spawnSync(PYTHON, ['prepare_db.py'], { cwd: dir, env, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`anchor database: ${made.stderr}`);
  const collected = spawnSync(PYTHON, ['manage.py', 'collectstatic', '--noinput'], { cwd: dir, env, encoding: 'utf8' });
  if (collected.status !== 0) throw new Error(`anchor collectstatic: ${collected.stderr}`);
  return env;
}

/**
 * @param {string} dir
 * @param {string[]} staticDirs
 * @param {string} [staticRoot]
 * @returns {Record<string, string>}
 */
export function anchorEnv(dir, staticDirs, staticRoot = join(dir, 'staticfiles')) {
  // No __pycache__ inside the repository's bench/anchors/django.
  return { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ANCHOR_DB: join(dir, 'data', 'db.sqlite3'), ANCHOR_STATIC_ROOT: staticRoot, ANCHOR_STATICFILES_DIRS: staticDirs.join(':') };
}

/** The hashed name collectstatic gave `relative`. @param {string} root @param {string} relative */
export function hashedPath(root, relative) {
  const { paths } = JSON.parse(readFileSync(join(root, 'staticfiles.json'), 'utf8'));
  const hashed = paths[relative];
  if (typeof hashed !== 'string') throw new Error(`${relative} is not in ${root}/staticfiles.json`);
  return hashed;
}

/**
 * gunicorn -w `workers` serving the anchor; resolves once /hello answers 200.
 * @param {string} dir
 * @param {Record<string, string>} env
 * @param {number} workers
 * @returns {Promise<{ url: string, pid: number, stop: () => Promise<void> }>}
 */
export async function startGunicorn(dir, env, workers) {
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'gunicorn', '-w', String(workers), '-b', `127.0.0.1:${port}`, '--log-level', 'warning', 'anchor.wsgi'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gunicorn exited with ${child.exitCode}:\n${output}`);
    const page = await get(`${url}hello`, {}, 2000).catch(() => undefined);
    if (page?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gunicorn did not answer within 30 s:\n${output}`);
    }
    await sleep(100);
  }
  return {
    url,
    pid: /** @type {number} */ (child.pid),
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    },
  };
}
