/**
 * Loads the settings module named by TSGATE_SETTINGS_MODULE, checks it, and
 * exposes it as one frozen `settings` object. Settings are the module's
 * UPPER_CASE exports, as in Django.
 */
import { ImproperlyConfigured } from './errors.js';
import { join } from 'node:path';
import { loadDotEnv } from './dotenv.js';
import { findModuleFile, getModuleRoot, importModule } from './modules.js';
import { projectDir } from './project.js';

export interface Settings {
  DEBUG: boolean;
  SECRET_KEY: string;
  ALLOWED_HOSTS: string[];
  ROOT_URLCONF: string;
  WSGI_APPLICATION: string;
  [name: string]: unknown;
}

export const SETTINGS_MODULE_VARIABLE = 'TSGATE_SETTINGS_MODULE';

const DEFAULTS: Partial<Settings> = {
  DEBUG: false,
  SECRET_KEY: '',
  ALLOWED_HOSTS: [],
};

let current: Readonly<Settings> | undefined;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Every problem at once, each naming the setting and the fix. */
export function checkSettings(values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof values.DEBUG !== 'boolean') problems.push('DEBUG must be true or false');
  if (typeof values.SECRET_KEY !== 'string') problems.push('SECRET_KEY must be a string');
  else if (values.DEBUG === false && values.SECRET_KEY === '') {
    problems.push('SECRET_KEY is required when DEBUG is false — set the SECRET_KEY environment variable');
  }
  if (!isStringArray(values.ALLOWED_HOSTS)) problems.push('ALLOWED_HOSTS must be a list of host names');
  else if (values.DEBUG === false && values.ALLOWED_HOSTS.length === 0) {
    problems.push('ALLOWED_HOSTS is empty while DEBUG is false — set ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=example.com');
  }
  for (const name of ['ROOT_URLCONF', 'WSGI_APPLICATION']) {
    if (typeof values[name] !== 'string' || values[name] === '') {
      problems.push(`${name} must name a module, e.g. 'mysite.${name === 'ROOT_URLCONF' ? 'urls' : 'wsgi.application'}'`);
    }
  }
  return problems;
}

/** Loads, checks and freezes the settings once; later calls return the same object. */
export async function configure(moduleName = process.env[SETTINGS_MODULE_VARIABLE]): Promise<Readonly<Settings>> {
  if (current) return current;
  if (!moduleName) {
    throw new ImproperlyConfigured([
      `${SETTINGS_MODULE_VARIABLE} is not set — set it to your settings module, e.g. mysite.settings`,
    ]);
  }
  loadDotEnv(projectDir(findModuleFile(moduleName) ?? join(getModuleRoot(), 'settings')));
  const module = await importModule(moduleName, SETTINGS_MODULE_VARIABLE);
  const values: Record<string, unknown> = { ...DEFAULTS };
  for (const [name, value] of Object.entries(module)) if (/^[A-Z][A-Z0-9_]*$/.test(name)) values[name] = value;
  const problems = checkSettings(values);
  if (problems.length > 0) throw new ImproperlyConfigured(problems);
  current = Object.freeze(values as Settings);
  return current;
}

export function isConfigured(): boolean {
  return current !== undefined;
}

/** The loaded settings; reading before `configure()` is a clear error. */
export const settings: Readonly<Settings> = new Proxy({} as Settings, {
  get(_, name: string | symbol) {
    if (!current) {
      throw new ImproperlyConfigured([
        `settings.${String(name)} was read before the settings were loaded — run through manage or wsgi, or set ${SETTINGS_MODULE_VARIABLE}`,
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
  set: () => false,
});
