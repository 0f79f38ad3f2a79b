/**
 * One installed app, as Django's AppConfig: what INSTALLED_APPS names, the
 * label that migrations and commands use for it, and where its files are.
 *
 * - A project app (`pages`, `apps.shop`) lives in the project: its modules
 *   under the module root (the project folder in development, `dist/` once
 *   built), its sources (TypeScript, templates/, static/) under BASE_DIR.
 *   Its label is the entry itself.
 * - A tsgate app (`tsgate.auth`) ships inside the installed tsgate package,
 *   beside this module in its `dist/`. Its label is the last segment
 *   (`auth`), as `django.contrib.auth` is `auth`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The prefix of the apps that ship with tsgate. */
export const TSGATE_PREFIX = 'tsgate.';

export interface AppConfig {
  /** The INSTALLED_APPS entry: `pages`, `apps.shop`, `tsgate.auth`. */
  readonly name: string;
  /** How migrations, dependencies and `migrate APP` name it: `pages`, `apps.shop`, `auth`. */
  readonly label: string;
  /** The folder its modules (models, migrations) are imported from. */
  readonly path: string;
  /** The folder of its sources: TypeScript, `templates/`, `static/`; `path` for a tsgate app. */
  readonly sourcePath: string;
  /** Shipped inside the tsgate package (`tsgate.*`): its migrations are tsgate's, never the project's to write. */
  readonly builtin: boolean;
}

export interface AppRoots {
  /** Where project modules are imported from: the project folder, or `dist/`. */
  readonly moduleRoot: string;
  /** The project folder (BASE_DIR), where the sources are. */
  readonly baseDir: string;
  /** The tsgate package's compiled folder; this module's parent by default. */
  readonly tsgateDir?: string;
}

/** The tsgate package's `dist/` (or `src/runtime/` when run from the sources). */
export const TSGATE_DIR = fileURLToPath(new URL('..', import.meta.url));

export function appConfig(name: string, roots: AppRoots): AppConfig {
  if (name.startsWith(TSGATE_PREFIX)) {
    const parts = name.slice(TSGATE_PREFIX.length).split('.');
    const path = join(roots.tsgateDir ?? TSGATE_DIR, ...parts);
    return { name, label: parts.at(-1) ?? name, path, sourcePath: path, builtin: true };
  }
  const parts = name.split('.');
  return { name, label: name, path: join(roots.moduleRoot, ...parts), sourcePath: join(roots.baseDir, ...parts), builtin: false };
}
