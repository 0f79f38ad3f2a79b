/**
 * The project's static files in front of its application: from the finders
 * in development (as Django's runserver), from STATIC_ROOT once
 * collectstatic has filled it, else from the finders too (as whitenoise's
 * USE_FINDERS), so a fresh project's pages are whole under `serve`.
 */
import { existsSync } from 'node:fs';
import type { Settings } from '../conf/settings.js';
import type { Application } from '../tsgi/types.js';
import { fileInside, projectFinders } from './finders.js';
import { withStaticFiles } from './serve.js';

export function withProjectStatic(app: Application, settings: Readonly<Settings>): Application {
  const finders = projectFinders(settings.BASE_DIR ?? process.cwd(), settings.STATICFILES_DIRS, settings.INSTALLED_APPS);
  const root = settings.STATIC_ROOT;
  const collected = !settings.DEBUG && typeof root === 'string' && existsSync(root);
  return withStaticFiles(app, {
    url: settings.STATIC_URL,
    find: collected ? (relative) => fileInside(root, relative) : (relative) => finders.find(relative),
    cacheControl: settings.DEBUG ? 'no-cache' : 'public, max-age=60',
  });
}
