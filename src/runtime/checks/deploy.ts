/**
 * The deployment checks `manage check --deploy` adds: Django's security
 * checks, with Django's IDs and wording (True → true), plus tsgate's
 * `database.W001`. Django gives these no hints; the hints here name the
 * environment variable the generated settings read.
 */
import type { Settings } from '../conf/types.js';
import { warning, type CheckMessage } from './messages.js';

export const SECRET_KEY_MIN_LENGTH = 50;
export const SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5;
/** Prefixes of keys made for development: Django's startproject, and create-tsgate-project's `.env`. */
export const SECRET_KEY_INSECURE_PREFIXES: readonly string[] = ['django-insecure-', 'dev-'];
/** Values copied from examples rather than generated: `.env.example`'s placeholder. */
export const SECRET_KEY_PLACEHOLDERS: readonly string[] = ['change-me-to-a-long-random-string'];

type DeployCheck = (settings: Readonly<Settings>) => CheckMessage[];

const ENV_HINT = (name: string, value: string) => `Set ${name}=${value} in the production environment (or ${name} = ${value} in the settings module).`;

/** security.W018 */
export const checkDebug: DeployCheck = (settings) =>
  settings.DEBUG === true
    ? [warning('security.W018', 'You should not have DEBUG set to true in deployment.', 'Unset DEBUG, or set DEBUG=false, in the production environment.')]
    : [];

/** Whether a SECRET_KEY is long, varied and not a development or example value. */
export function isSecureSecretKey(key: unknown): boolean {
  return (
    typeof key === 'string' &&
    key.length >= SECRET_KEY_MIN_LENGTH &&
    new Set(key).size >= SECRET_KEY_MIN_UNIQUE_CHARACTERS &&
    !SECRET_KEY_INSECURE_PREFIXES.some((prefix) => key.startsWith(prefix)) &&
    !SECRET_KEY_PLACEHOLDERS.includes(key)
  );
}

/** security.W009 */
export const checkSecretKey: DeployCheck = (settings) =>
  isSecureSecretKey(settings.SECRET_KEY)
    ? []
    : [
        warning(
          'security.W009',
          `Your SECRET_KEY has less than ${SECRET_KEY_MIN_LENGTH} characters, less than ${SECRET_KEY_MIN_UNIQUE_CHARACTERS} unique characters, ` +
            `is prefixed with ${SECRET_KEY_INSECURE_PREFIXES.map((prefix) => `'${prefix}'`).join(' or ')} indicating that it was generated for development, ` +
            `or is the placeholder from .env.example. Please generate a long and random value, otherwise many of tsgate's security-critical features will be vulnerable to attack.`,
          `Generate one with: node -e "console.log(require('node:crypto').randomBytes(48).toString('base64url'))" and set it as SECRET_KEY in the production environment.`,
        ),
      ];

/** security.W020 */
export const checkAllowedHosts: DeployCheck = (settings) =>
  settings.ALLOWED_HOSTS.length === 0
    ? [warning('security.W020', 'ALLOWED_HOSTS must not be empty in deployment.', 'Set ALLOWED_HOSTS to the site\'s host names, e.g. ALLOWED_HOSTS=example.com,www.example.com.')]
    : [];

/** security.W004 */
export const checkHsts: DeployCheck = (settings) =>
  settings.SECURE_HSTS_SECONDS
    ? []
    : [
        warning(
          'security.W004',
          'You have not set a value for the SECURE_HSTS_SECONDS setting. If your entire site is served only over SSL, you may want to consider ' +
            'setting a value and enabling HTTP Strict Transport Security. Be sure to read the documentation first; enabling HSTS carelessly ' +
            'can cause serious, irreversible problems.',
          'Start with SECURE_HSTS_SECONDS=3600 once HTTPS works, and raise it to 31536000 (a year) when all is well.',
        ),
      ];

/** security.W008 */
export const checkSslRedirect: DeployCheck = (settings) =>
  settings.SECURE_SSL_REDIRECT === true
    ? []
    : [
        warning(
          'security.W008',
          'Your SECURE_SSL_REDIRECT setting is not set to true. Unless your site should be available over both SSL and non-SSL connections, ' +
            'you may want to either set this setting true or configure a load balancer or reverse-proxy server to redirect all connections to HTTPS.',
          `${ENV_HINT('SECURE_SSL_REDIRECT', 'true')} Behind a proxy that terminates TLS, trust its X-Forwarded-Proto with serve --forwarded-allow-ips.`,
        ),
      ];

/** security.W012 */
export const checkSessionCookieSecure: DeployCheck = (settings) =>
  settings.SESSION_COOKIE_SECURE === true
    ? []
    : [
        warning(
          'security.W012',
          'SESSION_COOKIE_SECURE is not set to true. Using a secure-only session cookie makes it more difficult for network traffic sniffers to hijack user sessions.',
          ENV_HINT('SESSION_COOKIE_SECURE', 'true'),
        ),
      ];

/** security.W016 */
export const checkCsrfCookieSecure: DeployCheck = (settings) =>
  settings.CSRF_COOKIE_SECURE === true
    ? []
    : [
        warning(
          'security.W016',
          'CSRF_COOKIE_SECURE is not set to true. Using a secure-only CSRF cookie makes it more difficult for network traffic sniffers to steal the CSRF token.',
          ENV_HINT('CSRF_COOKIE_SECURE', 'true'),
        ),
      ];

/** security.W019 */
export const checkXFrameOptions: DeployCheck = (settings) =>
  settings.X_FRAME_OPTIONS === 'DENY'
    ? []
    : [
        warning(
          'security.W019',
          "X_FRAME_OPTIONS is not set to 'DENY'. Unless there is a good reason for your site to serve other parts of itself in a frame, you should change it to 'DENY'.",
          "Set X_FRAME_OPTIONS = 'DENY' in the settings module (it is the default).",
        ),
      ];

/** security.W006 */
export const checkContentTypeNosniff: DeployCheck = (settings) =>
  settings.SECURE_CONTENT_TYPE_NOSNIFF === true
    ? []
    : [
        warning(
          'security.W006',
          "Your SECURE_CONTENT_TYPE_NOSNIFF setting is not set to true, so your pages will not be served with an 'X-Content-Type-Options: nosniff' header. " +
            'You should consider enabling this header to prevent the browser from identifying content types incorrectly.',
          'Set SECURE_CONTENT_TYPE_NOSNIFF = true in the settings module (it is the default).',
        ),
      ];

/** The scheme of a database URL, without the colon; undefined when it is not a URL. */
function scheme(url: unknown): string | undefined {
  return typeof url === 'string' && URL.canParse(url) ? new URL(url).protocol.slice(0, -1) : undefined;
}

/** database.W001 (tsgate): the default database is a SQLite file while DEBUG is false. */
export const checkSqliteInProduction: DeployCheck = (settings) =>
  settings.DEBUG === false && scheme(settings.DATABASES.default.URL) === 'sqlite'
    ? [
        warning(
          'database.W001',
          "DATABASES['default'] is a SQLite database while DEBUG is false. SQLite serves one writer at a time and lives on the server's disk, " +
            "so it suits neither several serve workers nor several servers, and in a container it is lost with it unless kept on a volume.",
          "Set DATABASE_URL to a PostgreSQL or MySQL server, e.g. DATABASE_URL=postgres://user:password@host:5432/name; if one SQLite file is what you want, add 'database.W001' to SILENCED_SYSTEM_CHECKS.",
        ),
      ]
    : [];

/**
 * mail.W001 (tsgate): EMAIL_URL keeps or prints mail (console://, memory://)
 * while DEBUG is false, so password-reset and other emails reach nobody.
 */
export const checkEmailBackend: DeployCheck = (settings) => {
  const backend = scheme(settings.EMAIL_URL);
  return settings.DEBUG === false && (backend === 'console' || backend === 'memory')
    ? [
        warning(
          'mail.W001',
          `EMAIL_URL is ${backend}:// while DEBUG is false: email is ${backend === 'console' ? 'printed to the log' : 'kept in memory'}, not sent, so password resets and other messages reach nobody.`,
          'Set EMAIL_URL to your mail server in the production environment, e.g. EMAIL_URL=smtp://user:password@smtp.example.com:587; if the site sends no email, add \'mail.W001\' to SILENCED_SYSTEM_CHECKS.',
        ),
      ]
    : [];
};

/**
 * cache.W001 (tsgate): a cache is locmem:// while DEBUG is false and more
 * than one worker serves (WEB_CONCURRENCY unset means one per CPU): each
 * worker has a cache of its own, so rate limits count per worker and a
 * value one worker sets or deletes is not seen by the others.
 */
export const checkLocmemCache = (settings: Readonly<Settings>, env: NodeJS.ProcessEnv = process.env): CheckMessage[] => {
  if (settings.DEBUG !== false || env.WEB_CONCURRENCY?.trim() === '1') return [];
  const local = Object.entries(settings.CACHES ?? {}).filter(([, cache]) => scheme(cache?.URL) === 'locmem');
  if (local.length === 0) return [];
  const names = local.map(([alias]) => `CACHES['${alias}']`).join(', ');
  return [
    warning(
      'cache.W001',
      `${names} ${local.length === 1 ? 'is' : 'are'} locmem:// while DEBUG is false and several workers serve (WEB_CONCURRENCY is ${env.WEB_CONCURRENCY ? env.WEB_CONCURRENCY : 'unset: one per CPU'}): each worker keeps its own cache, ` +
        'so rate limits are counted per worker (the limit is multiplied by the workers, and by the replicas) and a value one worker sets or deletes is not seen by the others.',
      "Set CACHE_URL to a cache every worker shares: CACHE_URL=redis://host:6379/0, or CACHE_URL=db://default (the tsgate_cache table, made by manage migrate with 'tsgate.cache' installed); " +
        "with one worker (WEB_CONCURRENCY=1), or if a cache per worker is what you want, add 'cache.W001' to SILENCED_SYSTEM_CHECKS.",
    ),
  ];
};
/** The host part of a `serve --bind`-style address (`host:port`, `[v6]:port`, `:port`, `port`); undefined for `unix:`. */
export function bindHost(address: string): string | undefined {
  if (address.startsWith('unix:')) return undefined;
  const bracketed = /^\[([^\]]*)\]/.exec(address);
  if (bracketed) return bracketed[1];
  if (/^\d+$/.test(address)) return '0.0.0.0';
  const colon = address.lastIndexOf(':');
  const host = colon === -1 ? address : address.slice(0, colon);
  return host === '' ? '0.0.0.0' : host;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * metrics.W001 (tsgate): `serve` would answer metrics (routes, traffic,
 * memory, versions) to anyone who reaches the address in METRICS_BIND.
 */
export function checkMetricsBind(_settings: Readonly<Settings>, env: NodeJS.ProcessEnv = process.env): CheckMessage[] {
  const address = env.METRICS_BIND;
  const host = address ? bindHost(address) : undefined;
  if (!address || host === undefined || isLoopback(host)) return [];
  return [
    warning(
      'metrics.W001',
      `METRICS_BIND is ${address}: the server's metrics (routes, traffic, memory, versions) are served to anyone who can reach that address.`,
      "Bind metrics to 127.0.0.1 (METRICS_BIND=127.0.0.1:9100) and scrape from the same host, or keep the port off the public network (a firewall, a cluster-internal Kubernetes port that no Ingress or LoadBalancer exposes) and add 'metrics.W001' to SILENCED_SYSTEM_CHECKS.",
    ),
  ];
}

/** Every deployment check with its tag, in the order they are reported. */
export const DEPLOY_CHECKS: readonly (readonly [DeployCheck, string])[] = [
  [checkHsts, 'security'],
  [checkContentTypeNosniff, 'security'],
  [checkSslRedirect, 'security'],
  [checkSecretKey, 'security'],
  [checkSessionCookieSecure, 'security'],
  [checkCsrfCookieSecure, 'security'],
  [checkDebug, 'security'],
  [checkXFrameOptions, 'security'],
  [checkAllowedHosts, 'security'],
  [checkSqliteInProduction, 'database'],
  [checkEmailBackend, 'mail'],
  [checkLocmemCache, 'cache'],
  [checkMetricsBind, 'metrics'],
];
