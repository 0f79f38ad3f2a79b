/**
 * The value of every known setting a project does not set, Django's where
 * Django has one. Only ROOT_URLCONF and WSGI_APPLICATION have none: they name
 * the project's own modules.
 */
import { DEFAULT_UPLOAD_LIMITS } from '../http/limits.js';
import type { KnownSettings, RequiredSettingName } from './types.js';

export const DEFAULTS: Readonly<Omit<KnownSettings, RequiredSettingName>> = deepFreeze({
  DEBUG: false,
  SECRET_KEY: '',
  ALLOWED_HOSTS: [],
  CSRF_TRUSTED_ORIGINS: [],
  INSTALLED_APPS: [],
  // As Django: none unless listed (the generated settings list tsgate's).
  MIDDLEWARE: [],
  BASE_DIR: undefined,
  // The design's default database: a SQLite file in the project folder.
  DATABASES: { default: { URL: 'sqlite:///db.sqlite3' } },
  STATIC_URL: '/static/',
  STATIC_ROOT: undefined,
  STATICFILES_DIRS: [],
  STATICFILES_MANIFEST_STRICT: true,
  STATICFILES_KEEP_ONLY_HASHED: false,
  READYZ_WAITS_FOR_MIGRATIONS: true,
  DATA_UPLOAD_MAX_MEMORY_SIZE: DEFAULT_UPLOAD_LIMITS.maxMemorySize,
  DATA_UPLOAD_MAX_NUMBER_FIELDS: DEFAULT_UPLOAD_LIMITS.maxNumberFields,
  DATA_UPLOAD_MAX_NUMBER_FILES: DEFAULT_UPLOAD_LIMITS.maxNumberFiles,
  FILE_UPLOAD_MAX_SIZE: DEFAULT_UPLOAD_LIMITS.maxFileSize,
  // Each process its own memory, as Django's default; `check --deploy` warns when several workers serve.
  CACHES: { default: { URL: 'locmem://' } },
  CACHE_MIDDLEWARE_ALIAS: 'default',
  CACHE_MIDDLEWARE_SECONDS: 600,
  CACHE_MIDDLEWARE_KEY_PREFIX: '',
  TEMPLATES: [],
  LOG_LEVEL: 'info',
  SECURE_HSTS_SECONDS: 0,
  SECURE_HSTS_INCLUDE_SUBDOMAINS: false,
  SECURE_HSTS_PRELOAD: false,
  SECURE_SSL_REDIRECT: false,
  SECURE_CONTENT_TYPE_NOSNIFF: true,
  SECURE_REFERRER_POLICY: 'same-origin',
  SECURE_CROSS_ORIGIN_OPENER_POLICY: 'same-origin',
  X_FRAME_OPTIONS: 'DENY',
  SESSION_COOKIE_NAME: 'sessionid',
  SESSION_COOKIE_AGE: 60 * 60 * 24 * 7 * 2,
  SESSION_COOKIE_SECURE: false,
  SESSION_COOKIE_HTTPONLY: true,
  SESSION_COOKIE_SAMESITE: 'Lax',
  // Resolved by middleware/sessions.ts: 'db' when tsgate.auth is installed.
  SESSION_ENGINE: undefined,
  CSRF_COOKIE_NAME: 'csrftoken',
  CSRF_COOKIE_SECURE: false,
  CSRF_COOKIE_HTTPONLY: false,
  CSRF_COOKIE_SAMESITE: 'Lax',
  // Development prints each message; `check --deploy` warns while production still does.
  EMAIL_URL: 'console://',
  DEFAULT_FROM_EMAIL: 'webmaster@localhost',
  EMAIL_TIMEOUT: 10,
  EMAIL_OPTIONS: {},
  // Development runs each task at enqueue; production sets TASKS_URL to db:// or redis://.
  TASKS_URL: 'immediate://',
  SILENCED_SYSTEM_CHECKS: [],
  LOGIN_URL: '/accounts/login/',
  LOGIN_REDIRECT_URL: '/',
  LOGOUT_REDIRECT_URL: '/',
  PASSWORD_RESET_TIMEOUT: 60 * 60 * 24 * 3,
  AUTH_PASSWORD_MIN_LENGTH: 8,
  AUTH_SIGNUP: false,
  ACCOUNTS_EMAILS_PER_HOUR: 5,
  LOGIN_FAILURES_PER_ACCOUNT: 5,
  LOGIN_FAILURES_PER_IP: 50,
  LOGIN_FAILURE_WINDOW: 15 * 60,
});

const REQUIRED: readonly RequiredSettingName[] = ['ROOT_URLCONF', 'WSGI_APPLICATION'];

/** The names of every setting tsgate knows. */
export const KNOWN_SETTINGS: ReadonlySet<string> = new Set([...Object.keys(DEFAULTS), ...REQUIRED]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Freezes arrays and plain objects all the way down. Functions and class
 * instances (a middleware, a URL, an engine) are left as they are.
 */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item, seen);
  return value;
}

export { isPlainObject };
