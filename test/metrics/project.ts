/**
 * A small project, as a generated one has its files (JavaScript, no
 * install: `tsgate` linked to build/tsgate), served by the real `manage
 * serve` with `--metrics-bind` (test/http/served-project.ts's
 * serveProject): named routes, a route with a URL value, a
 * view that queries SQLite, one that throws, and an app-defined counter
 * from `tsgate/metrics`.
 */
import { serveProject, type ServedProject } from '../http/served-project.js';

/** The project's files, for serveProject's `project`. */
export const SHOP: Record<string, string> = {
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
  // ~40 MB of short-lived arrays: young-generation collections for the GC metric.
  path('churn/', () => { let live = []; for (let i = 0; i < 5000; i++) { live.push(new Array(1000).fill(i)); if (live.length > 100) live = []; } return text(String(live.length)); }, { name: 'churn' }),
];
`,
  'shop/wsgi.js': `import { getWsgiApplication } from 'tsgate/wsgi';
export const application = await getWsgiApplication({ root: new URL('..', import.meta.url) });
`,
};

export const SECRET_KEY = 'metrics-project-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
export const DB_PASSWORD = 'pg-pass-5up3r-s3cret';
export const COOKIE = 'sessionid=cookie-value-not-for-sentry';
export const AUTHORIZATION = 'Bearer token-value-not-for-sentry';
export const TRACE = '0af7651916cd43dd8448eb211c80319c';

/** For the error reporting tests (`files`): urls with a view that fails with the database URL in its message, as a driver's connect error does, and a middleware standing in for tsgate/auth's. */
export const FAILING: Record<string, string> = {
  'shop/urls.js': `import { path, text } from 'tsgate/http';
import { poolFailed } from './user.js';
export const urlpatterns = [
  path('', () => text('home'), { name: 'home' }),
  // @sentry/core keeps its state in this global from the moment it is imported.
  path('loaded/', () => text(String(globalThis.__SENTRY__ !== undefined)), { name: 'loaded' }),
  path('twice/', () => { throw poolFailed; }, { name: 'twice' }),
  path('orders/<int:id>/', () => { throw new Error('cannot connect to ' + process.env.DATABASE_URL); }, { name: 'order' }),
];
`,
  'shop/user.js': `// A failure both the view and a middleware meet, as a pool's cached connect error is.
export const poolFailed = new Error('pool failed');
export const fakeAuthMiddleware = (next) => async (request) => {
  request.user = { id: 7, email: 'ada@example.com', isAuthenticated: true, isAnonymous: false, isActive: true, isStaff: false, isSuperuser: false };
  const response = await next(request);
  if (request.path === '/twice/') throw poolFailed;
  return response;
};
`,
  'shop/settings.js': `import { projectDir } from 'tsgate/conf';
import { hostValidationMiddleware } from 'tsgate/middleware';
import { fakeAuthMiddleware } from './user.js';
export const BASE_DIR = projectDir(import.meta.url);
export const DEBUG = false;
export const SECRET_KEY = '${SECRET_KEY}';
export const ALLOWED_HOSTS = ['127.0.0.1', 'localhost'];
export const ROOT_URLCONF = 'shop.urls';
export const WSGI_APPLICATION = 'shop.wsgi:application';
export const MIDDLEWARE = [hostValidationMiddleware, fakeAuthMiddleware];
export const DATABASES = { default: { URL: 'sqlite:///db.sqlite3' } };
`,
};

export interface MetricsProject extends ServedProject {
  metricsPort: number;
}

/** Writes the project (`files` replacing or adding some) and runs `node manage.js serve --workers N --metrics-bind …`, waiting for every worker. */
export async function serveMetricsProject(workers = 2, args: string[] = [], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): Promise<MetricsProject> {
  const served = await serveProject({ project: SHOP, files, workers, args, env, metrics: true });
  return { ...served, metricsPort: served.metricsPort as number };
}

/** The value of one series in a Prometheus text page, e.g. `http_requests_total{method="GET",route="home",status="200"}`; 0 when absent. */
export function sample(page: string, series: string): number {
  const line = page.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
