/**
 * The whole path as a user walks it: generate a project, install it,
 * typecheck it, run its tests, build it, serve it with 2 workers, talk HTTP
 * to it, stop it with TERM under load and see nothing dropped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, type Reply } from '../helpers/http.js';
import { installedProject } from '../helpers/installed-project.js';
import { Spawned, freePort, run, runSync } from '../helpers/process.js';

let project = '';
const servers: Spawned[] = [];

const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  DEBUG: 'false',
  SECRET_KEY: 'e2e-secret-key-that-is-long-enough-for-production-use-0123456789',
  ALLOWED_HOSTS: '127.0.0.1,localhost',
  // The test talks plain HTTP to the server, with no TLS proxy in front.
  SECURE_SSL_REDIRECT: 'false',
};

function npm(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runSync('npm', args, { cwd: project, env });
}

/** npm, without blocking the file's other concurrent tests. */
function npmAsync(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run('npm', args, { cwd: project, env });
}

// `create-tsgate-project site --no-git`, with its npm install: a copy of the one the end-to-end files share.
beforeAll(async () => {
  project = await installedProject();
}, 900_000);

afterEach(() => {
  for (const server of servers.splice(0)) server.killGroup();
});

afterAll(() => {
  for (const server of servers) server.killGroup();
});

describe('a generated project', () => {
  it('installed its dependencies, including the vendored runtime, with a lock file', () => {
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    expect(lock.packages['node_modules/tsgate']?.resolved).toMatch(/^file:vendor\/tsgate-/);
    // npm ci reinstalls from the lock file alone, running better-sqlite3's install script again (its binary from the suite's prebuild), as the Dockerfile's deps stage does.
    const ci = npm(['ci', '--no-audit', '--no-fund']);
    expect(ci.status, ci.stdout + ci.stderr).toBe(0);
  }, 300_000);

  // Read-only checks of the installed project: independent, so at the same time.
  describe.concurrent('installed', () => {
    it('typechecks', async ({ expect }) => {
      const result = await npmAsync(['run', 'typecheck']);
      expect(result.status, result.stdout + result.stderr).toBe(0);
    }, 180_000);

    it('passes its own tests', async ({ expect }) => {
      const result = await npmAsync(['test']);
      expect(result.status, result.stdout + result.stderr).toBe(0);
      expect(Number(/# pass (\d+)/.exec(result.stdout)?.[1])).toBeGreaterThanOrEqual(6);
      expect(result.stdout).toMatch(/# fail 0/);
    }, 180_000);

    it('lists its commands with manage help, running TypeScript directly', async ({ expect }) => {
      const result = await npmAsync(['run', '--silent', 'manage', '--', 'help']);
      expect(result.status, result.stderr).toBe(0);
      for (const command of ['check', 'runserver', 'serve']) expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\s`, 'm'));
    }, 180_000);

    it('reports missing production settings all at once, without a stack trace', async ({ expect }) => {
      const result = await npmAsync(['run', '--silent', 'manage', '--', 'check'], { NODE_ENV: 'production', SECRET_KEY: '', ALLOWED_HOSTS: '', DEBUG: '' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('SECRET_KEY is required when DEBUG is false');
      expect(result.stderr).toContain('ALLOWED_HOSTS is empty while DEBUG is false');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }, 180_000);

    it('passes check --deploy with no issues once SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and EMAIL_URL are set', async ({ expect }) => {
      const result = await npmAsync(['run', '--silent', 'manage', '--', 'check', '--deploy'], {
        NODE_ENV: 'production',
        DEBUG: 'false',
        SECRET_KEY: PRODUCTION_ENV.SECRET_KEY,
        ALLOWED_HOSTS: 'example.com',
        DATABASE_URL: 'postgres://app:secret@db.internal:5432/app',
        EMAIL_URL: 'smtp://app:secret@smtp.internal:587',
        SECURE_SSL_REDIRECT: '',
      });
      expect(result.status, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('System check identified no issues (0 silenced).');
    }, 180_000);
  });

  it('migrates its database: showmigrations, migrate --check, migrate, a second migrate with nothing to do, sqlmigrate', () => {
    const manage = (...args: string[]) => npm(['run', '--silent', 'manage', '--', ...args]);
    expect(manage('showmigrations').stdout).toBe('auth\n [ ] 0001_initial\ncache\n [ ] 0001_initial\ntasks\n [ ] 0001_initial\npages\n [ ] 0001_initial\n');
    const check = manage('migrate', '--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('pages.0001_initial');
    const migrate = manage('migrate');
    expect(migrate.status, migrate.stdout + migrate.stderr).toBe(0);
    for (const app of ['auth', 'cache', 'tasks']) expect(migrate.stdout).toContain(`Applying ${app}.0001_initial... OK`);
    expect(migrate.stdout).toContain('Applying pages.0001_initial... OK');
    expect(manage('migrate').stdout).toContain('No migrations to apply.');
    expect(manage('migrate', '--check').status).toBe(0);
    expect(manage('showmigrations').stdout).toBe('auth\n [X] 0001_initial\ncache\n [X] 0001_initial\ntasks\n [X] 0001_initial\npages\n [X] 0001_initial\n');
    expect(manage('sqlmigrate', 'pages', '0001').stdout).toMatch(/create table "pages_visit"/);
  }, 300_000); // seven `npm run manage` runs, each an npm and a tsx start: minutes on a loaded machine

  it("runs a background task from an app's tasks.ts: manage tasks enqueue, then manage worker --burst on the database", () => {
    writeFileSync(
      join(project, 'pages', 'tasks.ts'),
      `import { task } from 'tsgate/tasks';

export const greet = task('pages.greet', async ({ who }: { who: string }) => \`hello, \${who}\`, { retries: 2 });
`,
    );
    const manage = (env: NodeJS.ProcessEnv, ...args: string[]) => npm(['run', '--silent', 'manage', '--', ...args], env);
    const db = { TASKS_URL: 'db://default' };
    expect(manage(db, 'tasks').stdout).toBe('pages.greet\n');
    const queued = manage(db, 'tasks', 'enqueue', 'pages.greet', '{"who": "world"}');
    expect(queued.status, queued.stdout + queued.stderr).toBe(0);
    const id = queued.stdout.trim();
    expect(manage(db, 'tasks', 'show', id).stdout).toMatch(/pages\.greet {2}READY/);
    const worker = manage(db, 'worker', '--burst');
    expect(worker.status, worker.stdout + worker.stderr).toBe(0);
    expect(worker.stdout).toMatch(/tasks: pages\.greet/);
    expect(worker.stdout).toMatch(/stopped after 1 task\(s\)/);
    const shown = manage(db, 'tasks', 'show', id).stdout;
    expect(shown).toMatch(/SUCCESSFUL/);
    expect(shown).toContain('result "hello, world"');
    // The development default runs it at once, in the same process.
    expect(manage({}, 'tasks', 'enqueue', 'pages.greet', '{"who": "dev"}').stdout).toMatch(/ran at once \(TASKS_URL immediate:\/\/\): SUCCESSFUL/);
    // A worker has nothing to do then, and says what to set.
    const idle = manage({}, 'worker');
    expect(idle.status).toBe(1);
    expect(idle.stderr).toMatch(/TASKS_URL is immediate:\/\//);
  }, 180_000);

  it('builds and serves with 2 workers, then stops on TERM under load with no request dropped', async () => {
    const build = npm(['run', 'build']);
    expect(build.status, build.stdout + build.stderr).toBe(0);
    // The compiled project sees the same migrations, with the same checksums, as already applied.
    const migrated = runSync(process.execPath, ['dist/manage.js', 'migrate', '--noinput'], { cwd: project, env: PRODUCTION_ENV });
    expect(migrated.stdout + migrated.stderr).toContain('No migrations to apply.');
    expect(migrated.stderr).not.toContain('changed since it was applied');
    const collect = runSync(process.execPath, ['dist/manage.js', 'collectstatic', '--noinput'], { cwd: project, env: PRODUCTION_ENV });
    expect(collect.status, collect.stdout + collect.stderr).toBe(0);
    expect(collect.stdout).toMatch(/static files? copied to '.*staticfiles'/);
    const port = await freePort();
    const server = new Spawned(process.execPath, ['dist/manage.js', 'serve', 'site.wsgi:application', '--workers', '2', '--bind', `127.0.0.1:${port}`], {
      cwd: project,
      env: PRODUCTION_ENV,
    });
    servers.push(server);
    await server.waitFor(/Booting worker with pid: \d+[\s\S]*Booting worker with pid: \d+/);
    expect(server.output).toContain(`Listening at: http://127.0.0.1:${port}`);

    const welcome = await get(port, '/');
    expect(welcome.status).toBe(200);
    expect(welcome.headers['content-type']).toMatch(/^text\/html/);
    expect(welcome.body).toContain('site is running on tsgate');
    const missing = await get(port, '/no-such-page/');
    expect(missing.status).toBe(404);
    expect(missing.body).not.toContain('URL patterns tried');
    expect((await get(port, '/healthz')).body).toBe('ok\n');
    expect((await get(port, '/readyz')).body).toBe('ready\n');
    // The page counts its views in the database: one UPDATE and one SELECT per view, across both workers.
    const total = (reply: Reply) => Number(/<span class="total">(\d+) times<\/span>/.exec(reply.body)?.[1] ?? 'NaN');
    const before = total(await get(port, '/'));
    expect(total(await get(port, '/'))).toBe(before + 1);
    // Production defaults: security headers on, and a Host outside ALLOWED_HOSTS refused (health checks excepted).
    expect(welcome.headers['x-content-type-options']).toBe('nosniff');
    expect(welcome.headers['x-frame-options']).toBe('DENY');
    expect(welcome.headers['referrer-policy']).toBe('same-origin');
    expect((await get(port, '/', { headers: { Host: 'evil.example' } })).status).toBe(400);
    expect((await get(port, '/healthz', { headers: { Host: '10.1.2.3:8000' } })).status).toBe(200);
    // The page links its stylesheet by the hashed name collectstatic gave it, served from STATIC_ROOT for good.
    const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(welcome.body)?.[1] ?? '';
    expect(stylesheet).toMatch(/^\/static\/pages\/site\.[0-9a-f]{12}\.css$/);
    const css = await get(port, stylesheet);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=315360000, immutable');
    expect(css.body).toContain('.welcome');
    expect((await get(port, '/static/pages/site.css')).headers['cache-control']).toBe('public, max-age=60');

    // Keep-alive clients in a loop while TERM arrives.
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const statuses: number[] = [];
    const failures: string[] = [];
    let stopping = false;
    // TERM is sent once the clients have had 50 answers: under way on every connection, however loaded the machine.
    let underLoad: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => (underLoad = resolve));
    const loop = async () => {
      while (!stopping || statuses.length < 50) {
        try {
          statuses.push((await get(port, '/', { agent })).status);
          if (statuses.length === 50) underLoad();
        } catch (error) {
          failures.push((error as NodeJS.ErrnoException).code ?? String(error));
          if (stopping) return;
        }
      }
    };
    const loops = Array.from({ length: 16 }, loop);
    await loaded;
    stopping = true;
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    await Promise.all(loops);
    agent.destroy();

    expect(exit.code, server.output).toBe(0);
    expect(statuses.length).toBeGreaterThanOrEqual(50);
    expect(statuses.every((status) => status === 200)).toBe(true);
    // Once the server has stopped, new connections are refused; an accepted request is never cut.
    expect(failures.filter((code) => code !== 'ECONNREFUSED'), failures.join(', ')).toEqual([]);
    expect(server.output).toMatch(/Handling SIGTERM: graceful stop/);
  }, 300_000);

  it('runs the development server and reloads it when a view changes', async () => {
    const port = await freePort();
    const server = new Spawned('npm', ['run', 'manage', '--', 'runserver', `127.0.0.1:${port}`], { cwd: project });
    servers.push(server);
    await server.waitFor(/development server at/);
    expect((await get(port, '/')).body).toContain('site is running on tsgate');
    const views = join(project, 'pages', 'templates', 'pages', 'welcome.html');
    writeFileSync(views, readFileSync(views, 'utf8').replace('is running on tsgate', 'was reloaded'));
    await server.waitFor(/welcome\.html changed, reloading[\s\S]*development server at/);
    expect((await get(port, '/')).body).toContain('site was reloaded');
  }, 180_000);
});
