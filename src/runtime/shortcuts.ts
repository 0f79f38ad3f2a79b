/**
 * Django's shortcuts: `render(request, 'pages/welcome.html', context)` and
 * `getObjectOr404(query)`.
 * The engine is the project's, set up from settings by getWsgiApplication:
 * the project's templates/ first, then each installed app's templates/.
 */
import { join } from 'node:path';
import { appConfig } from './apps/config.js';
import { settings as loadedSettings, type Settings } from './conf/settings.js';
import { Http404 } from './http/exceptions.js';
import type { Request } from './http/request.js';
import { caches } from './cache/registry.js';
import { html, HttpResponse } from './http/response.js';
import { reverse } from './http/urls.js';
import { projectStaticUrl } from './staticfiles/index.js';
import { createTemplateEngine, type TemplateEngine } from './templates/index.js';
import { inSpan } from './tracing/index.js';

let engine: TemplateEngine | undefined;

/** Builds the project's template engine from its settings; done once at start. */
export function configureTemplates(settings: Readonly<Settings>): TemplateEngine {
  const baseDir = settings.BASE_DIR ?? process.cwd();
  engine = createTemplateEngine({
    // A tsgate app's templates (tsgate.auth's registration/) ship in the package, after the project's, which override them.
    dirs: [join(baseDir, 'templates'), ...settings.INSTALLED_APPS.map((app) => join(appConfig(app, { moduleRoot: baseDir, baseDir }).sourcePath, 'templates'))],
    debug: settings.DEBUG,
    staticUrl: projectStaticUrl(settings),
    reverse,
    // {{#cache}} fragments go to CACHES['default'], as Django's {% cache %}.
    fragmentCache: () => caches.get('default'),
  });
  return engine;
}

/**
 * The project's engine, built from the loaded settings if the application
 * has not built it: a command or a task worker renders too (an email).
 */
export function projectTemplates(): TemplateEngine {
  return engine ?? configureTemplates(loadedSettings);
}

export function templateEngine(): TemplateEngine {
  if (!engine) throw new Error('templates are not configured: render() runs inside an application built by getWsgiApplication()');
  return engine;
}

/**
 * Renders a template to an HTML response; the context gets `request`, the
 * CSRF token, and `user` and `isAuthenticated` (tsgate/auth). A template with `{{#cache}}` fragments to look up answers once
 * they are filled (its body is then sent as it comes, without a length).
 */
export function render(request: Request, name: string, context: Record<string, unknown> = {}, status = 200): HttpResponse {
  const body = inSpan(`render ${name}`, { 'tsgate.template': name }, () =>
    templateEngine().renderCached(name, {
      request,
      csrfToken: request.csrfToken,
      user: request.user,
      isAuthenticated: request.user?.isAuthenticated ?? false,
      ...context,
    }),
  );
  if (typeof body === 'string') return html(body, status);
  // Failing before it is read must not be an unhandled rejection; the read below still sees the error.
  body.catch(() => undefined);
  const deferred = {
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      yield Buffer.from(await body);
    },
  };
  return new HttpResponse(deferred, status);
}

/** What getObjectOr404 needs of a query: Kysely's select builders have it. */
export interface TakesFirst<T> {
  executeTakeFirst(): Promise<T | undefined>;
}

/**
 * The first row of a Kysely query, or an Http404 (the project's 404 page)
 * when there is none, as Django's get_object_or_404:
 * `await getObjectOr404(db.selectFrom('blog_post').selectAll().where('slug', '=', slug))`.
 */
export async function getObjectOr404<T>(query: TakesFirst<T>, message = 'No object matches the given query.'): Promise<T> {
  const row = await query.executeTakeFirst();
  if (row === undefined) throw new Http404(message);
  return row;
}

export { Http404, PermissionDenied } from './http/exceptions.js';
