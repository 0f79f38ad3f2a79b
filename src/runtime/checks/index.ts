/**
 * tsgate's system check framework, after Django's `django.core.checks`:
 * `manage check` loads the settings and runs the registered checks;
 * `--deploy` adds the deployment checks. A project can register its own
 * (the module is not yet a package export of its own):
 *
 *     import { registry, warning } from '<runtime>/checks/index.js';
 *     registry.register((settings) => (settings.PAYMENT_KEY ? [] : [warning('payments.W001', 'PAYMENT_KEY is not set.')]), { tags: ['payments'] });
 */
import { servingProblems } from '../conf/checks.js';
import { configure, settingsSource } from '../conf/settings.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import type { Settings } from '../conf/types.js';
import { DEPLOY_CHECKS } from './deploy.js';
import { error, type CheckMessage } from './messages.js';
import { checkModels } from './models.js';
import { checkInstalledApps, checkMigrationsFolders, checkUrlConf } from './project.js';
import { CheckRegistry, type RunOptions } from './registry.js';

export { CheckRegistry, type Check, type CheckOptions, type RegisteredCheck, type RunOptions } from './registry.js';
export { LEVELS, LEVEL_VALUES, critical, debug, error, formatMessage, info, isLevel, isSerious, warning, type CheckMessage, type Level } from './messages.js';
export { formatReport, type Report, type ReportOptions } from './report.js';
export { checkInstalledApps, checkMigrationsFolders, checkUrlConf } from './project.js';
export { checkModels } from './models.js';
export {
  DEPLOY_CHECKS,
  SECRET_KEY_INSECURE_PREFIXES,
  SECRET_KEY_MIN_LENGTH,
  SECRET_KEY_MIN_UNIQUE_CHARACTERS,
  SECRET_KEY_PLACEHOLDERS,
  checkAllowedHosts,
  checkContentTypeNosniff,
  checkCsrfCookieSecure,
  checkDebug,
  checkEmailBackend,
  checkHsts,
  checkLocmemCache,
  checkMetricsBind,
  checkSecretKey,
  checkSessionCookieSecure,
  checkSqliteInProduction,
  checkSslRedirect,
  checkXFrameOptions,
  isSecureSecretKey,
} from './deploy.js';

/** A registry holding tsgate's own checks. */
export function defaultRegistry(): CheckRegistry {
  const registry = new CheckRegistry();
  registry.register(checkUrlConf, { tags: ['urls'] });
  registry.register(checkInstalledApps, { tags: ['apps'] });
  registry.register(checkMigrationsFolders, { tags: ['migrations'] });
  registry.register(checkModels, { tags: ['models'] });
  for (const [check, tag] of DEPLOY_CHECKS) registry.register(check, { tags: [tag], deploy: true });
  return registry;
}

/** The registry `manage check` runs. */
export const registry: CheckRegistry = defaultRegistry();

export interface SystemCheckOptions extends RunOptions {
  /** The settings module; TSGATE_SETTINGS_MODULE by default. */
  readonly settingsModule?: string;
  /** The checks to run; `registry` by default. */
  readonly registry?: CheckRegistry;
}

export interface SystemCheckResult {
  /** Every message, silenced ones included. */
  readonly messages: CheckMessage[];
  /** SILENCED_SYSTEM_CHECKS, or none when the settings did not load. */
  readonly silenced: readonly string[];
}

/**
 * Loads the settings and runs the checks. Settings that cannot load are
 * reported as `settings.E001` messages, one per problem, and nothing else
 * runs: every other check reads the settings.
 */
export async function runSystemChecks(options: SystemCheckOptions = {}): Promise<SystemCheckResult> {
  let settings: Readonly<Settings>;
  try {
    settings = await configure(options.settingsModule);
  } catch (failure) {
    if (!(failure instanceof ImproperlyConfigured)) throw failure;
    return { messages: failure.problems.map((problem) => error('settings.E001', problem)), silenced: [] };
  }
  // What serving needs (a SECRET_KEY, ALLOWED_HOSTS with DEBUG off) is checked here as well, not by configure().
  const serving = servingProblems(settings, settingsSource());
  if (serving.length > 0) return { messages: serving.map((problem) => error('settings.E001', problem)), silenced: [] };
  const messages = await (options.registry ?? registry).run(settings, options);
  return { messages, silenced: settings.SILENCED_SYSTEM_CHECKS };
}
