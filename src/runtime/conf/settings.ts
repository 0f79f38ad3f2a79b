/**
 * Loads the settings module named by TSGATE_SETTINGS_MODULE, checks it, and
 * exposes it as one frozen `settings` object. Settings are the module's
 * UPPER_CASE exports, as in Django; known settings the module leaves out
 * take their value from DEFAULTS.
 */
import { join } from 'node:path';
import { checkExportNames, checkSettings, servingProblems, SETTING_NAME, type SettingsSource } from './checks.js';
import { DEFAULTS, deepFreeze } from './defaults.js';
import { loadDotEnv } from './dotenv.js';
import { beginEnvCollection, endEnvCollection, type EnvProblem } from './env.js';
import { ImproperlyConfigured } from './errors.js';
import { findModuleFile, getModuleRoot, importModule } from './modules.js';
import { projectDir } from './project.js';
import type { Settings } from './types.js';

export type { KnownSettings, Settings } from './types.js';
export { checkSettings } from './checks.js';

export const SETTINGS_MODULE_VARIABLE = 'TSGATE_SETTINGS_MODULE';

/**
 * Set by `manage test` for the test processes it starts: `{"default": URL}`,
 * the test databases it made, used in place of DATABASES' own URLs (Django
 * renames the database in-process; here the tests run in child processes).
 */
export const TEST_DATABASES_VARIABLE = 'TSGATE_TEST_DATABASES';

/** DATABASES with the URLs of the test databases `manage test` made, when it did. */
function withTestDatabases(databases: unknown): unknown {
  const text = process.env[TEST_DATABASES_VARIABLE];
  if (!text || typeof databases !== 'object' || databases === null) return databases;
  const urls = JSON.parse(text) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(databases).map(([alias, entry]) => [alias, urls[alias] !== undefined ? { ...(entry as object), URL: urls[alias] } : entry]),
  );
}

/**
 * Set by `manage test` for the test processes it starts. Email then goes to
 * tsgate/mail's `outbox` (memory://) whatever EMAIL_URL says, as Django's
 * test runner does, so no test run ever sends real mail.
 */
export const TEST_RUN_VARIABLE = 'TSGATE_TEST_RUN';

let current: Readonly<Settings> | undefined;
let currentSource: SettingsSource | undefined;
let loading: Promise<Readonly<Settings>> | undefined;

/** Imports the settings module with env problems collected, so they are reported with the rest. */
async function importSettingsModule(moduleName: string): Promise<{ module?: Record<string, unknown>; envProblems: EnvProblem[] }> {
  beginEnvCollection();
  let module: Record<string, unknown> | undefined;
  let failure: unknown;
  try {
    module = await importModule(moduleName, SETTINGS_MODULE_VARIABLE);
  } catch (error) {
    failure = error;
  }
  const envProblems = endEnvCollection();
  if (failure !== undefined) {
    // A bad variable often makes the settings code fail further on: report the variables.
    if (failure instanceof ImproperlyConfigured) throw new ImproperlyConfigured([...envProblems.map((p) => p.message), ...failure.problems]);
    if (envProblems.length > 0) throw new ImproperlyConfigured(envProblems.map((p) => p.message));
    throw failure;
  }
  return { module, envProblems };
}

async function load(moduleName: string | undefined): Promise<Readonly<Settings>> {
  if (!moduleName) {
    throw new ImproperlyConfigured([`${SETTINGS_MODULE_VARIABLE} is not set — set it to your settings module, e.g. mysite.settings`]);
  }
  loadDotEnv(projectDir(findModuleFile(moduleName) ?? join(getModuleRoot(), 'settings')));
  const { module = {}, envProblems } = await importSettingsModule(moduleName);
  const values: Record<string, unknown> = { ...DEFAULTS };
  for (const [name, value] of Object.entries(module)) if (SETTING_NAME.test(name)) values[name] = value;
  values.DATABASES = withTestDatabases(values.DATABASES);
  if (process.env[TEST_RUN_VARIABLE] === '1') values.EMAIL_URL = 'memory://';
  // A setting whose variable was already reported is not reported again.
  const reported = new Set(envProblems.map((problem) => problem.name));
  const problems = [
    ...envProblems.map((problem) => problem.message),
    ...checkExportNames(Object.keys(module)),
    ...checkSettings(values).filter((problem) => !reported.has(problem.split(/[\s.[]/, 1)[0] ?? '')),
  ];
  if (problems.length > 0) throw new ImproperlyConfigured(problems);
  currentSource = { module: moduleName, names: new Set(Object.keys(module).filter((name) => SETTING_NAME.test(name))) };
  return deepFreeze(values as Settings);
}

/**
 * Loads, checks and freezes the settings once; later calls return the same
 * object. Every problem is reported at once, as one ImproperlyConfigured.
 */
export async function configure(moduleName = process.env[SETTINGS_MODULE_VARIABLE]): Promise<Readonly<Settings>> {
  if (current) return current;
  loading ??= load(moduleName).then(
    (loaded) => (current = loaded),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Throws ImproperlyConfigured naming what serving requests still needs (SECRET_KEY, ALLOWED_HOSTS with DEBUG off). */
export function requireServingSettings(loaded: Readonly<Settings>): void {
  const problems = servingProblems(loaded, loaded === current ? currentSource : undefined);
  if (problems.length > 0) throw new ImproperlyConfigured(problems);
}

/** The module the loaded settings came from and the names it exports; undefined before configure(). */
export function settingsSource(): SettingsSource | undefined {
  return current === undefined ? undefined : currentSource;
}

export function isConfigured(): boolean {
  return current !== undefined;
}

/** Forgets the loaded settings, so a test can configure() another module. Not for production code. */
export function resetForTests(): void {
  current = undefined;
  currentSource = undefined;
  loading = undefined;
}

function readOnly(name: string | symbol): never {
  throw new TypeError(`settings are read-only: cannot change settings.${String(name)} at run time — set it in your settings module`);
}

/** The loaded settings; reading before `configure()` is a clear error. */
export const settings: Readonly<Settings> = new Proxy({} as Settings, {
  get(_, name: string | symbol) {
    if (!current) {
      // Symbols are asked for by inspection (util.inspect, test runners), not by code reading a setting.
      if (typeof name === 'symbol') return undefined;
      throw new ImproperlyConfigured([
        `settings.${name} was read before the settings were loaded — run through manage or wsgi, or set ${SETTINGS_MODULE_VARIABLE} and call configure() first`,
      ]);
    }
    return current[name as string];
  },
  has: (_, name) => current !== undefined && name in current,
  ownKeys: () => (current ? Reflect.ownKeys(current) : []),
  // Reported configurable: a proxy may not claim non-configurable keys its empty target lacks.
  getOwnPropertyDescriptor: (_, name) => {
    const descriptor = current && Reflect.getOwnPropertyDescriptor(current, name);
    return descriptor && { ...descriptor, configurable: true };
  },
  set: (_, name) => readOnly(name),
  defineProperty: (_, name) => readOnly(name),
  deleteProperty: (_, name) => readOnly(name),
});
