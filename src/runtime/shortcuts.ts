/**
 * Django's shortcuts: `render(request, 'pages/welcome.html', context)`.
 * The engine is the project's, set up from settings by getWsgiApplication:
 * the project's templates/ first, then each installed app's templates/.
 */
import { join } from 'node:path';
import { settings as loadedSettings, type Settings } from './conf/settings.js';
import type { Request } from './http/request.js';
import { html, type HttpResponse } from './http/response.js';
import { reverse } from './http/urls.js';
import { projectStaticUrl } from './staticfiles/index.js';
import { createTemplateEngine, type TemplateEngine } from './templates/index.js';

let engine: TemplateEngine | undefined;

/** Builds the project's template engine from its settings; done once at start. */
export function configureTemplates(settings: Readonly<Settings>): TemplateEngine {
  const baseDir = settings.BASE_DIR ?? process.cwd();
  engine = createTemplateEngine({
    dirs: [join(baseDir, 'templates'), ...settings.INSTALLED_APPS.map((app) => join(baseDir, ...app.split('.'), 'templates'))],
    debug: settings.DEBUG,
    staticUrl: projectStaticUrl(settings),
    reverse,
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

/** Renders a template to an HTML response; the context gets `request` and the CSRF token. */
export function render(request: Request, name: string, context: Record<string, unknown> = {}, status = 200): HttpResponse {
  const body = templateEngine().render(name, { request, csrfToken: request.csrfToken, ...context });
  return html(body, status);
}
