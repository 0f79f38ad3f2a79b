/**
 * The checks `configure()` runs on the settings before anything starts.
 * Each problem names the setting and says what to do; all are reported at
 * once.
 */
import { resolve } from 'node:path';
import { KNOWN_SETTINGS, isPlainObject } from './defaults.js';
import { DatabaseUrlError, parseDatabaseUrl } from './database-url.js';
import { MailUrlError, parseMailUrl } from './mail-url.js';
import { CacheUrlError, parseCacheUrl } from './cache-url.js';
import { parseTasksUrl, TasksUrlError } from './tasks-url.js';
import { PLACEHOLDER_URL } from './env.js';
import { CROSS_ORIGIN_OPENER_POLICIES, LOG_LEVEL_NAMES, REFERRER_POLICIES, type KnownSettings } from './types.js';

type Values = Record<string, unknown>;
type Rule = (value: unknown, values: Values) => string[];

/** A value as a message shows it: short, and never a secret. */
function show(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return kind(value);
}

/** What a value is, without its content. */
function kind(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function boolean(name: string): Rule {
  return (value) => (typeof value === 'boolean' ? [] : [`${name} must be true or false, got ${show(value)} — e.g. ${name} = env.bool('${name}', false)`]);
}

function stringList(name: string, example: string, each: (item: string) => string | undefined = () => undefined): Rule {
  return (value) => {
    if (!isList(value)) return [`${name} must be a list of strings, got ${show(value)} — e.g. ${name} = ${example}`];
    const problems: string[] = [];
    value.forEach((item, index) => {
      if (typeof item !== 'string') problems.push(`${name}[${index}] must be a string, got ${show(item)}`);
      else {
        const problem = each(item);
        if (problem) problems.push(problem);
      }
    });
    return problems;
  };
}

/** `a`, `b` or `c`, each quoted. */
function oneOf(values: readonly unknown[]): string {
  const shown = values.map((value) => (typeof value === 'string' ? `'${value}'` : String(value)));
  return shown.length < 2 ? shown.join('') : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}

function choice(name: string, choices: readonly unknown[]): Rule {
  return (value) => (choices.includes(value) ? [] : [`${name} must be ${oneOf(choices)}, got ${show(value)}`]);
}

/** A size or count limit: a whole number, or null (or 0) for none. */
function limit(name: string, unit: string, example: string): Rule {
  return (value) =>
    value === null || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
      ? []
      : [`${name} must be a whole number of ${unit}, or null for no limit, got ${show(value)} — e.g. ${name} = ${example}`];
}

function integer(name: string, minimum: number, example: string): Rule {
  return (value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum
      ? []
      : [`${name} must be a whole number of seconds${minimum > 0 ? ` above ${minimum - 1}` : ', 0 or more'}, got ${show(value)} — e.g. ${name} = ${example}`];
}

/** A count of at least 1. */
function count(name: string, unit: string, example: string): Rule {
  return (value) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? [] : [`${name} must be a whole number of ${unit}, 1 or more, got ${show(value)} — e.g. ${name} = ${example}`]);
}

/** A path on this site (`/accounts/login/`) or a full http(s) URL. */
function redirectTarget(name: string, example: string): Rule {
  return (value) =>
    typeof value === 'string' && (/^\/(?![/\\])/.test(value) || /^https?:\/\/[^/]/.test(value))
      ? []
      : [`${name} must be a path starting with one / or an http(s) URL, got ${show(value)} — e.g. ${name} = ${example}`];
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function cookieName(name: string): Rule {
  return (value) =>
    typeof value === 'string' && COOKIE_NAME.test(value)
      ? []
      : [`${name} must be a cookie name (letters, digits and !#$%&'*+-.^_\`|~), got ${show(value)}`];
}

function sameSite(name: string, secure: string): Rule {
  return (value, values) => {
    const problems = choice(name, ['Lax', 'Strict', 'None', false])(value, values);
    if (value === 'None' && values[secure] !== true) {
      problems.push(`${name} is 'None' but ${secure} is not true — browsers drop SameSite=None cookies that are not Secure; set ${secure} = true or use 'Lax'`);
    }
    return problems;
  };
}

function moduleName(name: string, example: string): Rule {
  return (value) => (typeof value === 'string' && value !== '' ? [] : [`${name} must name a module, got ${show(value)} — e.g. ${name} = '${example}'`]);
}

/** A system check message ID: `security.W004`, `urls.E001`. */
const CHECK_ID = /^[A-Za-z_][\w.]*\.[CEWID]\d+$/;
const APP_SPEC = /^[^:]+:[A-Za-z_$][\w$]*(\(\))?$/;
const TEMPLATE_KEYS = ['BACKEND', 'NAME', 'DIRS', 'APP_DIRS', 'OPTIONS'];

function checkDatabaseUrl(where: string, text: string, fix: string): string[] {
  try {
    parseDatabaseUrl(text);
    return [];
  } catch (error) {
    // The URL itself is not echoed: it carries its password.
    if (error instanceof DatabaseUrlError) return [`${where}.URL is not usable: ${error.message} — ${fix}`];
    throw error;
  }
}

function checkEmailUrl(value: unknown): string[] {
  const fix = "e.g. EMAIL_URL = env.str('EMAIL_URL', 'console://'), or smtp://user:password@mail.example.com:587";
  if (typeof value !== 'string') return [`EMAIL_URL must be a string, got ${kind(value)} — ${fix}`];
  try {
    parseMailUrl(value);
    return [];
  } catch (error) {
    // The URL itself is not echoed: it carries its password.
    if (error instanceof MailUrlError) return [`EMAIL_URL is not usable: ${error.message}`];
    throw error;
  }
}

function checkTasksUrl(value: unknown, values: Values): string[] {
  const fix = "e.g. TASKS_URL = env.str('TASKS_URL', 'immediate://'), db://default or redis://127.0.0.1:6379/0";
  if (typeof value !== 'string') return [`TASKS_URL must be a string, got ${kind(value)} — ${fix}`];
  try {
    const target = parseTasksUrl(value);
    if (target.backend !== 'db') return [];
    const problems: string[] = [];
    const apps = values.INSTALLED_APPS;
    if (Array.isArray(apps) && !apps.includes('tsgate.tasks')) problems.push("TASKS_URL is db://, which keeps tasks in the tsgate_tasks table: add 'tsgate.tasks' to INSTALLED_APPS and run manage migrate");
    const databases = values.DATABASES;
    if (isPlainObject(databases) && !(target.alias in databases)) problems.push(`TASKS_URL is db://${target.alias}, but DATABASES has no '${target.alias}' (it has: ${Object.keys(databases).join(', ')})`);
    return problems;
  } catch (error) {
    // The URL itself is not echoed: it may carry a password.
    if (error instanceof TasksUrlError) return [`TASKS_URL is not usable: ${error.message}`];
    throw error;
  }
}

/** A whole number ≥ 1, or absent. */
function checkPositiveInteger(where: string, value: unknown): string[] {
  if (value === undefined || (Number.isInteger(value) && (value as number) >= 1)) return [];
  return [`${where} must be a whole number of at least 1, got ${typeof value === 'number' ? value : kind(value)}`];
}

function checkDatabases(value: unknown): string[] {
  const example = `e.g. DATABASES = { default: { URL: env.str('DATABASE_URL', 'sqlite:///db.sqlite3') } }`;
  if (!isPlainObject(value)) return [`DATABASES must be an object of connections by alias, got ${kind(value)} — ${example}`];
  const problems: string[] = [];
  if (!('default' in value)) problems.push(`DATABASES must define 'default' — ${example}`);
  for (const [alias, database] of Object.entries(value)) {
    const where = `DATABASES.${alias}`;
    if (!isPlainObject(database)) {
      problems.push(`${where} must be an object with a URL, got ${kind(database)} — ${example}`);
      continue;
    }
    const fix = `set it to a URL such as sqlite:///db.sqlite3, postgres://user:password@host:5432/name or mysql://user:password@host:3306/name (DATABASE_URL in the generated settings)`;
    const url = database.URL;
    if (url instanceof URL) {
      problems.push(`${where}.URL must be a string, got a URL object — add .href, e.g. env.url('DATABASE_URL', 'sqlite:///db.sqlite3').href`);
    } else if (typeof url !== 'string') {
      problems.push(`${where}.URL must be a string, got ${kind(url)} — ${fix}`);
    } else if (url !== PLACEHOLDER_URL) {
      // (The placeholder stands for a DATABASE_URL variable that env.url has already reported.)
      problems.push(...checkDatabaseUrl(where, url, fix));
    }
    problems.push(...checkPositiveInteger(`${where}.POOL_SIZE`, database.POOL_SIZE), ...checkPositiveInteger(`${where}.CONNECT_TIMEOUT`, database.CONNECT_TIMEOUT));
    if (database.OPTIONS !== undefined && !isPlainObject(database.OPTIONS)) {
      problems.push(`${where}.OPTIONS must be an object, got ${kind(database.OPTIONS)}`);
    }
  }
  return problems;
}

const CACHE_KEYS = ['URL', 'TIMEOUT', 'KEY_PREFIX', 'VERSION', 'MAX_ENTRIES'];

function checkCaches(value: unknown, values: Values): string[] {
  const example = `e.g. CACHES = { default: { URL: env.str('CACHE_URL', 'locmem://') } }`;
  if (!isPlainObject(value)) return [`CACHES must be an object of caches by alias, got ${kind(value)} — ${example}`];
  const problems: string[] = [];
  if (!('default' in value)) problems.push(`CACHES must define 'default' — ${example}`);
  const databases = isPlainObject(values.DATABASES) ? values.DATABASES : {};
  for (const [alias, cache] of Object.entries(value)) {
    const where = `CACHES.${alias}`;
    if (!isPlainObject(cache)) {
      problems.push(`${where} must be an object with a URL, got ${kind(cache)} — ${example}`);
      continue;
    }
    for (const key of Object.keys(cache)) {
      if (CACHE_KEYS.includes(key)) continue;
      const match = closestName(key, CACHE_KEYS);
      problems.push(`${where}.${key} is not a cache option — ${match ? `did you mean ${match}?` : `use ${CACHE_KEYS.join(', ')}`}`);
    }
    const url = cache.URL;
    if (typeof url !== 'string') {
      problems.push(`${where}.URL must be a string, got ${kind(url)} — ${example}`);
    } else if (url !== PLACEHOLDER_URL) {
      try {
        const target = parseCacheUrl(url);
        if (target.backend === 'db') {
          if (!(target.alias in databases)) problems.push(`${where}.URL is db://${target.alias}, but DATABASES has no '${target.alias}'`);
          const apps = values.INSTALLED_APPS;
          if (Array.isArray(apps) && !apps.includes('tsgate.cache')) {
            problems.push(`${where}.URL is db://${target.alias}, which keeps the cache in the tsgate_cache table — add 'tsgate.cache' to INSTALLED_APPS so that manage migrate creates it`);
          }
        }
      } catch (error) {
        // The URL itself is not echoed: it carries its password.
        if (error instanceof CacheUrlError) problems.push(`${where}.URL is not usable: ${error.message}`);
        else throw error;
      }
    }
    const timeout = cache.TIMEOUT;
    if (timeout !== undefined && timeout !== null && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
      problems.push(`${where}.TIMEOUT must be seconds (0 or more), or null to keep values until evicted, got ${show(timeout)}`);
    }
    if (cache.KEY_PREFIX !== undefined && typeof cache.KEY_PREFIX !== 'string') problems.push(`${where}.KEY_PREFIX must be a string, got ${show(cache.KEY_PREFIX)}`);
    if (cache.VERSION !== undefined && !Number.isSafeInteger(cache.VERSION)) problems.push(`${where}.VERSION must be a whole number, got ${show(cache.VERSION)}`);
    problems.push(...checkPositiveInteger(`${where}.MAX_ENTRIES`, cache.MAX_ENTRIES));
  }
  return problems;
}

function checkTemplates(value: unknown): string[] {
  const example = `e.g. TEMPLATES = [{ DIRS: [join(BASE_DIR, 'templates')], APP_DIRS: true }]`;
  if (!isList(value)) return [`TEMPLATES must be a list of template engines, got ${show(value)} — ${example}`];
  const problems: string[] = [];
  value.forEach((engine, index) => {
    const where = `TEMPLATES[${index}]`;
    if (!isPlainObject(engine)) {
      problems.push(`${where} must be an object, got ${show(engine)} — ${example}`);
      return;
    }
    for (const key of Object.keys(engine)) {
      if (TEMPLATE_KEYS.includes(key)) continue;
      const match = closestName(key, TEMPLATE_KEYS);
      problems.push(`${where}.${key} is not a template option — ${match ? `did you mean ${match}?` : `use ${TEMPLATE_KEYS.join(', ')}`}`);
    }
    for (const key of ['BACKEND', 'NAME'] as const) {
      if (engine[key] !== undefined && typeof engine[key] !== 'string') problems.push(`${where}.${key} must be a string, got ${show(engine[key])}`);
    }
    const dirs = engine.DIRS;
    if (dirs !== undefined && !(isList(dirs) && dirs.every((dir) => typeof dir === 'string'))) {
      problems.push(`${where}.DIRS must be a list of folder paths, got ${show(dirs)} — ${example}`);
    }
    if (engine.APP_DIRS !== undefined && typeof engine.APP_DIRS !== 'boolean') {
      problems.push(`${where}.APP_DIRS must be true or false, got ${show(engine.APP_DIRS)}`);
    }
    if (engine.OPTIONS !== undefined && !isPlainObject(engine.OPTIONS)) {
      problems.push(`${where}.OPTIONS must be an object, got ${show(engine.OPTIONS)}`);
    }
  });
  return problems;
}

function checkStaticfilesDirs(value: unknown, values: Values): string[] {
  const example = `e.g. STATICFILES_DIRS = [join(BASE_DIR, 'static')]`;
  if (!isList(value)) return [`STATICFILES_DIRS must be a list of folders, got ${show(value)} — ${example}`];
  const problems: string[] = [];
  const root = typeof values.STATIC_ROOT === 'string' && values.STATIC_ROOT !== '' ? resolve(values.STATIC_ROOT) : undefined;
  value.forEach((entry, index) => {
    const where = `STATICFILES_DIRS[${index}]`;
    let folder: unknown = entry;
    if (isList(entry)) {
      const [prefix, path] = entry;
      if (entry.length !== 2 || typeof prefix !== 'string' || typeof path !== 'string') {
        problems.push(`${where} must be a folder or a [prefix, folder] pair of strings, got a list of ${entry.length}`);
        return;
      }
      if (prefix.endsWith('/')) problems.push(`${where} has the prefix ${show(prefix)}, which must not end with a slash — use ${show(prefix.replace(/\/+$/, ''))}`);
      folder = path;
    }
    if (typeof folder !== 'string' || folder === '') {
      problems.push(`${where} must be a folder path or a [prefix, folder] pair, got ${show(folder)} — ${example}`);
    } else if (root !== undefined && resolve(folder) === root) {
      problems.push(`${where} is STATIC_ROOT — collectstatic writes into STATIC_ROOT, so keep your sources in another folder`);
    }
  });
  return problems;
}

function checkReferrerPolicy(value: unknown): string[] {
  if (value === undefined) return [];
  const known: readonly string[] = REFERRER_POLICIES;
  const bad = typeof value === 'string' ? value.split(',').map((item) => item.trim()).filter((item) => !known.includes(item)) : [value];
  if (bad.length === 0) return [];
  return [
    `SECURE_REFERRER_POLICY must be one of ${REFERRER_POLICIES.join(', ')} (several comma-separated, or undefined for no header), got ${bad.map(show).join(', ')}`,
  ];
}

/** The check of every known setting: a missing entry here is a type error. */
const RULES: Record<keyof KnownSettings, Rule> = {
  DEBUG: boolean('DEBUG'),
  SECRET_KEY: (value) => {
    // The value itself is never shown.
    if (typeof value !== 'string') return [`SECRET_KEY must be a string, got ${kind(value)} — e.g. SECRET_KEY = env.str('SECRET_KEY')`];
    return [];
  },
  ALLOWED_HOSTS: (value, values) => {
    const problems = stringList('ALLOWED_HOSTS', "env.list('ALLOWED_HOSTS', [])", (host) => {
      if (host.trim() === '') return 'ALLOWED_HOSTS has an empty entry — remove it';
      if (/[/\s]/.test(host)) return `ALLOWED_HOSTS entry ${show(host)} is not a host name — list host names only, e.g. example.com or .example.com (no scheme, no path)`;
      return undefined;
    })(value, values);
    return problems;
  },
  CSRF_TRUSTED_ORIGINS: stringList('CSRF_TRUSTED_ORIGINS', "env.list('CSRF_TRUSTED_ORIGINS', [])", (origin) =>
    /^https?:\/\/./.test(origin) ? undefined : `CSRF_TRUSTED_ORIGINS entry ${show(origin)} must start with http:// or https:// — e.g. https://${origin.replace(/^([a-z][a-z\d+.-]*:)?\/\//i, '') || 'example.com'}`,
  ),
  INSTALLED_APPS: (value, values) => {
    const seen = new Set<string>();
    return stringList('INSTALLED_APPS', "['pages']", (app) => {
      if (app === '') return 'INSTALLED_APPS has an empty entry — remove it';
      if (seen.has(app)) return `INSTALLED_APPS lists ${show(app)} twice — remove one`;
      seen.add(app);
      return undefined;
    })(value, values);
  },
  MIDDLEWARE: (value) => {
    if (!isList(value)) return [`MIDDLEWARE must be a list of middleware functions, got ${show(value)} — e.g. MIDDLEWARE = [hostValidationMiddleware, securityMiddleware], imported from 'tsgate/middleware'`];
    return value.flatMap((item, index) =>
      typeof item === 'function' ? [] : [`MIDDLEWARE[${index}] must be a middleware function, got ${show(item)} — import the middleware and list the function itself`],
    );
  },
  ROOT_URLCONF: moduleName('ROOT_URLCONF', 'mysite.urls'),
  WSGI_APPLICATION: (value) =>
    typeof value === 'string' && APP_SPEC.test(value)
      ? []
      : [`WSGI_APPLICATION must be MODULE:NAME, got ${show(value)} — e.g. WSGI_APPLICATION = 'mysite.wsgi:application'`],
  BASE_DIR: (value) => (value === undefined || (typeof value === 'string' && value !== '') ? [] : [`BASE_DIR must be a folder path, got ${show(value)} — e.g. BASE_DIR = projectDir(import.meta.url)`]),
  DATABASES: checkDatabases,
  STATIC_URL: (value) => {
    if (typeof value !== 'string' || value === '') return [`STATIC_URL must be a URL prefix, got ${show(value)} — e.g. STATIC_URL = '/static/'`];
    return value.endsWith('/') ? [] : [`STATIC_URL must end with a slash, got ${show(value)} — use ${show(`${value}/`)}`];
  },
  STATIC_ROOT: (value) =>
    value === undefined || (typeof value === 'string' && value !== '')
      ? []
      : [`STATIC_ROOT must be a folder path, or undefined when static files are not collected, got ${show(value)} — e.g. STATIC_ROOT = join(BASE_DIR, 'staticfiles')`],
  STATICFILES_DIRS: checkStaticfilesDirs,
  STATICFILES_MANIFEST_STRICT: boolean('STATICFILES_MANIFEST_STRICT'),
  STATICFILES_KEEP_ONLY_HASHED: boolean('STATICFILES_KEEP_ONLY_HASHED'),
  READYZ_WAITS_FOR_MIGRATIONS: boolean('READYZ_WAITS_FOR_MIGRATIONS'),
  DATA_UPLOAD_MAX_MEMORY_SIZE: limit('DATA_UPLOAD_MAX_MEMORY_SIZE', 'bytes', '2_621_440 (2.5 MB)'),
  DATA_UPLOAD_MAX_NUMBER_FIELDS: limit('DATA_UPLOAD_MAX_NUMBER_FIELDS', 'fields', '1000'),
  DATA_UPLOAD_MAX_NUMBER_FILES: limit('DATA_UPLOAD_MAX_NUMBER_FILES', 'files', '100'),
  FILE_UPLOAD_MAX_SIZE: limit('FILE_UPLOAD_MAX_SIZE', 'bytes', '10_485_760 (10 MB)'),
  CACHES: checkCaches,
  CACHE_MIDDLEWARE_ALIAS: (value, values) =>
    // A missing 'default' is reported by CACHES already.
    typeof value === 'string' && (!isPlainObject(values.CACHES) || value in values.CACHES || value === 'default')
      ? []
      : [`CACHE_MIDDLEWARE_ALIAS must name a cache in CACHES, got ${show(value)} — e.g. CACHE_MIDDLEWARE_ALIAS = 'default'`],
  CACHE_MIDDLEWARE_SECONDS: integer('CACHE_MIDDLEWARE_SECONDS', 0, '600'),
  CACHE_MIDDLEWARE_KEY_PREFIX: (value) => (typeof value === 'string' ? [] : [`CACHE_MIDDLEWARE_KEY_PREFIX must be a string, got ${show(value)}`]),
  TEMPLATES: checkTemplates,
  LOG_LEVEL: (value) =>
    (LOG_LEVEL_NAMES as readonly unknown[]).includes(value)
      ? []
      : [`LOG_LEVEL must be ${oneOf(LOG_LEVEL_NAMES)}, got ${show(value)}${typeof value === 'string' && (LOG_LEVEL_NAMES as readonly string[]).includes(value.toLowerCase()) ? ` — use '${value.toLowerCase()}'` : ''}`],
  SECURE_HSTS_SECONDS: integer('SECURE_HSTS_SECONDS', 0, "env.int('SECURE_HSTS_SECONDS', 0)"),
  SECURE_HSTS_INCLUDE_SUBDOMAINS: boolean('SECURE_HSTS_INCLUDE_SUBDOMAINS'),
  SECURE_HSTS_PRELOAD: boolean('SECURE_HSTS_PRELOAD'),
  SECURE_SSL_REDIRECT: boolean('SECURE_SSL_REDIRECT'),
  SECURE_CONTENT_TYPE_NOSNIFF: boolean('SECURE_CONTENT_TYPE_NOSNIFF'),
  SECURE_REFERRER_POLICY: checkReferrerPolicy,
  SECURE_CROSS_ORIGIN_OPENER_POLICY: (value) =>
    value === undefined || (CROSS_ORIGIN_OPENER_POLICIES as readonly unknown[]).includes(value)
      ? []
      : [`SECURE_CROSS_ORIGIN_OPENER_POLICY must be ${oneOf(CROSS_ORIGIN_OPENER_POLICIES)} (or undefined for no header), got ${show(value)}`],
  X_FRAME_OPTIONS: choice('X_FRAME_OPTIONS', ['DENY', 'SAMEORIGIN']),
  SESSION_COOKIE_NAME: cookieName('SESSION_COOKIE_NAME'),
  SESSION_COOKIE_AGE: integer('SESSION_COOKIE_AGE', 1, '1209600 (two weeks)'),
  SESSION_COOKIE_SECURE: boolean('SESSION_COOKIE_SECURE'),
  SESSION_COOKIE_HTTPONLY: boolean('SESSION_COOKIE_HTTPONLY'),
  SESSION_COOKIE_SAMESITE: sameSite('SESSION_COOKIE_SAMESITE', 'SESSION_COOKIE_SECURE'),
  CSRF_COOKIE_NAME: (value, values) => {
    const problems = cookieName('CSRF_COOKIE_NAME')(value, values);
    if (problems.length === 0 && value === values.SESSION_COOKIE_NAME) {
      problems.push(`CSRF_COOKIE_NAME and SESSION_COOKIE_NAME are both ${show(value)} — give the two cookies different names`);
    }
    return problems;
  },
  CSRF_COOKIE_SECURE: boolean('CSRF_COOKIE_SECURE'),
  CSRF_COOKIE_HTTPONLY: boolean('CSRF_COOKIE_HTTPONLY'),
  CSRF_COOKIE_SAMESITE: sameSite('CSRF_COOKIE_SAMESITE', 'CSRF_COOKIE_SECURE'),
  EMAIL_URL: checkEmailUrl,
  DEFAULT_FROM_EMAIL: (value) =>
    typeof value === 'string' && value.trim() !== '' && !/[\r\n]/.test(value)
      ? []
      : [`DEFAULT_FROM_EMAIL must be one address on one line, got ${show(value)} — e.g. DEFAULT_FROM_EMAIL = 'Site <noreply@example.com>'`],
  EMAIL_TIMEOUT: integer('EMAIL_TIMEOUT', 1, "env.int('EMAIL_TIMEOUT', 10)"),
  EMAIL_OPTIONS: (value) => (isPlainObject(value) ? [] : [`EMAIL_OPTIONS must be an object of nodemailer transport options, got ${show(value)} — e.g. EMAIL_OPTIONS = { tls: { ca: [caPem] } }`]),
  SESSION_ENGINE: (value, values) => {
    if (value === undefined) return [];
    const problems = choice('SESSION_ENGINE', ['db', 'signed_cookies'])(value, values);
    if (value === 'db' && isList(values.INSTALLED_APPS) && !values.INSTALLED_APPS.includes('tsgate.auth')) {
      problems.push("SESSION_ENGINE is 'db' but 'tsgate.auth' is not in INSTALLED_APPS — its migration makes the session table: add it, or use 'signed_cookies'");
    }
    return problems;
  },
  LOGIN_URL: redirectTarget('LOGIN_URL', "'/accounts/login/'"),
  LOGIN_REDIRECT_URL: redirectTarget('LOGIN_REDIRECT_URL', "'/'"),
  LOGOUT_REDIRECT_URL: redirectTarget('LOGOUT_REDIRECT_URL', "'/'"),
  PASSWORD_RESET_TIMEOUT: integer('PASSWORD_RESET_TIMEOUT', 1, '259200 (three days)'),
  AUTH_PASSWORD_MIN_LENGTH: count('AUTH_PASSWORD_MIN_LENGTH', 'characters', '12'),
  AUTH_SIGNUP: boolean('AUTH_SIGNUP'),
  ACCOUNTS_EMAILS_PER_HOUR: (value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? []
      : [`ACCOUNTS_EMAILS_PER_HOUR must be a whole number of emails, 0 (no limit) or more, got ${show(value)} — e.g. ACCOUNTS_EMAILS_PER_HOUR = 5`],
  LOGIN_FAILURES_PER_ACCOUNT: count('LOGIN_FAILURES_PER_ACCOUNT', 'failed logins', '5'),
  LOGIN_FAILURES_PER_IP: count('LOGIN_FAILURES_PER_IP', 'failed logins', '50'),
  LOGIN_FAILURE_WINDOW: integer('LOGIN_FAILURE_WINDOW', 1, '900 (15 minutes)'),
  TASKS_URL: checkTasksUrl,
  SILENCED_SYSTEM_CHECKS: stringList('SILENCED_SYSTEM_CHECKS', "['security.W004']", (id) =>
    CHECK_ID.test(id) ? undefined : `SILENCED_SYSTEM_CHECKS entry ${show(id)} is not a system check ID — use the ID in parentheses in manage check's output, e.g. 'security.W004'`,
  ),
};

/**
 * Django settings that tsgate does not use. A project may keep them (they
 * are allowed, as any custom setting) and they are never taken for typos.
 */
const OTHER_DJANGO_SETTINGS = new Set([
  'ADMINS', 'APPEND_SLASH', 'AUTH_PASSWORD_VALIDATORS', 'AUTH_USER_MODEL', 'CSRF_COOKIE_AGE',
  'CSRF_COOKIE_DOMAIN', 'CSRF_COOKIE_PATH', 'CSRF_FAILURE_VIEW', 'CSRF_HEADER_NAME', 'CSRF_USE_SESSIONS',
  'DEFAULT_AUTO_FIELD', 'DEFAULT_CHARSET',
  'DEFAULT_FROM_EMAIL', 'EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_HOST_PASSWORD', 'EMAIL_HOST_USER', 'EMAIL_PORT',
  'EMAIL_USE_SSL', 'EMAIL_USE_TLS', 'FILE_UPLOAD_MAX_MEMORY_SIZE', 'INTERNAL_IPS', 'LANGUAGE_CODE', 'LANGUAGES',
  'LOGGING', 'MANAGERS', 'MEDIA_ROOT', 'MEDIA_URL',
  'PASSWORD_HASHERS', 'PREPEND_WWW', 'SECRET_KEY_FALLBACKS', 'SECURE_PROXY_SSL_HEADER', 'SECURE_REDIRECT_EXEMPT', 'SECURE_SSL_HOST', 'SERVER_EMAIL', 'SESSION_COOKIE_DOMAIN',
  'SESSION_COOKIE_PATH', 'SESSION_EXPIRE_AT_BROWSER_CLOSE', 'SESSION_SAVE_EVERY_REQUEST',
  'SITE_ID', 'STATICFILES_FINDERS', 'STATICFILES_STORAGE', 'STORAGES', 'TIME_ZONE', 'USE_I18N', 'USE_TZ',
  'USE_X_FORWARDED_HOST', 'USE_X_FORWARDED_PORT',
]);

/** Edit distance with transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = Array.from({ length: rows * cols }, (_, i) => (i < cols ? i : i % cols === 0 ? i / cols : 0));
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

function words(name: string): string {
  return name.split('_').filter(Boolean).sort().join('_');
}

/**
 * The known name `name` is most likely a typo of, if any: within edit
 * distance 2 (1 for names of five letters or fewer), or the same words in
 * another order (HOSTS_ALLOWED).
 */
export function closestName(name: string, known: Iterable<string> = KNOWN_SETTINGS): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const limit = Math.min(candidate.length, name.length) <= 5 ? 1 : 2;
    const distance = editDistance(name, candidate);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best) return best;
  for (const candidate of known) if (words(candidate) === words(name)) return candidate;
  return undefined;
}

/** UPPER_CASE names that are settings, as in Django. */
export const SETTING_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Every problem in `values` (the settings with the defaults filled in), each
 * naming the setting and the fix; an empty list when all is well. A name that
 * is not a setting but is close to one is reported as a likely typo; other
 * names are the project's own settings and are allowed.
 */
export function checkSettings(values: Values): string[] {
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(RULES)) problems.push(...rule(values[name], values));
  for (const name of Object.keys(values)) {
    if (KNOWN_SETTINGS.has(name) || OTHER_DJANGO_SETTINGS.has(name) || !SETTING_NAME.test(name)) continue;
    const match = closestName(name);
    if (match) problems.push(`${name} is not a setting — did you mean ${match}?`);
  }
  return problems;
}

/**
 * Exports that look like a known setting but are not UPPER_CASE, so they
 * would be ignored: `debug` or `allowedHosts`.
 */
export function checkExportNames(names: Iterable<string>): string[] {
  const problems: string[] = [];
  for (const name of names) {
    if (SETTING_NAME.test(name)) continue;
    const upper = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
    if (KNOWN_SETTINGS.has(upper)) problems.push(`${name} is not a setting (settings are UPPER_CASE) — did you mean ${upper}?`);
  }
  return problems;
}

/** The settings module a configuration came from, and the names it exports (the rest are defaults). */
export interface SettingsSource {
  module: string;
  names: ReadonlySet<string>;
}

const SECRET_KEY_UNSET = 'SECRET_KEY is required when DEBUG is false — set the SECRET_KEY environment variable';

/** The variable alone does nothing when the module never reads it: say so, not "set the variable" (it may well be set). */
function secretKeyNotExported(module: string): string {
  return (
    `SECRET_KEY is required when DEBUG is false, and the settings module ${module} does not define it — ` +
    `add \`export const SECRET_KEY = env.str('SECRET_KEY', '');\` to it (the SECRET_KEY environment variable is read only through the settings module)`
  );
}

/**
 * What serving requests needs beyond valid settings: with DEBUG off, a
 * SECRET_KEY and a non-empty ALLOWED_HOSTS. Checked when the app is loaded
 * and by `manage check`, not by configure(), so that commands which serve
 * nothing (collectstatic in a `docker build`, migrate in a release step)
 * run without the secrets, as in Django.
 */
export function servingProblems(values: Readonly<Record<string, unknown>>, source?: SettingsSource): string[] {
  if (values.DEBUG !== false) return [];
  const problems: string[] = [];
  if (values.SECRET_KEY === '') problems.push(source && !source.names.has('SECRET_KEY') ? secretKeyNotExported(source.module) : SECRET_KEY_UNSET);
  if (isList(values.ALLOWED_HOSTS) && values.ALLOWED_HOSTS.length === 0) {
    problems.push('ALLOWED_HOSTS is empty while DEBUG is false — set ALLOWED_HOSTS, e.g. ALLOWED_HOSTS=example.com');
  }
  return problems;
}
