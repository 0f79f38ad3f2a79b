/**
 * The project's static files in front of its application: from the finders
 * in development (as Django's runserver), from STATIC_ROOT once
 * collectstatic has filled it, else from the finders too (as whitenoise's
 * USE_FINDERS), so a fresh project's pages are whole under `serve`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../conf/settings.js';
import type { Application } from '../tsgi/types.js';
import { fileInside, projectFinders } from './finders.js';
import { CACHE_NAME, MANIFEST_NAME, readManifest } from './manifest.js';
import { withStaticFiles } from './serve.js';

/** A collectstatic name: `site.3f2a9c1b7d0e.css`, whose content never changes under that name. */
const HASHED = /\.[0-9a-f]{12}\.[^/.]+$/;
const IMMUTABLE = 'public, max-age=315360000, immutable';
/** Files in STATIC_ROOT that collectstatic writes for itself. */
const NOT_SERVED = new Set([CACHE_NAME, MANIFEST_NAME]);

export function withProjectStatic(app: Application, settings: Readonly<Settings>): Application {
  const finders = projectFinders(settings.BASE_DIR ?? process.cwd(), settings.STATICFILES_DIRS, settings.INSTALLED_APPS);
  const root = settings.STATIC_ROOT;
  const collected = !settings.DEBUG && typeof root === 'string' && existsSync(root);
  const shortCache = settings.DEBUG ? 'no-cache' : 'public, max-age=60';
  return withStaticFiles(app, {
    url: settings.STATIC_URL,
    // collectstatic's own bookkeeping is not a static file: neither its cache nor the
    // manifest, which lists every collected file (linked from a page or not) and which
    // the server reads from disk (README, "Static files").
    find: collected ? (relative) => (NOT_SERVED.has(relative) ? undefined : fileInside(root, relative)) : (relative) => finders.find(relative),
    cache: collected,
    // A stat per request is most of a static response's cost in the handler; collectstatic replaces files, so once a second is enough.
    revalidateMs: collected ? 1000 : 0,
    // Hashed names are cached for ten years; any change gets a new name from collectstatic.
    cacheControl: collected ? (relative) => (HASHED.test(relative) ? IMMUTABLE : shortCache) : () => shortCache,
  });
}

/**
 * What `{{static 'x.css'}}` should give: in production, once collectstatic
 * has written its manifest, the hashed URL — and a clear error for a name the
 * manifest lacks, as Django's ManifestStaticFilesStorage; otherwise STATIC_URL + name.
 */
export function projectStaticUrl(settings: Readonly<Settings>): string | ((name: string) => string) {
  const root = settings.STATIC_ROOT;
  if (settings.DEBUG || typeof root !== 'string' || !existsSync(join(root, MANIFEST_NAME))) return settings.STATIC_URL;
  const paths = readManifest(root);
  const prefix = settings.STATIC_URL.endsWith('/') ? settings.STATIC_URL : `${settings.STATIC_URL}/`;
  return (name) => {
    const hashed = paths[name.replace(/^\/+/, '')];
    if (hashed === undefined) throw new Error(`Missing staticfiles manifest entry for '${name}' — run collectstatic, or check the name`);
    return prefix + hashed.split('/').map(encodeURIComponent).join('/');
  };
}
