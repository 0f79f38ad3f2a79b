/**
 * `getWsgiApplication()`: Django's `get_wsgi_application()` for tsgate.
 * Loads the settings, imports ROOT_URLCONF and returns the project's TSGI
 * application: static files first (as whitenoise wraps the WSGI app), then
 * the built-in health checks, then the middleware and the URL table. Any
 * TSGI server, the fetch adapter and the test client get the same whole app.
 */
import { configure, importModule, requireServingSettings, setModuleRoot } from './conf/index.js';
import { ImproperlyConfigured } from './conf/errors.js';
import { createApplication, flatten, path, setUrlconf, text, uploadLimits, type Route, type UrlPattern } from './http/index.js';
import type { Application } from './tsgi/types.js';
import { configureTemplates } from './shortcuts.js';
import { logger } from './logging/index.js';
import { readinessProblem } from './db/readiness.js';
import { validate } from './tsgi/validate.js';
import { withProjectStatic } from './staticfiles/project.js';

export interface WsgiOptions {
  /** The folder that dotted module names start from (the folder above `mysite/`). */
  root?: string | URL;
}

/**
 * Readiness: the app is loaded, the default database answers and its
 * migrations are applied (db/readiness.ts). The details of a failure are
 * logged; the probe's answer, which anyone can read, names only the kind.
 */
async function readyz() {
  const problem = await readinessProblem();
  if (problem === undefined) return text('ready\n');
  logger.warning(`/readyz: not ready: ${problem.detail}`);
  return text(`not ready: ${problem.reason}\n`, 503);
}

/** Liveness (`/healthz`): the process answers. Readiness (`/readyz`): see above. */
const BUILTIN_ROUTES: Route[] = [
  path('healthz', () => text('ok\n'), { name: 'healthz', methods: ['GET'] }),
  path('readyz', readyz, { name: 'readyz', methods: ['GET'] }),
];

function isUrlPatterns(value: unknown): value is UrlPattern[] {
  const isRoute = (route: unknown) => typeof route === 'object' && route !== null && 'regex' in route;
  return Array.isArray(value) && value.every((entry) => (Array.isArray(entry) ? entry.every(isRoute) : isRoute(entry)));
}

export async function getWsgiApplication(options: WsgiOptions = {}): Promise<Application> {
  if (options.root !== undefined) setModuleRoot(options.root);
  const settings = await configure();
  // configure() has checked LOG_LEVEL already. Set first, so that whatever the URLconf's imports log is JSON in production too.
  logger.configure({ level: settings.LOG_LEVEL, json: !settings.DEBUG });
  requireServingSettings(settings);
  const urlconf = await importModule(settings.ROOT_URLCONF, 'ROOT_URLCONF');
  if (!isUrlPatterns(urlconf.urlpatterns)) {
    throw new ImproperlyConfigured([
      `ROOT_URLCONF module ${settings.ROOT_URLCONF} must export urlpatterns, a list of path() routes`,
    ]);
  }
  setUrlconf(flatten(urlconf.urlpatterns));
  const templates = configureTemplates(settings);
  // The project's own error pages, when it has templates/403.html, 404.html and 500.html.
  const page = (name: string) => () => templates.render(name, {});
  // configure() has checked MIDDLEWARE already (and filled Django's defaults).
  const app = createApplication(urlconf.urlpatterns, {
    debug: settings.DEBUG,
    middleware: settings.MIDDLEWARE,
    builtins: BUILTIN_ROUTES,
    urlconf: settings.ROOT_URLCONF,
    render404: page('404.html'),
    render403: page('403.html'),
    errors: { debug: settings.DEBUG, settings: () => ({ ...settings }), render500: page('500.html') },
    uploadLimits: uploadLimits(settings),
  });
  // Static files answer ahead of the middleware: STATIC_ROOT's collected files in production, the finders in DEBUG.
  const served = withProjectStatic(app, settings);
  // In development every response is checked against the TSGI contract, as wsgiref.validate does.
  return settings.DEBUG ? validate(served) : served;
}
