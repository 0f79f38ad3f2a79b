/**
 * A small project, as a generated one has its files (JavaScript, no
 * install: `tsgate` linked to build/tsgate), served by the real `manage
 * serve` with `--metrics-bind`: named routes, a route with a URL value, a
 * view that queries SQLite, one that throws, and an app-defined counter
 * from `tsgate/metrics`.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { ensureBuilt } from '../management/built.js';
import { freePort, REPO, Spawned, tempDir } from '../helpers/process.js';

const FILES: Record<string, string> = {
  'package.json': '{ "name": "shop", "version": "1.2.3", "private": true, "type": "module" }\n',
  'manage.js': `import { executeFromCommandLine } from 'tsgate/management';
process.env.TSGATE_SETTINGS_MODULE ??= 'shop.settings';
await executeFromCommandLine(process.argv.slice(2), { root: new URL('.', import.meta.url) });
`,
  'shop/settings.js': `import { projectDir } from 'tsgate/conf';
import { hostValidationMiddleware } from 'tsgate/middleware';
export const BASE_DIR = projectDir(import.meta.url);
export const DEBUG = false;
export const SECRET_KEY = 'metrics-project-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
export const ALLOWED_HOSTS = ['127.0.0.1', 'localhost'];
export const ROOT_URLCONF = 'shop.urls';
export const WSGI_APPLICATION = 'shop.wsgi:application';
export const MIDDLEWARE = [hostValidationMiddleware];
export const DATABASES = { default: { URL: 'sqlite:///db.sqlite3' } };
`,
  'shop/urls.js': `import { path, text } from 'tsgate/http';
import { db, sql } from 'tsgate/db';
import { metrics } from 'tsgate/metrics';
const orders = metrics.counter({ name: 'shop_orders_total', help: 'Orders placed', labelNames: ['plan'] });
export const urlpatterns = [
  path('', () => text('home'), { name: 'home' }),
  path('items/<int:id>/', (request, { id }) => text('item ' + id), { name: 'item' }),
  path('order/', () => { orders.inc({ plan: 'pro' }); return text('ordered'); }, { name: 'order' }),
  path('db/', async () => text(String((await sql\`select 41 + 1 as answer\`.execute(db)).rows[0].answer)), { name: 'db' }),
  path('boom/', () => { throw new Error('boom'); }, { name: 'boom' }),
  path('unnamed/', () => text('unnamed')),
];
`,
  'shop/wsgi.js': `import { getWsgiApplication } from 'tsgate/wsgi';
export const application = await getWsgiApplication({ root: new URL('..', import.meta.url) });
`,
};

export interface MetricsProject {
  dir: string;
  port: number;
  metricsPort: number;
  server: Spawned;
  stop(): void;
}

/** Writes the project (`files` replacing or adding some) and runs `node manage.js serve --workers N --metrics-bind …`, waiting for every worker. */
export async function serveMetricsProject(workers = 2, args: string[] = [], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): Promise<MetricsProject> {
  ensureBuilt();
  const dir = tempDir('tsgate-metrics-');
  for (const [file, text] of Object.entries({ ...FILES, ...files })) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(REPO, 'build', 'tsgate'), join(dir, 'node_modules', 'tsgate'), 'dir');
  const port = await freePort();
  const metricsPort = await freePort();
  const server = new Spawned(
    process.execPath,
    ['manage.js', 'serve', '--bind', `127.0.0.1:${port}`, '--workers', String(workers), '--metrics-bind', `127.0.0.1:${metricsPort}`, ...args],
    { cwd: dir, env: { NODE_ENV: 'production', ...env } },
  );
  const stop = () => {
    server.killGroup();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.waitFor(new RegExp(`(Booting worker with pid: \\d+[^]*){${workers}}`));
  } catch (error) {
    stop();
    throw error;
  }
  return { dir, port, metricsPort, server, stop };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function get(port: number, path: string, options: { agent?: http.Agent; method?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: options.agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of one series in a Prometheus text page, e.g. `http_requests_total{method="GET",route="home",status="200"}`; 0 when absent. */
export function sample(page: string, series: string): number {
  const line = page.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
