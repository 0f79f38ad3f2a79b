/**
 * The shape of the settings object: every setting tsgate knows, typed, with
 * Django's names and meanings. Settings are frozen after loading, so lists
 * and objects are read-only here.
 */
import type { Middleware } from '../http/middleware.js';
import { LEVELS as LOG_LEVEL_NAMES, type Level as LogLevelName } from '../logging/index.js';

export { LOG_LEVEL_NAMES, type LogLevelName };

/** The values of the Referrer-Policy header. */
export const REFERRER_POLICIES = [
  'no-referrer',
  'no-referrer-when-downgrade',
  'origin',
  'origin-when-cross-origin',
  'same-origin',
  'strict-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
] as const;
export type ReferrerPolicy = (typeof REFERRER_POLICIES)[number];

export type XFrameOptions = 'DENY' | 'SAMEORIGIN';

/** A cookie's SameSite attribute; `false` sends none. */
export type SameSite = 'Lax' | 'Strict' | 'None' | false;

/** The values of the Cross-Origin-Opener-Policy header. */
export const CROSS_ORIGIN_OPENER_POLICIES = ['same-origin', 'same-origin-allow-popups', 'unsafe-none'] as const;
export type CrossOriginOpenerPolicy = (typeof CROSS_ORIGIN_OPENER_POLICIES)[number];

/** A source folder for collectstatic, or `[prefix, folder]` to serve it under STATIC_URL + prefix. */
export type StaticFilesDir = string | readonly [prefix: string, path: string];

/** One template engine, as in Django's TEMPLATES. */
export interface TemplateEngineSettings {
  /** The engine; tsgate's handlebars engine when absent. */
  readonly BACKEND?: string;
  /** A name to pick this engine by, when there are several. */
  readonly NAME?: string;
  /** Project-wide template folders, searched first, in order. */
  readonly DIRS?: readonly string[];
  /** Whether each installed app's `templates/` folder is searched too. */
  readonly APP_DIRS?: boolean;
  /** Passed to the engine as is. */
  readonly OPTIONS?: Readonly<Record<string, unknown>>;
}

/** One database connection. */
export interface DatabaseSettings {
  /** `sqlite:///db.sqlite3`, `postgres://user:password@host:5432/name`, `mysql://…`. */
  readonly URL: string;
  /** Connections each process keeps open at most (PostgreSQL and MySQL); default 10. */
  readonly POOL_SIZE?: number;
  /** Seconds to wait for a connection, or for SQLite's write lock; default 10. */
  readonly CONNECT_TIMEOUT?: number;
  /** Passed to the driver as is (pg.Pool, mysql2.createPool or better-sqlite3 options). */
  readonly OPTIONS?: Readonly<Record<string, unknown>>;
  readonly [option: string]: unknown;
}

export type DatabasesSettings = Readonly<Record<string, DatabaseSettings>> & { readonly default: DatabaseSettings };

/** One cache, as in Django's CACHES. */
export interface CacheSettings {
  /** `locmem://`, `redis://host:6379/0`, `rediss://…`, `db://default` or `dummy://`. */
  readonly URL: string;
  /** Seconds a value lives when `set` names none; `null` for ever. Default 300. */
  readonly TIMEOUT?: number | null;
  /** Put before every key, so several sites can share one server: `KEY_PREFIX:VERSION:key`. */
  readonly KEY_PREFIX?: string;
  /** The key version when a call names none; raising it retires every old value at once. Default 1. */
  readonly VERSION?: number;
  /** locmem://: entries kept at most before the oldest third is dropped (default 300). */
  readonly MAX_ENTRIES?: number;
}

export type CachesSettings = Readonly<Record<string, CacheSettings>> & { readonly default: CacheSettings };

/** Every setting tsgate knows. */
export interface KnownSettings {
  /** Detailed error pages and request checks; never true in production. */
  DEBUG: boolean;
  /** Signs sessions and tokens; required when DEBUG is false. */
  SECRET_KEY: string;
  /** Host names this site answers to: `example.com`, `.example.com` (and subdomains), `*`. */
  ALLOWED_HOSTS: readonly string[];
  /** Origins trusted for unsafe requests (CSRF), with scheme: `https://example.com`. */
  CSRF_TRUSTED_ORIGINS: readonly string[];
  /** The project's apps, by module name. */
  INSTALLED_APPS: readonly string[];
  /** Middleware, applied in order around every request: the first sees the request first. */
  MIDDLEWARE: readonly Middleware[];
  /** The module of the root URL table: `mysite.urls`. */
  ROOT_URLCONF: string;
  /** The application `serve` runs by default: `mysite.wsgi:application`. */
  WSGI_APPLICATION: string;
  /** The project folder (a convention of the generated settings, not read by tsgate). */
  BASE_DIR: string | undefined;
  /** Database connections by alias; `default` is required. */
  DATABASES: DatabasesSettings;
  /** The URL prefix of static files; ends with a slash. */
  STATIC_URL: string;
  /** Where collectstatic gathers static files for serving; undefined when not collected. */
  STATIC_ROOT: string | undefined;
  /** Extra static source folders, besides each app's `static/`. */
  STATICFILES_DIRS: readonly StaticFilesDir[];
  /** collectstatic: a reference to a missing file is an error (true) or a warning that leaves it as written (false). */
  STATICFILES_MANIFEST_STRICT: boolean;
  /** collectstatic writes only the hashed copies, not the originals under their own names (whitenoise's KEEP_ONLY_HASHED_FILES). */
  STATICFILES_KEEP_ONLY_HASHED: boolean;
  /** `/readyz` is 503 until every migration on disk is applied (true), or only until the database answers (false). */
  READYZ_WAITS_FOR_MIGRATIONS: boolean;
  /** Bytes of a request body read into memory, uploaded files not counted (Django's); past it a 413. `null` or 0: no limit. */
  DATA_UPLOAD_MAX_MEMORY_SIZE: number | null;
  /** Fields of a form (urlencoded or multipart; Django's); past it a 400. `null` or 0: no limit. */
  DATA_UPLOAD_MAX_NUMBER_FIELDS: number | null;
  /** Files of a multipart form (Django's); past it a 400. `null` or 0: no limit. */
  DATA_UPLOAD_MAX_NUMBER_FILES: number | null;
  /** Bytes of one uploaded file, held in memory (tsgate's); past it a 413. `null` or 0: only the server's body limit. */
  FILE_UPLOAD_MAX_SIZE: number | null;
  /** Caches by alias (tsgate/cache); `default` is required. */
  CACHES: CachesSettings;
  /** The cache the per-site cache middleware uses. */
  CACHE_MIDDLEWARE_ALIAS: string;
  /** Seconds the per-site cache middleware keeps a page (when the response names no max-age). */
  CACHE_MIDDLEWARE_SECONDS: number;
  /** Put before the per-site cache middleware's keys, e.g. to share a cache between sites. */
  CACHE_MIDDLEWARE_KEY_PREFIX: string;
  /** Template engines. */
  TEMPLATES: readonly TemplateEngineSettings[];
  /** The least severe log messages that are written. */
  LOG_LEVEL: LogLevelName;
  /** Strict-Transport-Security max-age in seconds; 0 sends no header. */
  SECURE_HSTS_SECONDS: number;
  SECURE_HSTS_INCLUDE_SUBDOMAINS: boolean;
  SECURE_HSTS_PRELOAD: boolean;
  /** Redirect every plain-HTTP request to HTTPS. */
  SECURE_SSL_REDIRECT: boolean;
  /** Send `X-Content-Type-Options: nosniff`. */
  SECURE_CONTENT_TYPE_NOSNIFF: boolean;
  /** Referrer-Policy: one policy (see ReferrerPolicy), several comma-separated, or undefined for no header. */
  SECURE_REFERRER_POLICY: ReferrerPolicy | (string & {}) | undefined;
  /** Cross-Origin-Opener-Policy, or undefined for no header. */
  SECURE_CROSS_ORIGIN_OPENER_POLICY: CrossOriginOpenerPolicy | undefined;
  /** X-Frame-Options for every response. */
  X_FRAME_OPTIONS: XFrameOptions;
  SESSION_COOKIE_NAME: string;
  /** Session lifetime in seconds. */
  SESSION_COOKIE_AGE: number;
  /** Send the session cookie over HTTPS only. */
  SESSION_COOKIE_SECURE: boolean;
  SESSION_COOKIE_HTTPONLY: boolean;
  SESSION_COOKIE_SAMESITE: SameSite;
  /**
   * Where sessions live: `'db'` (a random key in the cookie, the data in
   * `auth_session`: revocable) or `'signed_cookies'` (the data in a signed
   * cookie). Default: 'db' when tsgate.auth is installed, else signed cookies.
   */
  SESSION_ENGINE: 'db' | 'signed_cookies' | undefined;
  CSRF_COOKIE_NAME: string;
  /** Send the CSRF cookie over HTTPS only. */
  CSRF_COOKIE_SECURE: boolean;
  CSRF_COOKIE_HTTPONLY: boolean;
  CSRF_COOKIE_SAMESITE: SameSite;
  /**
   * Which backend sends email: `console://` (prints it), `memory://` (keeps
   * it in tsgate/mail's `outbox`, for tests), `file:///folder` or `file:folder`
   * (one .eml file per message), `smtp://user:password@host:587` (STARTTLS,
   * required except on loopback; `?starttls=required|opportunistic|never`) or
   * `smtps://user:password@host:465`.
   */
  EMAIL_URL: string;
  /** The sender of email that names none. */
  DEFAULT_FROM_EMAIL: string;
  /** Seconds to wait for the SMTP server at each step (connect, greeting, each command). */
  EMAIL_TIMEOUT: number;
  /** Passed to nodemailer's SMTP transport as is, e.g. `{ tls: { ca: [pem] } }` for a private CA. */
  EMAIL_OPTIONS: Readonly<Record<string, unknown>>;
  /** Where loginRequired sends a visitor who is not logged in (with `?next=`): a path or a URL. */
  LOGIN_URL: string;
  /** Where login goes when the form names no `next`. */
  LOGIN_REDIRECT_URL: string;
  /** Where logout goes. */
  LOGOUT_REDIRECT_URL: string;
  /** Seconds a password reset link stays valid (Django's: three days). */
  PASSWORD_RESET_TIMEOUT: number;
  /** The shortest password the validators accept. */
  AUTH_PASSWORD_MIN_LENGTH: number;
  /**
   * Accounts emails (reset links, signup confirmations) sent to one address
   * per hour; 0: no limit. The forms answer anyone, so without it anyone
   * could make the site write to any address as often as they post.
   */
  ACCOUNTS_EMAILS_PER_HOUR: number;
  /** Whether /accounts/signup/ lets visitors make an account. */
  AUTH_SIGNUP: boolean;
  /** Failed logins for one account within LOGIN_FAILURE_WINDOW before it answers 429. */
  LOGIN_FAILURES_PER_ACCOUNT: number;
  /** Failed logins from one client IP within LOGIN_FAILURE_WINDOW before it answers 429. */
  LOGIN_FAILURES_PER_IP: number;
  /** Seconds that a failed login counts for throttling. */
  LOGIN_FAILURE_WINDOW: number;
  /**
   * Where background tasks (`tsgate/tasks`) wait for `manage worker`:
   * `immediate://` (run at enqueue, in-process), `db://default` (a table) or
   * `redis://host:6379/0`; options in conf/tasks-url.ts.
   */
  TASKS_URL: string;
  /** IDs of system check messages not to report, e.g. `['security.W004']`; `manage check` counts them as silenced. */
  SILENCED_SYSTEM_CHECKS: readonly string[];
}

/** The loaded settings: the known ones typed, and the project's own as unknown. */
export interface Settings extends KnownSettings {
  [name: string]: unknown;
}

/** Settings without a default: the project must set them. */
export type RequiredSettingName = 'ROOT_URLCONF' | 'WSGI_APPLICATION';
