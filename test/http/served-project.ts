/**
 * A small project served by the real `manage serve` of the built runtime:
 * JavaScript settings, URLs and `wsgi.js` as a generated project has them
 * (no install, no TypeScript), with `tsgate` linked to build/tsgate. For
 * tests that must see what a real server writes and answers.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureBuilt } from '../management/built.js';
import { freePort, REPO, Spawned, tempDir } from '../helpers/process.js';

export const SITE_CSS = 'body { color: #123456 }\n';

const FILES: Record<string, string> = {
  'package.json': '{ "private": true, "type": "module" }\n',
  'manage.js': `import { executeFromCommandLine } from 'tsgate/management';
process.env.TSGATE_SETTINGS_MODULE ??= 'site.settings';
await executeFromCommandLine(process.argv.slice(2), { root: new URL('.', import.meta.url) });
`,
  'site/settings.js': `import { join } from 'node:path';
import { env, projectDir } from 'tsgate/conf';
import { csrfMiddleware, hostValidationMiddleware, securityMiddleware, sessionMiddleware } from 'tsgate/middleware';
export const BASE_DIR = projectDir(import.meta.url);
export const DEBUG = env.bool('DEBUG', false);
export const SECRET_KEY = 'served-project-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
export const ALLOWED_HOSTS = ['localhost'];
export const SECURE_SSL_REDIRECT = env.bool('SECURE_SSL_REDIRECT', false);
export const STATICFILES_DIRS = [join(BASE_DIR, 'static')];
export const ROOT_URLCONF = 'site.urls';
export const WSGI_APPLICATION = 'site.wsgi:application';
export const MIDDLEWARE = [hostValidationMiddleware, securityMiddleware, sessionMiddleware, csrfMiddleware];
`,
  'site/urls.js': `import { path, text } from 'tsgate/http';
export const urlpatterns = [path('', () => text('home')), path('x/', () => text('x'))];
`,
  'site/wsgi.js': `import { getWsgiApplication } from 'tsgate/wsgi';
export const application = await getWsgiApplication({ root: new URL('..', import.meta.url) });
`,
  // A TSGI app not built by getWsgiApplication: serve runs it as given.
  'site/plain.js': `export function application(environ, startResponse) {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [Buffer.from('plain app: ' + environ.PATH_INFO)];
}
`,
  'static/css/site.css': SITE_CSS,
};

export interface ServeOptions {
  /** The APP_SPEC argument of serve. */
  spec?: string;
  env?: NodeJS.ProcessEnv;
  /** `runserver --noreload` in DEBUG instead of serve. */
  runserver?: boolean;
  /** serve's worker count (default 1); start-up waits until every one booted. */
  workers?: number;
  /** More arguments for the command. */
  args?: string[];
  /** The project's files, replacing this one's (a project of its own: `package.json`, `manage.js`, settings…). */
  project?: Record<string, string>;
  /** Files written over the project's: some replaced or added. */
  files?: Record<string, string>;
  /** `--metrics-bind` on a free port of its own (serve only). */
  metrics?: boolean;
}

export interface ServedProject {
  dir: string;
  port: number;
  /** The `--metrics-bind` port, with `metrics`. */
  metricsPort: number | undefined;
  server: Spawned;
  stop(): void;
}

/**
 * Writes the project and runs `node manage.js serve [spec] --workers N` on a
 * free port (or, with `runserver`, `runserver --noreload` in DEBUG), waiting
 * until it is up.
 */
export async function serveProject(options: ServeOptions = {}): Promise<ServedProject> {
  ensureBuilt();
  const dir = tempDir('tsgate-served-');
  for (const [file, text] of Object.entries({ ...(options.project ?? FILES), ...options.files })) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(REPO, 'build', 'tsgate'), join(dir, 'node_modules', 'tsgate'), 'dir');
  const port = await freePort();
  const metricsPort = options.metrics ? await freePort() : undefined;
  const workers = options.workers ?? 1;
  const more = [...(metricsPort === undefined ? [] : ['--metrics-bind', `127.0.0.1:${metricsPort}`]), ...(options.args ?? [])];
  const [args, env, ready] = options.runserver
    ? [['manage.js', 'runserver', `127.0.0.1:${port}`, '--noreload', ...more], { DEBUG: 'true' }, /Quit the server with CONTROL-C/]
    : [
        ['manage.js', 'serve', ...(options.spec ? [options.spec] : []), '--bind', `127.0.0.1:${port}`, '--workers', String(workers), ...more],
        { NODE_ENV: 'production', DEBUG: 'false' },
        new RegExp(`(Booting worker with pid: \\d+[^]*){${workers}}`),
      ];
  const server = new Spawned(process.execPath, args, { cwd: dir, env: { ...env, ...options.env } });
  const stop = () => {
    server.killGroup();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.waitFor(ready);
  } catch (error) {
    stop();
    throw error;
  }
  return { dir, port, metricsPort, server, stop };
}
