/**
 * The checks `manage check` runs without `--deploy`: the URL table loads,
 * and each installed app has its folder and a migrations folder.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { appConfig, TSGATE_PREFIX } from '../apps/config.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import { manageCommand } from '../conf/manage-command.js';
import { getModuleRoot, importModule } from '../conf/modules.js';
import type { Settings } from '../conf/types.js';
import { error, warning, type CheckMessage } from './messages.js';

function reason(failure: unknown): string {
  if (failure instanceof ImproperlyConfigured) return failure.problems.join('; ');
  if (failure instanceof Error) return `${failure.name}: ${failure.message}`;
  return String(failure);
}

function isRoute(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'regex' in value && 'view' in value;
}

/** urls.E001: ROOT_URLCONF cannot be imported; urls.E004: it has no urlpatterns, or an entry is not a path(). */
export async function checkUrlConf(settings: Readonly<Settings>): Promise<CheckMessage[]> {
  const name = settings.ROOT_URLCONF;
  let module: Record<string, unknown>;
  try {
    module = await importModule(name, 'ROOT_URLCONF');
  } catch (failure) {
    return [
      error(
        'urls.E001',
        `The URL conf '${name}' (ROOT_URLCONF) could not be loaded: ${reason(failure)}`,
        `Check that ROOT_URLCONF names a module under ${getModuleRoot()} and that it and the views it imports load without errors.`,
      ),
    ];
  }
  const patterns = module.urlpatterns;
  const hint = "Ensure that urlpatterns is a list of path() routes, e.g. export const urlpatterns = [path('', views.home, { name: 'home' })].";
  if (!Array.isArray(patterns)) {
    return [error('urls.E004', `The URL conf '${name}' does not export urlpatterns as a list.`, hint)];
  }
  const messages: CheckMessage[] = [];
  patterns.forEach((pattern: unknown, index) => {
    const ok = Array.isArray(pattern) ? pattern.every(isRoute) : isRoute(pattern);
    if (!ok) messages.push(error('urls.E004', `Your URL pattern at index ${index} of '${name}'.urlpatterns is invalid.`, hint));
  });
  return messages;
}

function isFolder(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** Where an app's folder may be: in the project (BASE_DIR) or under the module root (dist/ once built); a `tsgate.*` app's is in this package. */
function appFolders(settings: Readonly<Settings>, app: string): string[] {
  if (app.startsWith(TSGATE_PREFIX)) return [appConfig(app, { moduleRoot: getModuleRoot(), baseDir: settings.BASE_DIR ?? process.cwd() }).path];
  const bases = [settings.BASE_DIR ?? process.cwd(), getModuleRoot()];
  return [...new Set(bases.map((base) => join(base, ...app.split('.'))))];
}

/** apps.E001: an INSTALLED_APPS entry with no folder. */
export function checkInstalledApps(settings: Readonly<Settings>): CheckMessage[] {
  return settings.INSTALLED_APPS.flatMap((app) => {
    const folders = appFolders(settings, app);
    if (folders.some(isFolder)) return [];
    return [
      error(
        'apps.E001',
        `INSTALLED_APPS lists '${app}', but there is no folder ${folders[0] ?? app}.`,
        app.startsWith(TSGATE_PREFIX)
          ? `This tsgate has no app '${app}' (a folder of the tsgate package): check the name, or remove it from INSTALLED_APPS.`
          : `Create the app with '${manageCommand(`startapp ${app.split('.').at(-1) ?? app}`)}', or remove '${app}' from INSTALLED_APPS.`,
        app,
      ),
    ];
  });
}

/** migrations.W001: an installed app without a migrations/ folder. Apps with no folder at all are apps.E001's. */
export function checkMigrationsFolders(settings: Readonly<Settings>): CheckMessage[] {
  return settings.INSTALLED_APPS.flatMap((app) => {
    const folders = appFolders(settings, app).filter(isFolder);
    if (folders.length === 0 || folders.some((folder) => isFolder(join(folder, 'migrations')))) return [];
    return [
      warning(
        'migrations.W001',
        `The app '${app}' has no migrations folder.`,
        `Create ${join(folders[0] ?? app, 'migrations')}/ (an app made by '${manageCommand('startapp')}' has one), so the app's database migrations have a place.`,
        app,
      ),
    ];
  });
}
