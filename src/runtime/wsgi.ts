/**
 * `getWsgiApplication()`: Django's `get_wsgi_application()` for tsgate.
 * Loads the settings, imports ROOT_URLCONF and returns the project's TSGI
 * application, with built-in health checks ahead of the URL table.
 */
import { configure, importModule, setModuleRoot } from './conf/index.js';
import { ImproperlyConfigured } from './conf/errors.js';
import { createApplication, path, text, type Route } from './http/index.js';
import type { Application } from './tsgi/types.js';
import { validate } from './tsgi/validate.js';

export interface WsgiOptions {
  /** The folder that dotted module names start from (the folder above `mysite/`). */
  root?: string | URL;
}

/** Liveness: the process answers. Readiness checks the database once there is one. */
const BUILTIN_ROUTES: Route[] = [path('healthz', () => text('ok\n'), { name: 'healthz', methods: ['GET'] })];

function isRouteList(value: unknown): value is Route[] {
  return Array.isArray(value) && value.every((route) => typeof route === 'object' && route !== null && 'regex' in route);
}

export async function getWsgiApplication(options: WsgiOptions = {}): Promise<Application> {
  if (options.root !== undefined) setModuleRoot(options.root);
  const settings = await configure();
  const urlconf = await importModule(settings.ROOT_URLCONF, 'ROOT_URLCONF');
  if (!isRouteList(urlconf.urlpatterns)) {
    throw new ImproperlyConfigured([
      `ROOT_URLCONF module ${settings.ROOT_URLCONF} must export urlpatterns, a list of path() routes`,
    ]);
  }
  const app = createApplication([...BUILTIN_ROUTES, ...urlconf.urlpatterns], { debug: settings.DEBUG });
  // In development every response is checked against the TSGI contract, as wsgiref.validate does.
  return settings.DEBUG ? validate(app) : app;
}
