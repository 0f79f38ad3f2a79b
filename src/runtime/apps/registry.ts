/**
 * The installed apps, after Django's `django.apps.apps`: one AppConfig per
 * INSTALLED_APPS entry, in order, looked up by label. Labels must be unique
 * (`auth` and `tsgate.auth` cannot both be installed).
 */
import { getModuleRoot } from '../conf/modules.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import type { Settings } from '../conf/types.js';
import { appConfig, type AppConfig, type AppRoots } from './config.js';

export class Apps {
  readonly all: readonly AppConfig[];
  private readonly byLabel: ReadonlyMap<string, AppConfig>;

  constructor(names: readonly string[], roots: AppRoots) {
    this.all = names.map((name) => appConfig(name, roots));
    const byLabel = new Map<string, AppConfig>();
    for (const app of this.all) {
      const clash = byLabel.get(app.label);
      if (clash) {
        throw new ImproperlyConfigured([
          `INSTALLED_APPS: '${clash.name}' and '${app.name}' have the same label '${app.label}' — apps are told apart by their label, so install only one of them`,
        ]);
      }
      byLabel.set(app.label, app);
    }
    this.byLabel = byLabel;
  }

  /** Every label, in INSTALLED_APPS order. */
  get labels(): string[] {
    return this.all.map((app) => app.label);
  }

  /** The app with this label, or undefined. */
  find(label: string): AppConfig | undefined {
    return this.byLabel.get(label);
  }
}

/** The installed apps of the loaded settings; their folders from the module root and BASE_DIR. */
export function installedApps(settings: Readonly<Settings>, moduleRoot = getModuleRoot()): Apps {
  return new Apps(settings.INSTALLED_APPS, { moduleRoot, baseDir: settings.BASE_DIR ?? process.cwd() });
}
