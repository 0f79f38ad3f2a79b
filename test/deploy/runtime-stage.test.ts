/**
 * The Dockerfile's steps, run as far as a machine with no docker engine can:
 * the build context as .dockerignore leaves it, the dependencies installed,
 * the build stage's RUN lines, then only what the runtime stage COPYs into a
 * fresh folder, started with the image's CMD (bound to a free local port) and
 * asked by the image's HEALTHCHECK command. Proves the runtime stage holds
 * everything the app reads.
 *
 * As root (CI, these machines), migrate, serve and the health check run as
 * uid 1000 (the image's `node` user) on a tree chowned to it, the way
 * `COPY --chown=node:node` and `USER node` leave the image — the runtime's
 * folder itself root's, as WORKDIR makes /app — and, as the README's
 * `docker run` lines, with no DATABASE_URL: the image's own default puts the
 * SQLite file in its data/ folder, where docker-compose's `data` volume goes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lchownSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { join, posix } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from '../helpers/process.js';
import { installedProject, usePrebuiltSqlite } from '../helpers/installed-project.js';
import { NAME, copyArgs, dockerIgnore, dockerStages, stage } from './project.js';

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The image's `node` user (uid and gid 1000 in node's Debian images). */
const UNPRIVILEGED = { uid: 1000, gid: 1000 };

/** `chown -R` of a folder, as `COPY --chown` leaves the copied tree. */
function chownTree(dir: string, uid: number, gid: number): void {
  lchownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) chownTree(join(dir, entry.name), uid, gid);
    else lchownSync(join(dir, entry.name), uid, gid);
  }
}

/** The real uid of a running process, from the first field of /proc/PID/status's Uid line. */
function processUid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

function sh(script: string, cwd: string) {
  const result = spawnSync('sh', ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, NODE_ENV: '' }, timeout: 300_000 });
  expect(result.status, `${script}\n${result.stdout}${result.stderr}`).toBe(0);
}

function fetchText(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    // A connection per request: node's global agent keeps sockets alive, and while a spawnSync
    // (migrate) blocks this process the server closes its idle one; the next request, sent on it
    // before its close was read, would end in "socket hang up".
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

describe('the Dockerfile steps in a clean copy', () => {
  it('build stage then runtime stage: the copied tree serves /healthz, / and its stylesheet', async () => {
    // `create-tsgate-project site --no-git` with its npm install (so with package-lock.json): the end-to-end files' shared project.
    const project = await installedProject();
    const stages = dockerStages(project);
    const work = tempDir('tsgate-docker-');
    const app = join(work, 'build-app'); // the build stage's /app
    const runtime = join(work, 'runtime-app'); // the runtime stage's /app

    // The build context: what .dockerignore lets through (the generated .env stays out).
    const ignored = dockerIgnore(project);
    cpSync(project, app, { recursive: true, filter: (source) => source === project || !ignored(posix.normalize(source.slice(project.length + 1).split('\\').join('/'))) });
    expect(existsSync(join(app, '.env'))).toBe(false);
    expect(existsSync(join(app, '.env.example'))).toBe(true);

    // deps: its RUN lines as written (`npm ci`, from the lock file), but the apt-get one: this machine has those build tools,
    // and better-sqlite3's install script takes the suite's prebuilt binary rather than compiling one more.
    await usePrebuiltSqlite(work);
    const depsRuns = stage(stages, 'deps').commands.filter((c) => c.name === 'RUN').map((c) => String(c.args));
    expect(depsRuns.filter((run) => !/\bapt-get\b/.test(run))).toEqual(['npm ci']);
    for (const run of depsRuns) if (!/\bapt-get\b/.test(run)) sh(run, app);
    // build: its RUN lines as written.
    const buildRuns = stage(stages, 'build').commands.filter((c) => c.name === 'RUN').map((c) => String(c.args));
    expect(buildRuns.length).toBeGreaterThan(0);
    for (const run of buildRuns) sh(run, app);

    // runtime: only what it COPYs from build.
    const runtimeStage = stage(stages, 'runtime');
    const workdir = String(runtimeStage.commands.find((c) => c.name === 'WORKDIR')?.args).trim();
    expect(workdir).toBe('/app');
    mkdirSync(runtime);
    for (const command of runtimeStage.commands.filter((c) => c.name === 'COPY' || c.name === 'ADD')) {
      const { flags, sources, destination } = copyArgs(command);
      expect(flags.from).toBe('build');
      for (const source of sources) {
        const from = join(app, posix.relative('/app', source));
        const to = join(runtime, posix.isAbsolute(destination) ? posix.relative(workdir, destination) : destination);
        cpSync(from, to, { recursive: true });
      }
    }
    rmSync(app, { recursive: true, force: true });

    // Production dependencies only, the compiled app, and what it reads at run time; no sources, no secrets.
    expect(existsSync(join(runtime, 'dist', 'manage.js'))).toBe(true);
    expect(existsSync(join(runtime, 'node_modules', 'tsgate'))).toBe(true);
    const { devDependencies } = JSON.parse(readFileSync(join(runtime, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(Object.keys(devDependencies)).toEqual(expect.arrayContaining(['typescript', 'tsx']));
    // `npm prune --omit=dev` removes what the lock file marks dev-only. Not typescript: valibot, a production
    // dependency, names it as an optional peer, so npm counts it as production.
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.keys(devDependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev);
    expect(devOnly).toContain('tsx');
    for (const name of devOnly) expect(existsSync(join(runtime, 'node_modules', name)), name).toBe(false);
    for (const path of ['templates/layouts/base.html', 'static', 'pages/templates/pages/welcome.html', 'pages/static/pages/site.css', 'pages/migrations/0001_initial.ts', 'dist/pages/migrations/0001_initial.js']) {
      expect(existsSync(join(runtime, path)), path).toBe(true);
    }
    expect(readdirSync(runtime).filter((file) => file.endsWith('.ts') || file === '.env' || file === 'vendor')).toEqual([]);
    // The SQLite volume's mount point, owned by the node user through COPY --chown.
    expect(existsSync(join(runtime, 'data'))).toBe(true);
    // collectstatic ran at build time, with no secret in the environment.
    expect(existsSync(join(runtime, 'staticfiles', 'staticfiles.json'))).toBe(true);

    // `COPY --chown=node:node` then `USER node`: as root, the tree is given to an unprivileged user and every
    // process below runs as it. Not root (a developer's machine): they run as the current user, who owns the copy.
    const user = process.getuid?.() === 0 ? UNPRIVILEGED : undefined;
    const home = join(work, 'home');
    mkdirSync(home);
    if (user) {
      chownTree(runtime, user.uid, user.gid);
      lchownSync(runtime, 0, 0); // WORKDIR /app: made by root, before COPY --chown fills it
      chownTree(home, user.uid, user.gid);
      chmodSync(work, 0o755); // mkdtemp made it 0700: the user must reach runtime-app
    }
    const as = user ?? {};

    // CMD and HEALTHCHECK as the image has them, bound to a free port here, with only the run-time environment.
    const port = await freePort();
    const cmd = runtimeStage.commands.find((c) => c.name === 'CMD')?.args as string[];
    expect(cmd[0]).toBe('node');
    const args = cmd.slice(1).map((arg) => (arg === '0.0.0.0:8000' ? `127.0.0.1:${port}` : arg));
    // The image's ENV, with its paths under /app pointing into the runtime folder here.
    const imageEnv = Object.fromEntries(
      runtimeStage.commands
        .filter((c) => c.name === 'ENV')
        .flatMap((c) => Object.entries(c.args as Record<string, string>))
        .map(([name, value]) => [name, value.replaceAll(`${workdir}/`, `${runtime}/`)]),
    );
    // As the README's `docker run -e …` lines: no DATABASE_URL, the image's default.
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      ...imageEnv,
      SECRET_KEY: 'docker-runtime-test-secret-key-long-enough-for-production-0123456789',
      ALLOWED_HOSTS: '127.0.0.1',
      // `docker run -e …` for a container reached over plain HTTP, with no TLS proxy in front.
      SECURE_SSL_REDIRECT: 'false',
    };
    const server = spawn(process.execPath, [...args, '--workers', '1'], { cwd: runtime, env, ...as, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    server.stdout.on('data', (data: Buffer) => (output += data.toString()));
    server.stderr.on('data', (data: Buffer) => (output += data.toString()));
    cleanups.push(() => {
      try {
        if (server.pid) process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    const deadline = Date.now() + 30_000;
    while (!/Booting worker with pid: \d+/.test(output)) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(output).toContain(`Listening at: http://127.0.0.1:${port}`);
    if (user) {
      // The arbiter and its worker both run as the unprivileged user.
      const worker = Number(/Booting worker with pid: (\d+)/.exec(output)?.[1]);
      expect(processUid(server.pid ?? 0)).toBe(user.uid);
      expect(processUid(worker)).toBe(user.uid);
    }

    const healthz = await fetchText(port, '/healthz');
    expect(healthz.status).toBe(200);
    // Not ready until migrate has made the database: what the compose migrate service, the Procfile's release and the k8s Job run.
    expect(await fetchText(port, '/readyz')).toMatchObject({ status: 503, body: 'not ready: database unavailable\n' });
    // A database that exists (here: made by a migrate that applies nothing) but lacks the project's migrations is not ready either.
    const nothing = spawnSync(process.execPath, ['dist/manage.js', 'migrate', 'pages', 'zero', '--noinput'], { cwd: runtime, env, ...as, encoding: 'utf8', timeout: 60_000 });
    expect(nothing.status, `${nothing.stdout}${nothing.stderr}`).toBe(0);
    expect(await fetchText(port, '/readyz')).toMatchObject({ status: 503, body: 'not ready: migrations not applied\n' });
    const migrate = spawnSync(process.execPath, ['dist/manage.js', 'migrate', '--noinput'], { cwd: runtime, env, ...as, encoding: 'utf8', timeout: 60_000 });
    expect(migrate.status, `${migrate.stdout}${migrate.stderr}`).toBe(0);
    expect(migrate.stdout).toContain('Applying pages.0001_initial... OK');
    // The database file is written in the volume's folder, by (and so owned by) the user the app runs as.
    const database = statSync(join(runtime, 'data', 'db.sqlite3'));
    expect(database.size).toBeGreaterThan(0);
    if (user) expect(database.uid).toBe(user.uid);
    const ready = await fetchText(port, '/readyz');
    expect(ready.status, ready.body).toBe(200);
    const welcome = await fetchText(port, '/');
    expect(welcome.status, welcome.body).toBe(200);
    expect(welcome.body).toContain(`${NAME} is running on tsgate`);
    // The page counts itself in the database: the server, as that user, writes to the file.
    expect(welcome.body).toContain('<span class="total">once</span>');
    expect((await fetchText(port, '/')).body).toContain('<span class="total">2 times</span>');
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(welcome.body)?.[1] ?? '';
    expect(stylesheet).toMatch(/^\/static\/pages\/site\.[0-9a-f]{12}\.css$/);
    const css = await fetchText(port, stylesheet);
    expect(css.status).toBe(200);
    expect(css.type).toMatch(/^text\/css/);
    expect(css.body).toContain('.welcome');

    // The image's HEALTHCHECK command, pointed at this port.
    const healthcheck = String(runtimeStage.commands.find((c) => c.name === 'HEALTHCHECK')?.args);
    const probe = JSON.parse(/CMD (\[.*\])\s*$/.exec(healthcheck)?.[1] ?? '[]') as string[];
    expect(probe[0]).toBe('node');
    const probed = spawnSync(process.execPath, probe.slice(1).map((arg) => arg.replace('127.0.0.1:8000', `127.0.0.1:${port}`)), { env, ...as, timeout: 10_000 });
    expect(probed.status).toBe(0);

    server.kill('SIGTERM');
    const exit = await new Promise<number | null>((resolve) => (server.exitCode !== null ? resolve(server.exitCode) : server.on('exit', (code) => resolve(code))));
    expect(exit, output).toBe(0);
  }, 900_000); // the first file to ask for the installed project waits for its install (minutes on a loaded machine)
});
